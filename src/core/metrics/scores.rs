//! Score rows and the macro and weighted averages that sklearn and seqeval compute alike.

use serde::{Deserialize, Serialize};

/// Precision, recall and F1 of an average over labels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// Scores of one label (a class or an entity type) with its support.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelScores {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// How many times the label occurs in the gold data.
    pub support: usize,
}

impl LabelScores {
    pub fn scores(&self) -> Scores {
        Scores { precision: self.precision, recall: self.recall, f1: self.f1 }
    }
}

/// True positives, predictions and gold occurrences of one label, or of all labels together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub true_positives: usize,
    pub predicted: usize,
    pub actual: usize,
}

impl Counts {
    pub fn add(self, other: Counts) -> Counts {
        Counts {
            true_positives: self.true_positives + other.true_positives,
            predicted: self.predicted + other.predicted,
            actual: self.actual + other.actual,
        }
    }
}

/// `num / den`, or 0 when `den` is 0: `_prf_divide` with `zero_division=0`.
pub(crate) fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// Unweighted mean of the rows (`np.average`). With no rows, numpy returns NaN; 0 keeps the
/// report serialisable and comparable.
pub(crate) fn macro_average(rows: &[LabelScores]) -> Scores {
    if rows.is_empty() {
        return Scores::default();
    }
    let n = rows.len() as f64;
    Scores {
        precision: rows.iter().map(|r| r.precision).sum::<f64>() / n,
        recall: rows.iter().map(|r| r.recall).sum::<f64>() / n,
        f1: rows.iter().map(|r| r.f1).sum::<f64>() / n,
    }
}

/// Mean of the rows weighted by support (`np.average(weights=support)`). With no support at
/// all, seqeval and sklearn (with `zero_division=0`) answer 0.
pub(crate) fn weighted_average(rows: &[LabelScores]) -> Scores {
    let total: usize = rows.iter().map(|r| r.support).sum();
    if total == 0 {
        return Scores::default();
    }
    let weighted =
        |value: fn(&LabelScores) -> f64| rows.iter().map(|r| value(r) * r.support as f64).sum::<f64>() / total as f64;
    Scores { precision: weighted(|r| r.precision), recall: weighted(|r| r.recall), f1: weighted(|r| r.f1) }
}
