use super::{unseen_entity_types, unseen_labels, ClsExample, Diagnostic, NerExample};
use crate::core::model::Task;

/// Labelled examples of one task.
#[derive(Debug, Clone, PartialEq)]
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

    /// The first `n` examples (all when `None`).
    pub fn limit(self, n: Option<usize>) -> Self {
        match self {
            Examples::Cls(e) => Examples::Cls(super::limit(e, n)),
            Examples::Ner(e) => Examples::Ner(super::limit(e, n)),
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
