use tunelab::core::data::{parse_ner, parse_span_jsonl, split_words, Atom, NerExample, Severity, TagScheme};

use super::{clean, error_lines, expect};

fn pairs(example: &NerExample) -> Vec<(&str, &str)> {
    example.tokens.iter().map(Atom::as_str).zip(example.tags.iter().map(Atom::as_str)).collect()
}

fn one(line: &str) -> tunelab::core::data::Parsed<tunelab::core::data::NerFile> {
    parse_span_jsonl(line.as_bytes())
}

#[test]
fn words_are_runs_of_letters_and_digits() {
    let words = split_words("Don't stop, 2024!");
    let texts: Vec<_> = words.iter().map(|w| w.text).collect();
    assert_eq!(texts, ["Don", "'", "t", "stop", ",", "2024", "!"]);
    assert_eq!((words[3].start, words[3].end), (6, 10));
}

#[test]
fn graphemes_are_never_split() {
    let family = "👨\u{200d}👩\u{200d}👧";
    let text = format!("we {family}👍🏽 cafe\u{301}s 東京です");
    let texts: Vec<_> = split_words(&text).into_iter().map(|w| w.text.to_string()).collect();
    assert_eq!(texts, ["we", family, "👍🏽", "cafe\u{301}s", "東", "京", "で", "す"]);
}

