use tunelab::core::data::{
    parse_classification, parse_cls_jsonl, parse_ner, parse_ner_jsonl, Severity, TableOptions, TagScheme,
};

use super::{clean, error_lines, expect};

#[test]
fn classification_jsonl_with_string_and_number_labels() {
    let text = "{\"text\": \"great film\", \"label\": \"pos\"}\n\n{\"text\": \"dull\", \"label\": 0}\r\n{\"sentence\": \"ok\", \"label\": 1.5}\n";
    let parsed = parse_cls_jsonl(text.as_bytes());
    clean(&parsed.diagnostics);
    let got: Vec<_> = parsed.value.iter().map(|e| (e.text.as_str(), e.label.as_str(), e.line)).collect();
    assert_eq!(got, vec![("great film", "pos", 1), ("dull", "0", 3), ("ok", "1.5", 4)]);
}

#[test]
fn classification_jsonl_bad_lines_are_reported() {
    let text = "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\", \"label\": }\n{\"text\": \"c\"}\n{\"label\": \"x\"}\n\
                {\"text\": 5, \"label\": \"x\"}\n[1, 2]\n{\"text\": \"d\", \"label\": null}\n{\"text\": \"\", \"label\": \"x\"}\n{\"text\": \"e\", \"label\": \"y\"}\n";
    let parsed = parse_cls_jsonl(text.as_bytes());
    assert_eq!(error_lines(&parsed.diagnostics), vec![2, 3, 4, 5, 6, 7, 8]);
    expect(&parsed.diagnostics, Severity::Error, 2, "invalid JSON at column");
    expect(&parsed.diagnostics, Severity::Error, 3, "no \"label\"");
    expect(&parsed.diagnostics, Severity::Error, 4, "no \"text\"");
    expect(&parsed.diagnostics, Severity::Error, 5, "must be a string");
    expect(&parsed.diagnostics, Severity::Error, 6, "expected a JSON object");
    expect(&parsed.diagnostics, Severity::Error, 7, "found null");
    expect(&parsed.diagnostics, Severity::Error, 8, "is empty");
    assert_eq!(parsed.value.iter().map(|e| e.line).collect::<Vec<_>>(), vec![1, 9]);
}

#[test]
fn a_json_array_file_is_explained_once() {
    let text = b"\n[\n  {\"text\": \"a\", \"label\": 1},\n  {\"text\": \"b\", \"label\": 0}\n]\n";
    let parsed = parse_classification(text, "data.json", &TableOptions::default());
    assert_eq!(error_lines(&parsed.diagnostics), vec![2]);
    expect(&parsed.diagnostics, Severity::Error, 2, "JSON array");
}

#[test]
fn ner_jsonl_tokens_and_tags() {
    let text =
        "{\"tokens\": [\"John\", \"lives\", \"in\", \"Paris\"], \"tags\": [\"B-PER\", \"O\", \"O\", \"B-LOC\"]}\n\
                {\"tokens\": [\"Hi\"], \"ner_tags\": [\"O\"]}\n";
    let parsed = parse_ner_jsonl(text.as_bytes());
    clean(&parsed.diagnostics);
    assert_eq!(parsed.value.scheme, TagScheme::Iob2);
    assert_eq!(parsed.value.examples.len(), 2);
    assert_eq!(parsed.value.examples[0].tags, ["B-PER", "O", "O", "B-LOC"]);
    assert_eq!(parsed.value.examples[1].line, 2);
}

#[test]
fn ner_jsonl_bioes_is_normalised() {
    let text = "{\"tokens\": [\"New\", \"York\", \"Bob\"], \"tags\": [\"B-LOC\", \"E-LOC\", \"S-PER\"]}\n";
    let parsed = parse_ner(text.as_bytes(), "train.jsonl");
    assert_eq!(parsed.value.scheme, TagScheme::Bioes);
    assert_eq!(parsed.value.examples[0].tags, ["B-LOC", "I-LOC", "B-PER"]);
}

#[test]
fn ner_jsonl_length_mismatch_and_other_problems() {
    let text = "{\"tokens\": [\"a\", \"b\"], \"tags\": [\"O\"]}\n\
                {\"tokens\": [\"a\"], \"ner_tags\": [3]}\n\
                {\"tokens\": [\"a\"]}\n\
                {\"tokens\": [], \"tags\": []}\n\
                {\"tokens\": [\"a\", \"b\"], \"tags\": [\"O\", \"Q-LOC\"]}\n\
                {\"tokens\": [\"ok\"], \"tags\": [\"B-X\"]}\n";
    let parsed = parse_ner_jsonl(text.as_bytes());
    assert_eq!(error_lines(&parsed.diagnostics), vec![1, 2, 3, 4, 5]);
    expect(&parsed.diagnostics, Severity::Error, 1, "2 tokens but 1 tags");
    expect(&parsed.diagnostics, Severity::Error, 2, "holds numbers");
    expect(&parsed.diagnostics, Severity::Error, 3, "no \"tags\"");
    expect(&parsed.diagnostics, Severity::Error, 4, "no tokens");
    expect(&parsed.diagnostics, Severity::Error, 5, "\"Q-LOC\"");
    let examples = &parsed.value.examples;
    assert_eq!(examples.iter().map(|e| e.line).collect::<Vec<_>>(), vec![5, 6]);
    assert_eq!(examples[0].tags, ["O", "O"]);
}
