//! CLUENER's JSON: character offsets with `end` inclusive, one object per line or a
//! pretty-printed stream, with the span format's checks. The file here is written for the test.

use tunelab::core::data::{parse_cluener, parse_ner, Atom, NerExample, Severity};

use super::{clean, expect};

const LINES: &str = concat!(
    r#"{"text": "李明在北京大学读书。", "label": {"name": {"李明": [[0, 1]]}, "organization": {"北京大学": [[3, 6]]}}}"#,
    "\n",
    r#"{"text": "上海的张伟昨天去了腾讯。", "label": {"address": {"上海": [[0, 1]]}, "name": {"张伟": [[3, 4]]}, "company": {"腾讯": [[9, 10]]}}}"#,
    "\n",
    r#"{"text": "王芳住在杭州。", "label": {}}"#,
    "\n",
);

fn tagged(example: &NerExample) -> Vec<(&str, &str)> {
    example.tokens.iter().map(Atom::as_str).zip(example.tags.iter().map(Atom::as_str)).collect()
}

#[test]
fn each_character_is_a_word_and_end_is_inclusive() {
    let parsed = parse_cluener(LINES.as_bytes());
    clean(&parsed.diagnostics);
    let examples = &parsed.value.examples;
    assert_eq!(examples.len(), 3);
    assert_eq!(
        tagged(&examples[0]),
        [
            ("李", "B-name"),
            ("明", "I-name"),
            ("在", "O"),
            ("北", "B-organization"),
            ("京", "I-organization"),
            ("大", "I-organization"),
            ("学", "I-organization"),
            ("读", "O"),
            ("书", "O"),
            ("。", "O"),
        ]
    );
    let second: Vec<&str> = examples[1].tags.iter().map(Atom::as_str).collect();
    assert_eq!(
        second,
        ["B-address", "I-address", "O", "B-name", "I-name", "O", "O", "O", "O", "B-company", "I-company", "O"]
    );
    assert!(examples[2].tags.iter().all(|t| t == "O"));
    assert_eq!(examples.iter().map(|e| e.line).collect::<Vec<_>>(), [1, 2, 3]);
}

#[test]
fn a_pretty_printed_stream_reads_the_same_with_each_objects_first_line() {
    let lines = parse_cluener(LINES.as_bytes()).value.examples;
    let pretty: String = LINES
        .lines()
        .map(|l| {
            serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(l).expect("json")).expect("pretty")
        })
        .collect::<Vec<_>>()
        .join("\n");
    let parsed = parse_cluener(pretty.as_bytes());
    clean(&parsed.diagnostics);
    let examples = &parsed.value.examples;
    assert_eq!(
        examples.iter().map(|e| (&e.tokens, &e.tags)).collect::<Vec<_>>(),
        lines.iter().map(|e| (&e.tokens, &e.tags)).collect::<Vec<_>>()
    );
    let starts: Vec<usize> = pretty.lines().enumerate().filter(|(_, l)| *l == "{").map(|(i, _)| i + 1).collect();
    assert_eq!(examples.iter().map(|e| e.line).collect::<Vec<_>>(), starts);
}

#[test]
fn the_ner_entry_point_tells_cluener_from_span_jsonl() {
    let parsed = parse_ner(LINES.as_bytes(), "cluener-dev.json");
    clean(&parsed.diagnostics);
    assert_eq!(parsed.value.examples.len(), 3);
    assert_eq!(parsed.value.examples[0].tags[0], "B-name");
}

