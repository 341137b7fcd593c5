//! 50 MB inputs: parsing must stay linear (these would take minutes if it were quadratic).

use tunelab::core::data::{parse_classification, parse_ner, TableOptions};

const TARGET_BYTES: usize = 50 * 1024 * 1024;

#[test]
fn fifty_megabytes_of_conll() {
    let sentence =
        "EU\tB-ORG\nrejects\tO\nGerman\tB-MISC\ncall\tO\nto\tO\nboycott\tO\nBritish\tB-MISC\nlamb\tO\n.\tO\n\n";
    let copies = TARGET_BYTES / sentence.len() + 1;
    let text = sentence.repeat(copies);
    let parsed = parse_ner(text.as_bytes(), "big.conll");
    assert!(parsed.diagnostics.is_empty());
    assert_eq!(parsed.value.examples.len(), copies);
    assert_eq!(parsed.value.examples[copies - 1].line, (copies - 1) * 10 + 1);
}

#[test]
fn fifty_megabytes_of_csv() {
    let row = "\"a film that, for all its flaws, is worth seeing\",1\nflat and dull,0\n";
    let copies = TARGET_BYTES / row.len() + 1;
    let text = format!("text,label\n{}", row.repeat(copies));
    let parsed = parse_classification(text.as_bytes(), "big.csv", &TableOptions::default());
    assert!(parsed.diagnostics.is_empty());
    assert_eq!(parsed.value.len(), copies * 2);
    assert_eq!(parsed.value[copies * 2 - 1].line, copies * 2 + 1);
}
