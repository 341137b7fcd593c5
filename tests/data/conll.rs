use tunelab::core::data::{parse_conll, parse_ner, Atom, NerExample, Severity, TagScheme};

use super::{clean, error_lines, expect};

fn tags(example: &NerExample) -> Vec<&str> {
    example.tags.iter().map(Atom::as_str).collect()
}

/// The opening of CoNLL-2003's eng.train, as distributed: four space-separated columns, IOB1
/// (`B-` only where an entity directly follows one of the same type).
const CONLL2003_IOB1: &str = "\
-DOCSTART- -X- O O

EU NNP I-NP I-ORG
rejects VBZ I-VP O
German JJ I-NP I-MISC
call NN I-NP O
to TO I-VP O
boycott VB I-VP O
British JJ I-NP I-MISC
lamb NN I-NP O
. . O O

Peter NNP I-NP I-PER
Blackburn NNP I-NP I-PER

In IN I-PP O
Paris NNP I-NP I-LOC
Berlin NNP I-NP B-LOC
and CC O O
New NNP I-NP I-LOC
York NNP I-NP I-LOC
";

#[test]
fn conll2003_iob1_four_columns_loads_and_converts() {
    let parsed = parse_conll(CONLL2003_IOB1.as_bytes());
    assert!(!parsed.has_errors(), "{:#?}", parsed.diagnostics);
    assert_eq!(parsed.value.scheme, TagScheme::Iob1);
    expect(&parsed.diagnostics, Severity::Warning, 0, "tags are IOB1; converted to IOB2");
    let examples = &parsed.value.examples;
    assert_eq!(examples.len(), 3);
    assert_eq!(examples.iter().map(|e| e.line).collect::<Vec<_>>(), vec![3, 13, 16]);
    assert_eq!(examples[0].tokens[0], "EU");
    assert_eq!(tags(&examples[0]), ["B-ORG", "O", "B-MISC", "O", "O", "O", "B-MISC", "O", "O"]);
    assert_eq!(tags(&examples[1]), ["B-PER", "I-PER"]);
    assert_eq!(tags(&examples[2]), ["O", "B-LOC", "B-LOC", "O", "B-LOC", "I-LOC"]);
}

#[test]
fn docstart_in_the_middle_ends_a_sentence() {
    let parsed = parse_conll(b"a O\nb B-X\n-DOCSTART- -X- O O\n\nc O\n");
    assert_eq!(parsed.value.examples.len(), 2);
    assert_eq!(parsed.value.examples[1].line, 5);
}

#[test]
fn iob2_tab_separated_is_left_as_is() {
    let text = "Empire\tB-location\nState\tI-location\n=\tO\n\t\nESB\tB-location\n";
    let parsed = parse_conll(text.as_bytes());
    clean(&parsed.diagnostics);
    assert_eq!(parsed.value.scheme, TagScheme::Iob2);
    assert_eq!(parsed.value.examples.len(), 2);
    assert_eq!(tags(&parsed.value.examples[0]), ["B-location", "I-location", "O"]);
    assert_eq!(parsed.value.examples[1].line, 5);
}

#[test]
fn tab_separated_tokens_may_hold_spaces() {
    let parsed = parse_conll("New York\tB-LOC\n".as_bytes());
    assert_eq!(parsed.value.examples[0].tokens, ["New York"]);
}

#[test]
fn bioes_is_converted() {
    let parsed = parse_conll(b"John S-PER\nlives O\nin O\nNew B-LOC\nYork I-LOC\nCity E-LOC\n");
    assert_eq!(parsed.value.scheme, TagScheme::Bioes);
    expect(&parsed.diagnostics, Severity::Warning, 0, "BIOES; converted to IOB2");
    assert!(!parsed.has_errors());
    assert_eq!(tags(&parsed.value.examples[0]), ["B-PER", "O", "O", "B-LOC", "I-LOC", "I-LOC"]);
}

#[test]
fn bilou_is_converted() {
    let parsed = parse_conll(b"John U-PER\nSmith U-PER\nin O\nNew B-LOC\nYork L-LOC\n");
    assert_eq!(parsed.value.scheme, TagScheme::Bilou);
    expect(&parsed.diagnostics, Severity::Warning, 0, "BILOU; converted to IOB2");
    assert_eq!(tags(&parsed.value.examples[0]), ["B-PER", "B-PER", "O", "B-LOC", "I-LOC"]);
}

