//! The label list a head learns, derived from the training data.

use std::collections::BTreeSet;

use crate::core::data::Examples;

/// Classification: the distinct labels, in numeric order when all are integers (so `2` comes
/// before `10`), otherwise alphabetical. NER: `O`, then `B-`/`I-` of each entity type in
/// alphabetical order of type.
pub fn label_list(train: &Examples) -> Vec<String> {
    match train {
        Examples::Cls(examples) => {
            let distinct: BTreeSet<&str> = examples.iter().map(|e| e.label.as_str()).collect();
            let mut labels: Vec<String> = distinct.into_iter().map(str::to_owned).collect();
            if labels.iter().all(|l| l.parse::<i64>().is_ok()) {
                labels.sort_by_key(|l| l.parse::<i64>().unwrap_or_default());
            }
            labels
        }
        Examples::Ner(examples) => {
            let types: BTreeSet<&str> = examples
                .iter()
                .flat_map(|e| e.tags.iter())
                .filter_map(|t| t.split_once('-').map(|(_, ty)| ty))
                .collect();
            std::iter::once("O".to_string())
                .chain(types.into_iter().flat_map(|ty| [format!("B-{ty}"), format!("I-{ty}")]))
                .collect()
        }
    }
}
