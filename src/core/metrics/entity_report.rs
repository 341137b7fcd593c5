//! Entity-level scores as seqeval's `classification_report(output_dict=True,
//! zero_division=0)` computes them, in either entity mode.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::entities::{extract_entities, Entity, EntityMode};
use super::error::{MetricsError, Side};
use super::scores::{macro_average, ratio, weighted_average, Counts, LabelScores, Scores};

/// Everything seqeval reports about one set of tag predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityReport {
    pub mode: EntityMode,
    /// One row per entity type found in gold or pred, sorted by type name.
    pub per_type: Vec<LabelScores>,
    /// Scores over all entities pooled: seqeval's `precision_score`, `recall_score` and
    /// `f1_score`.
    pub micro_avg: Scores,
    /// Unweighted mean over types; 0 when there are no types (seqeval: NaN).
    pub macro_avg: Scores,
    /// Mean over types weighted by support.
    pub weighted_avg: Scores,
    /// Gold entities of all types, the support seqeval prints on every average row.
    pub support: usize,
}

impl EntityReport {
    /// The headline numbers, seqeval's `precision_score`, `recall_score` and `f1_score`.
    pub fn overall(&self) -> Scores {
        self.micro_avg
    }
}

/// Compares predicted tags with gold tags, sentence by sentence. Both must have the same
/// number of sentences and the same number of tags in each, as seqeval requires.
pub fn entity_report<T: AsRef<[S]>, S: AsRef<str>>(
    gold: &[T],
    pred: &[T],
    mode: EntityMode,
) -> Result<EntityReport, MetricsError> {
    if gold.len() != pred.len() {
        return Err(MetricsError::LengthMismatch { gold: gold.len(), pred: pred.len() });
    }
    for (sentence, (g, p)) in gold.iter().zip(pred).enumerate() {
        let (g, p) = (g.as_ref().len(), p.as_ref().len());
        if g != p {
            return Err(MetricsError::SentenceLengthMismatch { sentence, gold: g, pred: p });
        }
    }
    let gold_entities =
        extract_entities(gold, mode).map_err(|source| MetricsError::InvalidTag { side: Side::Gold, source })?;
    let pred_entities =
        extract_entities(pred, mode).map_err(|source| MetricsError::InvalidTag { side: Side::Pred, source })?;

    let mut by_type: BTreeMap<&str, (BTreeSet<&Entity>, BTreeSet<&Entity>)> = BTreeMap::new();
    for entity in &gold_entities {
        by_type.entry(entity.kind.as_str()).or_default().0.insert(entity);
    }
    for entity in &pred_entities {
        by_type.entry(entity.kind.as_str()).or_default().1.insert(entity);
    }

    let mut pooled = Counts::default();
    let per_type: Vec<LabelScores> = by_type
        .into_iter()
        .map(|(kind, (gold, pred))| {
            let counts =
                Counts { true_positives: gold.intersection(&pred).count(), predicted: pred.len(), actual: gold.len() };
            pooled = pooled.add(counts);
            let s = scores(counts);
            LabelScores {
                label: kind.to_owned(),
                precision: s.precision,
                recall: s.recall,
                f1: s.f1,
                support: counts.actual,
            }
        })
        .collect();

    Ok(EntityReport {
        mode,
        micro_avg: scores(pooled),
        macro_avg: macro_average(&per_type),
        weighted_avg: weighted_average(&per_type),
        per_type,
        support: pooled.actual,
    })
}

/// seqeval computes F1 from P and R, `2PR / (P + R)` with a zero denominator replaced by 1.
fn scores(c: Counts) -> Scores {
    let precision = ratio(c.true_positives, c.predicted);
    let recall = ratio(c.true_positives, c.actual);
    let denom = precision + recall;
    let f1 = if denom == 0.0 { 0.0 } else { 2.0 * precision * recall / denom };
    Scores { precision, recall, f1 }
}
