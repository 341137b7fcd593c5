use std::collections::BTreeSet;

use tunelab::core::data::{
    entity_counts, ner_stratum, parse_classification, parse_ner, split_stratified, unseen_entity_types, Fractions,
    TableOptions, TagScheme,
};

use super::clean;

fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn wnut17_train_loads() {
    let parsed =
        parse_ner(&read(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/wnut17/train.conll")), "train.conll");
    clean(&parsed.diagnostics);
    let file = parsed.value;
    assert_eq!(file.scheme, TagScheme::Iob2);
    assert_eq!(file.examples.len(), 3394);
    assert_eq!(file.examples[0].line, 1);
    assert_eq!(file.examples[0].tokens[0], "@paulwalk");
    assert_eq!(file.examples.iter().map(|e| e.tokens.len()).sum::<usize>(), 62730);
    let types: BTreeSet<String> = entity_counts(&file.examples).into_iter().map(|(t, _)| t).collect();
    assert_eq!(types.len(), 6);

    let splits = split_stratified(file.examples, ner_stratum, Fractions::DEFAULT, 42);
    assert_eq!(splits.train.len() + splits.dev.len() + splits.test.len(), 3394);
    assert!(unseen_entity_types(&splits.train, &splits.dev).is_empty());
}

#[test]
fn wnut17_dev_and_test_load() {
    for (name, sentences) in [("wnut17/dev.conll", 1009), ("wnut17/test.conll", 1287)] {
        let path = format!("{}/../shared/data/{name}", env!("CARGO_MANIFEST_DIR"));
        let parsed = parse_ner(&read(&path), name);
        assert!(!parsed.has_errors(), "{name}: {:#?}", parsed.diagnostics);
        assert_eq!(parsed.value.examples.len(), sentences, "{name}");
    }
}

#[test]
fn sst2_dev_loads() {
    let parsed = parse_classification(
        &read(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/sst2/dev.tsv")),
        "dev.tsv",
        &TableOptions::default(),
    );
    clean(&parsed.diagnostics);
    assert_eq!(parsed.value.len(), 6735);
    assert_eq!(parsed.value[0].text, "the expressive power of the camera");
    assert_eq!(parsed.value[0].line, 2);
    assert_eq!(parsed.value[6734].line, 6736);
    let labels: BTreeSet<&str> = parsed.value.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(labels, BTreeSet::from(["0", "1"]));
}