#[test]
fn mismatched_overlapping_and_out_of_range_entities_are_reported_by_line() {
    let file = concat!(
        r#"{"text": "李明在北京大学读书。", "label": {"name": {"李华": [[0, 1]]}}}"#,
        "\n",
        r#"{"text": "李明在北京大学读书。", "label": {"name": {"李明": [[0, 1]]}, "organization": {"明在北": [[1, 3]]}}}"#,
        "\n",
        r#"{"text": "王芳住在杭州。", "label": {"address": {"杭州": [[4, 9]]}}}"#,
        "\n",
        r#"{"text": "王芳住在杭州。", "label": {"address": {"杭州": [[5, 4]]}}}"#,
        "\n",
        r#"{"text": "王芳住在杭州。", "label": ["not", "cluener"]}"#,
        "\n",
    );
    let parsed = parse_cluener(file.as_bytes());
    let d = &parsed.diagnostics;
    expect(d, Severity::Warning, 1, "covers \"李明\"");
    assert_eq!(parsed.value.examples[0].tags[..2], ["B-name", "I-name"], "the span is used");
    expect(d, Severity::Error, 2, "overlaps");
    expect(d, Severity::Error, 3, "out of range");
    expect(d, Severity::Error, 4, "start must be less than end");
    expect(d, Severity::Error, 5, "\"label\" must be");
    assert_eq!(parsed.value.examples.len(), 4, "every object with a text is kept but the malformed one");
}

#[test]
fn broken_json_stops_with_its_line() {
    let file = format!("{}{{\"text\": \"王芳\", \"label\": {{\n", LINES);
    let parsed = parse_cluener(file.as_bytes());
    assert_eq!(parsed.value.examples.len(), 3);
    expect(&parsed.diagnostics, Severity::Error, 4, "invalid JSON");
}

/// Chinese text is told apart from English, and the default model's English vocabulary reads
/// part of it as `[UNK]`: the reason the page suggests a Chinese model.
#[test]
fn chinese_data_is_mostly_cjk_and_partly_unknown_to_the_default_model() {
    use tunelab::core::data::{cjk_share, parse_conll, Examples, MOSTLY_CJK};
    use tunelab::core::tokenize::TextTokenizer;

    let chinese = Examples::Ner(parse_cluener(LINES.as_bytes()).value.examples);
    assert!(cjk_share(&chinese) > 0.99, "{}", cjk_share(&chinese));
    let wnut = std::fs::read(crate::support::shared("data/wnut17/train.conll")).expect("WNUT-17");
    let english = Examples::Ner(parse_conll(&wnut).value.examples);
    assert!(cjk_share(&english) < MOSTLY_CJK / 50.0, "{}", cjk_share(&english));
    let mixed = Examples::Ner(vec![NerExample {
        tokens: vec!["Tunelab".into(), "在".into(), "北京".into()],
        tags: vec!["O".into(); 3],
        line: 1,
    }]);
    assert!((cjk_share(&mixed) - 3.0 / 10.0).abs() < 1e-9, "3 of 10 letters");

    let tokenizer =
        TextTokenizer::from_bytes(&crate::support::model_files().tokenizer_json, 512).expect("the default tokenizer");
    let Examples::Ner(rows) = &chinese else { unreachable!() };
    let (mut unknown, mut total) = (0, 0);
    for row in rows {
        let encoded = tokenizer.encode_words(&row.tokens).expect("encodes");
        let tokens = tokenizer.tokens(&encoded);
        total += tokens.len() - 2;
        unknown += tokens.iter().filter(|t| *t == "[UNK]").count();
    }
    println!("the default model reads {unknown} of {total} word pieces of the CLUENER sample as [UNK]");
    assert!(total >= 29, "one piece per character at least");
}

/// The page's Chinese sample (web/samples/generate.py) reads cleanly: 300 sentences, every
/// entity where its offsets say, all four types.
#[test]
fn the_chinese_sample_reads_without_a_problem() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/samples/entities-zh.json");
    let parsed = parse_ner(&std::fs::read(&path).expect("the sample"), "entities-zh.json");
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics.first());
    let examples = parsed.value.examples;
    assert_eq!(examples.len(), 300);
    let tags: std::collections::BTreeSet<&str> = examples.iter().flat_map(|e| &e.tags).map(Atom::as_str).collect();
    for tag in ["B-name", "I-name", "B-address", "B-company", "B-organization", "I-organization"] {
        assert!(tags.contains(tag), "{tag} missing: {tags:?}");
    }
}
