use tunelab::core::data::{
    entity_counts, label_counts, unseen_entity_types, unseen_labels, ClsExample, NerExample, Severity,
};

use super::expect;

fn cls(label: &str, line: usize) -> ClsExample {
    ClsExample { text: "t".into(), label: label.into(), line }
}

fn ner(tags: &[&str], line: usize) -> NerExample {
    NerExample {
        tokens: tags.iter().map(|_| "w".into()).collect(),
        tags: tags.iter().map(|&t| t.into()).collect(),
        line,
    }
}

#[test]
fn label_only_in_dev_is_warned_at_its_first_dev_line() {
    let train = [cls("pos", 2), cls("neg", 3)];
    let dev = [cls("pos", 2), cls("neutral", 3), cls("neutral", 4), cls("mixed", 5)];
    let diagnostics = unseen_labels(&train, &dev);
    assert_eq!(diagnostics.len(), 2);
    expect(&diagnostics, Severity::Warning, 3, "\"neutral\"");
    expect(&diagnostics, Severity::Warning, 5, "\"mixed\"");
}

#[test]
fn entity_type_only_in_dev_is_warned() {
    let train = [ner(&["B-PER", "O"], 1)];
    let dev = [ner(&["O", "B-PER"], 1), ner(&["B-LOC", "I-LOC"], 4), ner(&["B-LOC"], 7)];
    let diagnostics = unseen_entity_types(&train, &dev);
    assert_eq!(diagnostics.len(), 1);
    expect(&diagnostics, Severity::Warning, 4, "\"LOC\"");
}

#[test]
fn counts_are_most_frequent_first() {
    let examples = [cls("b", 1), cls("a", 2), cls("b", 3), cls("c", 4)];
    assert_eq!(label_counts(&examples), [("b".to_string(), 2), ("a".to_string(), 1), ("c".to_string(), 1)]);
    let sentences = [ner(&["B-PER", "I-PER", "B-LOC"], 1), ner(&["B-PER"], 3)];
    assert_eq!(entity_counts(&sentences), [("PER".to_string(), 2), ("LOC".to_string(), 1)]);
}