#[test]
fn ascii_spans_become_iob2_tags() {
    let parsed = one(r#"{"text": "John Smith lives in New York.", "entities": [[0, 10, "PER"], [20, 28, "LOC"]]}"#);
    clean(&parsed.diagnostics);
    assert_eq!(parsed.value.scheme, TagScheme::Iob2);
    assert_eq!(
        pairs(&parsed.value.examples[0]),
        [
            ("John", "B-PER"),
            ("Smith", "I-PER"),
            ("lives", "O"),
            ("in", "O"),
            ("New", "B-LOC"),
            ("York", "I-LOC"),
            (".", "O")
        ]
    );
}

#[test]
fn emoji_offsets_count_code_points() {
    // "I ❤️ Paris 🇫🇷 !" : ❤️ is 2 code points (heart + VS16), the flag 2 regional indicators.
    let parsed = one(r#"{"text": "I ❤️ Paris 🇫🇷 and 👍🏽 Bob", "entities": [[5, 10, "LOC"], [21, 24, "PER"]]}"#);
    clean(&parsed.diagnostics);
    assert_eq!(
        pairs(&parsed.value.examples[0]),
        [("I", "O"), ("❤️", "O"), ("Paris", "B-LOC"), ("🇫🇷", "O"), ("and", "O"), ("👍🏽", "O"), ("Bob", "B-PER")]
    );
}

#[test]
fn cjk_offsets_count_code_points() {
    let parsed = one(r#"{"text": "我在北京工作。𠮷野家", "entities": [[2, 4, "LOC"], [7, 10, "ORG"]]}"#);
    clean(&parsed.diagnostics);
    assert_eq!(
        pairs(&parsed.value.examples[0]),
        [
            ("我", "O"),
            ("在", "O"),
            ("北", "B-LOC"),
            ("京", "I-LOC"),
            ("工", "O"),
            ("作", "O"),
            ("。", "O"),
            ("𠮷", "B-ORG"),
            ("野", "I-ORG"),
            ("家", "I-ORG")
        ]
    );
}

#[test]
fn object_entities_and_doccano_label_key() {
    let parsed = parse_span_jsonl(
        "{\"text\": \"Ann went\", \"label\": [[0, 3, \"PER\"]]}\n{\"text\": \"Bo ran\", \"entities\": [{\"start\": 0, \"end\": 2, \"label\": \"PER\"}]}\n".as_bytes(),
    );
    clean(&parsed.diagnostics);
    assert_eq!(parsed.value.examples[0].tags, ["B-PER", "O"]);
    assert_eq!(parsed.value.examples[1].tags, ["B-PER", "O"]);
}

#[test]
fn span_out_of_range_and_reversed() {
    let text = "{\"text\": \"Ann\", \"entities\": [[0, 3, \"PER\"]]}\n\
                {\"text\": \"Ann 👍\", \"entities\": [[0, 6, \"PER\"]]}\n\
                {\"text\": \"Ann\", \"entities\": [[2, 2, \"PER\"], [-1, 2, \"PER\"], [0, 3, \"\"]]}\n";
    let parsed = parse_span_jsonl(text.as_bytes());
    assert_eq!(error_lines(&parsed.diagnostics), vec![2, 3, 3, 3]);
    expect(&parsed.diagnostics, Severity::Error, 2, "out of range: the text has 5 characters");
    expect(&parsed.diagnostics, Severity::Error, 3, "start must be less than end");
    expect(&parsed.diagnostics, Severity::Error, 3, "whole numbers");
    expect(&parsed.diagnostics, Severity::Error, 3, "non-empty string");
    assert_eq!(parsed.value.examples.len(), 3);
    assert_eq!(parsed.value.examples[1].tags, ["O", "O"]);
}

#[test]
fn span_splitting_a_grapheme_is_an_error() {
    // "👍🏽" is thumbs-up + skin tone: two code points, one character; "é" here is e + U+0301.
    let text = "{\"text\": \"ok 👍🏽 now\", \"entities\": [[3, 4, \"EMO\"]]}\n\
                {\"text\": \"cafe\\u0301 bar\", \"entities\": [[0, 4, \"X\"], [6, 9, \"Y\"]]}\n";
    let parsed = parse_span_jsonl(text.as_bytes());
    expect(&parsed.diagnostics, Severity::Error, 1, "splits a character");
    expect(&parsed.diagnostics, Severity::Error, 2, "splits a character");
    assert_eq!(error_lines(&parsed.diagnostics), vec![1, 2]);
    assert_eq!(parsed.value.examples[1].tags, ["O", "B-Y"]);
}

#[test]
fn span_inside_a_word_tags_the_whole_word_with_a_warning() {
    let parsed = one(r#"{"text": "the Parisian way", "entities": [[4, 9, "LOC"]]}"#);
    expect(&parsed.diagnostics, Severity::Warning, 1, "inside the word \"Parisian\"");
    assert!(!parsed.has_errors());
    assert_eq!(parsed.value.examples[0].tags, ["O", "B-LOC", "O"]);
}

#[test]
fn overlapping_entities_keep_the_first() {
    let text = "{\"text\": \"New York City\", \"entities\": [[0, 8, \"LOC\"], [4, 13, \"LOC\"]]}\n\
                {\"text\": \"NewYork x\", \"entities\": [[0, 3, \"A\"], [3, 7, \"B\"]]}\n";
    let parsed = parse_span_jsonl(text.as_bytes());
    expect(&parsed.diagnostics, Severity::Error, 1, "overlaps entity [0,8,\"LOC\"]");
    expect(&parsed.diagnostics, Severity::Error, 2, "shares the word \"NewYork\"");
    assert_eq!(parsed.value.examples[0].tags, ["B-LOC", "I-LOC", "O"]);
    assert_eq!(parsed.value.examples[1].tags, ["B-A", "O"]);
}

#[test]
fn missing_text_or_entities() {
    let text = "{\"entities\": []}\n{\"text\": \"Hi there\"}\n{\"text\": \"  \", \"entities\": []}\n";
    let parsed = parse_span_jsonl(text.as_bytes());
    expect(&parsed.diagnostics, Severity::Error, 1, "no \"text\"");
    expect(&parsed.diagnostics, Severity::Warning, 2, "no \"entities\"");
    expect(&parsed.diagnostics, Severity::Error, 3, "no words");
    assert_eq!(parsed.value.examples.len(), 1);
}

#[test]
fn parse_ner_picks_spans_or_tokens_from_the_first_object() {
    let spans = parse_ner(r#"{"text": "Ann", "entities": [[0, 3, "PER"]]}"#.as_bytes(), "a.jsonl");
    assert_eq!(spans.value.examples[0].tags, ["B-PER"]);
    let tokens = parse_ner(b"\n{\"tokens\": [\"Ann\"], \"tags\": [\"B-PER\"]}\n", "");
    assert_eq!(tokens.value.examples[0].tags, ["B-PER"]);
}
