//! Files that are not what they claim: a binary renamed `.csv`, a Latin-1 file, a training set
//! of one label, control characters in what a message quotes. Each gets one clear message.

use tunelab::core::data::{
    load_dataset, parse_classification, parse_conll, DataSource, DatasetOptions, Refused, Severity, TableOptions,
};
use tunelab::core::model::Task;

use super::expect;

#[test]
fn a_binary_file_is_not_a_text_file_said_once() {
    let mut bytes = b"text,label\n".to_vec();
    bytes.extend((0..3000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let parsed = parse_classification(&bytes, "photo.csv", &TableOptions::default());
    assert!(parsed.value.is_empty());
    assert_eq!(parsed.diagnostics.len(), 1, "{:?}", parsed.diagnostics);
    expect(&parsed.diagnostics, Severity::Error, 0, "this is not a text file");
    let error = load_dataset(
        Task::Cls,
        DataSource { name: "photo.csv", bytes: &bytes },
        None,
        None,
        &DatasetOptions::default(),
    )
    .expect_err("nothing to train on");
    assert_eq!(error.reason, Refused::NoExamples);
    assert!(error.to_string().contains("photo.csv: no usable examples (error: this is not a text file"), "{error}");
}

#[test]
fn a_windows_1252_file_is_read_as_such_with_one_warning() {
    let bytes = b"text,label\ncaf\xe9 au lait,pos\nna\xefve \x93quotes\x94,neg\ngood,pos\nbad,neg\n";
    let parsed = parse_classification(bytes, "latin1.csv", &TableOptions::default());
    assert_eq!(parsed.diagnostics.len(), 1, "{:?}", parsed.diagnostics);
    expect(&parsed.diagnostics, Severity::Warning, 2, "Windows-1252");
    let texts: Vec<&str> = parsed.value.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(texts, ["café au lait", "naïve “quotes”", "good", "bad"]);
}

#[test]
fn bytes_windows_1252_leaves_undefined_stay_errors_by_line() {
    // 0x81 is not a Windows-1252 character: the lines are skipped, each named.
    let parsed = parse_conll(b"a\x81 O\nb O\n\nc\x81 O\n");
    assert_eq!(super::error_lines(&parsed.diagnostics), vec![1, 4]);
}

#[test]
fn a_training_set_of_one_label_is_refused() {
    let bytes = b"text,label\nhello there,pos\ngood day,pos\nnice one,pos\nfine,pos\n";
    let error = load_dataset(Task::Cls, DataSource { name: "one.csv", bytes }, None, None, &DatasetOptions::default())
        .expect_err("one label");
    assert_eq!(error.reason, Refused::OneLabel("pos".into()));
    assert!(error.to_string().starts_with("one.csv: every training example has the label `pos`"), "{error}");
    let two = b"text,label\nhello there,pos\ngood day,neg\n";
    assert!(load_dataset(
        Task::Cls,
        DataSource { name: "two.csv", bytes: two },
        None,
        None,
        &DatasetOptions::default()
    )
    .is_ok());
}

#[test]
fn control_characters_in_messages_are_escaped() {
    // A C1 control (CSI, which some terminals act on like ESC [) in a header a message quotes.
    let parsed = parse_classification(
        "mood\u{9b}31m,label\nfine day,pos\nbad day,neg\n".as_bytes(),
        "csi.csv",
        &TableOptions::default(),
    );
    let quoting: Vec<&str> =
        parsed.diagnostics.iter().map(|d| d.message.as_str()).filter(|m| m.contains("mood")).collect();
    assert!(!quoting.is_empty(), "a message quotes the header: {:?}", parsed.diagnostics);
    assert!(quoting.iter().all(|m| !m.contains('\u{9b}') && m.contains("\\u{9b}")), "{quoting:?}");
    // ESC and other C0 controls near the start make the bytes not text at all.
    let parsed = parse_classification(b"a\x1b[31mred,b\nx,y\n", "esc.csv", &TableOptions::default());
    expect(&parsed.diagnostics, Severity::Error, 0, "this is not a text file");
}
