//! Sequence classification scores as scikit-learn computes them: `accuracy_score`,
//! `confusion_matrix` and `precision_recall_fscore_support(zero_division=0)`.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::error::MetricsError;
use super::scores::{macro_average, ratio, weighted_average, Counts, LabelScores, Scores};

/// Everything sklearn reports about one set of class predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    /// Share of examples whose prediction equals the gold label, over all examples.
    pub accuracy: f64,
    /// The labels of the rows below and of the confusion matrix, in that order.
    pub labels: Vec<String>,
    pub per_label: Vec<LabelScores>,
    /// Scores from counts pooled over `labels`; equals `accuracy` when `labels` covers every
    /// label seen.
    pub micro_avg: Scores,
    pub macro_avg: Scores,
    /// Average weighted by each label's support.
    pub weighted_avg: Scores,
    /// `confusion[gold][pred]`; examples with a label outside `labels` are left out, as in
    /// sklearn.
    pub confusion: Vec<Vec<usize>>,
    /// Gold examples whose label is one of `labels`.
    pub support: usize,
}

/// Scores every label that occurs in `gold` or `pred`, sorted as sklearn's `unique_labels`.
pub fn classification_report<S: AsRef<str>>(gold: &[S], pred: &[S]) -> Result<ClassificationReport, MetricsError> {
    check_lengths(gold.len(), pred.len())?;
    let labels: BTreeSet<&str> = gold.iter().chain(pred).map(AsRef::as_ref).collect();
    Ok(report(gold, pred, labels.into_iter().map(str::to_owned).collect()))
}

/// Scores exactly `labels`, in the given order, as sklearn does when passed `labels=`. Labels
/// that never occur score 0; examples with other labels still count towards `accuracy` and
/// towards the predictions of the listed labels.
pub fn classification_report_with_labels<S: AsRef<str>, L: AsRef<str>>(
    gold: &[S],
    pred: &[S],
    labels: &[L],
) -> Result<ClassificationReport, MetricsError> {
    check_lengths(gold.len(), pred.len())?;
    let mut seen = BTreeSet::new();
    for label in labels {
        if !seen.insert(label.as_ref()) {
            return Err(MetricsError::DuplicateLabel(label.as_ref().to_owned()));
        }
    }
    Ok(report(gold, pred, labels.iter().map(|l| l.as_ref().to_owned()).collect()))
}

fn check_lengths(gold: usize, pred: usize) -> Result<(), MetricsError> {
    if gold == pred {
        Ok(())
    } else {
        Err(MetricsError::LengthMismatch { gold, pred })
    }
}

fn report<S: AsRef<str>>(gold: &[S], pred: &[S], labels: Vec<String>) -> ClassificationReport {
    let index: HashMap<&str, usize> = labels.iter().enumerate().map(|(i, label)| (label.as_str(), i)).collect();
    let mut counts = vec![Counts::default(); labels.len()];
    let mut confusion = vec![vec![0; labels.len()]; labels.len()];
    let mut correct = 0;
    for (g, p) in gold.iter().zip(pred) {
        let (g, p) = (g.as_ref(), p.as_ref());
        let (gi, pi) = (index.get(g).copied(), index.get(p).copied());
        if g == p {
            correct += 1;
        }
        if let Some(c) = gi.and_then(|i| counts.get_mut(i)) {
            c.actual += 1;
            if g == p {
                c.true_positives += 1;
            }
        }
        if let Some(c) = pi.and_then(|i| counts.get_mut(i)) {
            c.predicted += 1;
        }
        if let (Some(gi), Some(pi)) = (gi, pi) {
            if let Some(cell) = confusion.get_mut(gi).and_then(|row| row.get_mut(pi)) {
                *cell += 1;
            }
        }
    }

    let per_label: Vec<LabelScores> = labels
        .iter()
        .zip(&counts)
        .map(|(label, c)| {
            let s = scores(*c);
            LabelScores { label: label.clone(), precision: s.precision, recall: s.recall, f1: s.f1, support: c.actual }
        })
        .collect();
    let pooled = counts.iter().fold(Counts::default(), |acc, c| acc.add(*c));

    ClassificationReport {
        accuracy: ratio(correct, gold.len()),
        micro_avg: scores(pooled),
        macro_avg: macro_average(&per_label),
        weighted_avg: weighted_average(&per_label),
        per_label,
        labels,
        confusion,
        support: pooled.actual,
    }
}

/// sklearn (>= 1.3) computes F1 from counts, `2tp / (2tp + fp + fn)`, not from P and R.
fn scores(c: Counts) -> Scores {
    Scores {
        precision: ratio(c.true_positives, c.predicted),
        recall: ratio(c.true_positives, c.actual),
        f1: ratio(2 * c.true_positives, c.actual + c.predicted),
    }
}
