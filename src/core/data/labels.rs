//! Label inventories: counts for the preview, and labels the model would meet only in dev.

use std::collections::{BTreeMap, HashSet};

use super::{ClsExample, Diagnostic, NerExample};

/// How often each label occurs, most frequent first (ties by name).
pub fn label_counts(examples: &[ClsExample]) -> Vec<(String, usize)> {
    sorted_counts(examples.iter().map(|e| e.label.as_str()))
}

/// How many entities of each type there are (counted at their `B-` tag), most frequent first.
pub fn entity_counts(examples: &[NerExample]) -> Vec<(String, usize)> {
    sorted_counts(examples.iter().flat_map(|e| e.tags.iter().filter_map(|t| t.strip_prefix("B-"))))
}

fn sorted_counts<'a>(labels: impl Iterator<Item = &'a str>) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for label in labels {
        *counts.entry(label).or_default() += 1;
    }
    let mut counts: Vec<(String, usize)> = counts.into_iter().map(|(l, n)| (l.to_string(), n)).collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts
}

/// A warning for each dev label that never occurs in train, at its first dev line: the model
/// cannot predict it, so every such example counts as an error in the dev metrics.
pub fn unseen_labels(train: &[ClsExample], dev: &[ClsExample]) -> Vec<Diagnostic> {
    let known: HashSet<&str> = train.iter().map(|e| e.label.as_str()).collect();
    unseen(&known, dev.iter().map(|e| (e.label.as_str(), e.line)), "label")
}

/// A warning for each entity type in dev that never occurs in train, at its first dev line.
pub fn unseen_entity_types(train: &[NerExample], dev: &[NerExample]) -> Vec<Diagnostic> {
    let known: HashSet<&str> = train.iter().flat_map(|e| e.tags.iter().filter_map(|t| entity_type(t))).collect();
    let dev_types = dev.iter().flat_map(|e| e.tags.iter().filter_map(|t| entity_type(t)).map(|t| (t, e.line)));
    unseen(&known, dev_types, "entity type")
}

fn entity_type(tag: &str) -> Option<&str> {
    tag.strip_prefix("B-").or_else(|| tag.strip_prefix("I-"))
}

fn unseen<'a>(known: &HashSet<&str>, dev: impl Iterator<Item = (&'a str, usize)>, what: &str) -> Vec<Diagnostic> {
    let mut reported: HashSet<&str> = HashSet::new();
    dev.filter(|(label, _)| !known.contains(label) && reported.insert(label))
        .map(|(label, line)| {
            Diagnostic::warning(
                line,
                format!("{what} \"{label}\" is in dev but never in train; the model cannot learn it"),
            )
        })
        .collect()
}
