use tunelab::core::data::{detect_format, parse_classification, parse_ner, Format, Severity, TableOptions};

use super::expect;

#[test]
fn extension_decides() {
    assert_eq!(detect_format("train.CSV", b"{}"), Format::Csv);
    assert_eq!(detect_format("dir.v2/dev.tsv", b""), Format::Tsv);
    assert_eq!(detect_format("a.jsonl", b"x,y"), Format::Jsonl);
    assert_eq!(detect_format("a.json", b""), Format::Jsonl);
    for name in ["eng.conll", "x.iob", "x.bio"] {
        assert_eq!(detect_format(name, b"text,label\n"), Format::Conll);
    }
}

#[test]
fn content_decides_for_txt_and_pasted_text() {
    assert_eq!(detect_format("eng.train.txt", b"-DOCSTART- -X- O O\n\nEU NNP I-NP I-ORG\n"), Format::Conll);
    assert_eq!(detect_format("notes.txt", b"sentence\tlabel\nhi\t1\n"), Format::Tsv);
    assert_eq!(detect_format("", b"\xEF\xBB\xBF{\"text\": \"a\"}\n"), Format::Jsonl);
    assert_eq!(detect_format("", b"Text;Label\na;b\n"), Format::Csv);
    assert_eq!(detect_format("", b"\n\nJohn\tB-PER\n"), Format::Conll);
    assert_eq!(detect_format("paste", b"foo,bar\n1,2\n"), Format::Csv);
    assert_eq!(detect_format("", b"a\tb\n"), Format::Tsv);
    assert_eq!(detect_format("", b""), Format::Csv);
}

#[test]
fn each_task_refuses_the_other_tasks_layout() {
    let cls = parse_classification(b"John B-PER\n", "train.conll", &TableOptions::default());
    expect(&cls.diagnostics, Severity::Error, 0, "CoNLL");
    let ner = parse_ner(b"text,label\na,b\n", "train.csv");
    expect(&ner.diagnostics, Severity::Error, 0, "table");
}

#[test]
fn entry_points_dispatch_by_format() {
    let options = TableOptions::default();
    assert_eq!(parse_classification(b"text\tlabel\na\tb\n", "x.tsv", &options).value.len(), 1);
    assert_eq!(parse_classification(b"{\"text\":\"a\",\"label\":\"b\"}\n", "x.jsonl", &options).value.len(), 1);
    assert_eq!(parse_ner(b"a O\n\nb B-X\n", "x.conll").value.examples.len(), 2);
}

#[test]
fn nothing_usable_is_an_error() {
    let ner = parse_ner(b"-DOCSTART- -X- O O\n\n", "x.conll");
    expect(&ner.diagnostics, Severity::Error, 0, "no sentences");
}
