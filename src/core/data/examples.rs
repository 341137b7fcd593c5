use super::{
    ner_stratum, split_stratified, unseen_entity_types, unseen_labels, ClsExample, Diagnostic, Fractions, NerExample,
};
use crate::core::model::Task;

/// Labelled examples of one task.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "task", content = "examples", rename_all = "lowercase")]
pub enum Examples {
    Cls(Vec<ClsExample>),
    Ner(Vec<NerExample>),
}

impl Examples {
    pub fn task(&self) -> Task {
        match self {
            Examples::Cls(_) => Task::Cls,
            Examples::Ner(_) => Task::Ner,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Examples::Cls(e) => e.len(),
            Examples::Ner(e) => e.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A copy of the first `n` examples, for previews.
    pub fn head(&self, n: usize) -> Self {
        match self {
            Examples::Cls(e) => Examples::Cls(e.iter().take(n).cloned().collect()),
            Examples::Ner(e) => Examples::Ner(e.iter().take(n).cloned().collect()),
        }
    }

    /// The first `n` examples (all when `None`).
    pub fn limit(self, n: Option<usize>) -> Self {
        match self {
            Examples::Cls(e) => Examples::Cls(super::limit(e, n)),
            Examples::Ner(e) => Examples::Ner(super::limit(e, n)),
        }
    }

    /// Train, dev and test parts: stratified by label (NER: by the sentence's entity types) and
    /// seeded, as the recipe splits a training file that comes without a dev file.
    pub fn split(self, fractions: Fractions, seed: u64) -> (Examples, Examples, Examples) {
        match self {
            Examples::Cls(e) => {
                let s = split_stratified(e, |x| x.label.clone(), fractions, seed);
                (Examples::Cls(s.train), Examples::Cls(s.dev), Examples::Cls(s.test))
            }
            Examples::Ner(e) => {
                let s = split_stratified(e, ner_stratum, fractions, seed);
                (Examples::Ner(s.train), Examples::Ner(s.dev), Examples::Ner(s.test))
            }
        }
    }

    /// Warnings for labels (or entity types) of `self`, a dev set, that `train` never shows:
    /// the model cannot learn to predict them.
    pub fn unseen_in(&self, train: &Examples) -> Vec<Diagnostic> {
        match (train, self) {
            (Examples::Cls(train), Examples::Cls(dev)) => unseen_labels(train, dev),
            (Examples::Ner(train), Examples::Ner(dev)) => unseen_entity_types(train, dev),
            _ => Vec::new(),
        }
    }
}