#[test]
fn bare_tags_are_read_as_io() {
    let parsed = parse_conll(b"John PER\nSmith PER\nin O\nParis LOC\n");
    assert_eq!(parsed.value.scheme, TagScheme::Io);
    expect(&parsed.diagnostics, Severity::Warning, 0, "IO scheme");
    assert_eq!(tags(&parsed.value.examples[0]), ["B-PER", "I-PER", "O", "B-LOC"]);
}

#[test]
fn a_bare_tag_among_prefixed_ones_is_warned_about() {
    let parsed = parse_conll(b"John B-PER\nin O\nParis LOC\n");
    assert_eq!(parsed.value.scheme, TagScheme::Iob2);
    expect(&parsed.diagnostics, Severity::Warning, 3, "read as I-LOC");
    assert_eq!(tags(&parsed.value.examples[0]), ["B-PER", "O", "B-LOC"]);
}

#[test]
fn unknown_prefix_is_an_error_and_read_as_o() {
    let parsed = parse_conll(b"John B-PER\nSmith X-PER\n\nParis B-\n");
    assert_eq!(error_lines(&parsed.diagnostics), vec![2, 4]);
    expect(&parsed.diagnostics, Severity::Error, 2, "\"X-PER\"");
    assert_eq!(tags(&parsed.value.examples[0]), ["B-PER", "O"]);
    assert_eq!(tags(&parsed.value.examples[1]), ["O"]);
}

#[test]
fn one_column_line_is_an_error() {
    let parsed = parse_conll(b"John B-PER\nlonely\nSmith I-PER\n");
    assert_eq!(error_lines(&parsed.diagnostics), vec![2]);
    expect(&parsed.diagnostics, Severity::Error, 2, "only one column");
    assert_eq!(parsed.value.examples[0].tokens, ["John", "Smith"]);
}

#[test]
fn stray_inside_tag_in_iob2_becomes_begin_with_a_warning() {
    let parsed = parse_conll(b"a B-PER\nb O\nc I-LOC\nd I-LOC\n");
    assert_eq!(parsed.value.scheme, TagScheme::Iob2);
    expect(&parsed.diagnostics, Severity::Warning, 3, "I-LOC starts an entity");
    assert_eq!(tags(&parsed.value.examples[0]), ["B-PER", "O", "B-LOC", "I-LOC"]);
}

#[test]
fn crlf_bom_and_non_utf8_lines() {
    // The last line is UTF-8 beyond ASCII, so the file is UTF-8 with one broken line.
    let parsed = parse_conll(b"\xEF\xBB\xBFa\tB-X\r\nb\xC3\tO\r\nc\tI-X\r\n\r\nd\xC3\xA9\tO\r\n");
    expect(&parsed.diagnostics, Severity::Error, 2, "byte 2 of this line is not UTF-8");
    assert_eq!(error_lines(&parsed.diagnostics), vec![2]);
    let examples = &parsed.value.examples;
    assert_eq!(examples.len(), 2);
    assert_eq!(examples[0].tokens, ["a", "c"]);
    assert_eq!(examples[1].line, 5);
}

#[test]
fn non_utf8_on_the_first_line_counts_the_bom() {
    // "é" on the last line makes the file UTF-8 with one broken line, not Windows-1252.
    let parsed = parse_conll(b"\xEF\xBB\xBFa\xFF B-X\nb O\nc\xC3\xA9 O\n");
    expect(&parsed.diagnostics, Severity::Error, 1, "byte 5 of this line");
    assert_eq!(parsed.value.examples[0].tokens, ["b", "cé"]);
}

#[test]
fn empty_file_is_an_error_at_line_one() {
    for input in [&b""[..], b"\n\n \t\n"] {
        let parsed = parse_conll(input);
        assert!(parsed.value.examples.is_empty());
        expect(&parsed.diagnostics, Severity::Error, 1, "file is empty");
    }
    let parsed = parse_ner(b"", "train.conll");
    expect(&parsed.diagnostics, Severity::Error, 1, "file is empty");
}
