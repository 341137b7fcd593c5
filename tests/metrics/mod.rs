//! Metrics against golden values computed by scikit-learn and seqeval 1.2
//! (`shared/golden/metrics.json`), plus the edge cases the golden file does not cover.

use std::collections::BTreeMap;
use std::fmt::{Debug, Display};

use serde::Deserialize;
use tunelab::core::metrics::{
    classification_report, classification_report_with_labels, entity_report, extract_entities, ClassificationReport,
    Entity, EntityMode, EntityReport, InvalidTag, LabelScores, MetricsError, Scores, Side,
};

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/golden/metrics.json");
const TOLERANCE: f64 = 1e-9;
const AVERAGE_ROWS: [&str; 3] = ["micro avg", "macro avg", "weighted avg"];

#[derive(Deserialize)]
struct Golden {
    about: String,
    ner: Vec<NerCase>,
    classification: Vec<ClsCase>,
}

#[derive(Deserialize)]
struct NerCase {
    gold: Vec<Vec<String>>,
    pred: Vec<Vec<String>>,
    default: NerExpected,
    strict_iob2: NerExpected,
}

#[derive(Deserialize)]
struct NerExpected {
    precision: Option<f64>,
    recall: Option<f64>,
    f1: f64,
    /// seqeval's `output_dict` report: one row per type plus the three average rows.
    report: BTreeMap<String, SeqevalRow>,
}

#[derive(Deserialize)]
struct SeqevalRow {
    precision: f64,
    recall: f64,
    #[serde(rename = "f1-score")]
    f1: f64,
    support: usize,
}

#[derive(Deserialize)]
struct ClsCase {
    gold: Vec<String>,
    pred: Vec<String>,
    expected: ClsExpected,
}

#[derive(Deserialize)]
struct ClsExpected {
    accuracy: f64,
    labels: Vec<String>,
    confusion_matrix_rows_gold_cols_pred: Vec<Vec<usize>>,
    #[serde(rename = "macro")]
    macro_avg: Averages,
    #[serde(rename = "micro")]
    micro_avg: Averages,
    #[serde(rename = "weighted")]
    weighted_avg: Averages,
    per_label: BTreeMap<String, ClsRow>,
}

#[derive(Deserialize)]
struct Averages {
    precision: f64,
    recall: f64,
    f1: f64,
}

#[derive(Deserialize)]
struct ClsRow {
    precision: f64,
    recall: f64,
    f1: f64,
    support: usize,
}

fn golden() -> Golden {
    let text = std::fs::read_to_string(GOLDEN)
        .unwrap_or_else(|e| panic!("golden file {GOLDEN} is missing or unreadable: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("golden file {GOLDEN} is malformed: {e}"))
}

/// Collects every mismatch, so that one run lists them all.
#[derive(Default)]
struct Check {
    failures: Vec<String>,
    compared: usize,
}

impl Check {
    fn close(&mut self, what: impl Display, actual: f64, expected: f64) {
        self.compared += 1;
        let within = (actual - expected).abs() <= TOLERANCE;
        if !within {
            self.failures.push(format!("{what}: got {actual}, expected {expected}"));
        }
    }

    fn equal<T: PartialEq + Debug>(&mut self, what: impl Display, actual: T, expected: T) {
        self.compared += 1;
        if actual != expected {
            self.failures.push(format!("{what}: got {actual:?}, expected {expected:?}"));
        }
    }

    fn scores(&mut self, what: impl Display, actual: Scores, expected: (f64, f64, f64)) {
        self.close(format_args!("{what} precision"), actual.precision, expected.0);
        self.close(format_args!("{what} recall"), actual.recall, expected.1);
        self.close(format_args!("{what} f1"), actual.f1, expected.2);
    }

    fn row(&mut self, what: impl Display, actual: &LabelScores, expected: (f64, f64, f64, usize)) {
        self.scores(&what, actual.scores(), (expected.0, expected.1, expected.2));
        self.equal(format_args!("{what} support"), actual.support, expected.3);
    }

    fn finish(self) {
        assert!(
            self.failures.is_empty(),
            "{} of {} comparisons failed:\n{}",
            self.failures.len(),
            self.compared,
            self.failures.join("\n")
        );
    }
}

fn check_ner(check: &mut Check, case: usize, mode: EntityMode, input: &NerCase, expected: &NerExpected) {
    let what = format!("ner[{case}] {mode}");
    let report = match entity_report(&input.gold, &input.pred, mode) {
        Ok(report) => report,
        Err(e) => {
            check.failures.push(format!("{what}: unexpected error {e}"));
            return;
        }
    };
    let overall = report.overall();
    check.close(format_args!("{what} overall f1"), overall.f1, expected.f1);
    if let Some(precision) = expected.precision {
        check.close(format_args!("{what} overall precision"), overall.precision, precision);
    }
    if let Some(recall) = expected.recall {
        check.close(format_args!("{what} overall recall"), overall.recall, recall);
    }

    let expected_types: Vec<&str> =
        expected.report.keys().map(String::as_str).filter(|name| !AVERAGE_ROWS.contains(name)).collect();
    let types: Vec<&str> = report.per_type.iter().map(|row| row.label.as_str()).collect();
    check.equal(format_args!("{what} types"), types, expected_types);
    for row in &report.per_type {
        if let Some(e) = expected.report.get(&row.label) {
            check.row(format_args!("{what} {}", row.label), row, (e.precision, e.recall, e.f1, e.support));
        }
    }

    let averages = [report.micro_avg, report.macro_avg, report.weighted_avg];
    for (name, actual) in AVERAGE_ROWS.iter().zip(averages) {
        match expected.report.get(*name) {
            Some(e) => {
                check.scores(format_args!("{what} {name}"), actual, (e.precision, e.recall, e.f1));
                check.equal(format_args!("{what} {name} support"), report.support, e.support);
            }
            None => check.failures.push(format!("{what}: golden report lacks {name:?}")),
        }
    }
}

#[test]
fn entity_reports_match_seqeval_on_every_golden_case() {
    let golden = golden();
    assert!(golden.about.contains("seqeval"), "unexpected golden file: {}", golden.about);
    assert!(!golden.ner.is_empty(), "golden file has no NER cases");
    let mut check = Check::default();
    for (i, case) in golden.ner.iter().enumerate() {
        check_ner(&mut check, i, EntityMode::Default, case, &case.default);
        check_ner(&mut check, i, EntityMode::StrictIob2, case, &case.strict_iob2);
    }
    check.finish();
}

#[test]
fn classification_reports_match_sklearn_on_every_golden_case() {
    let golden = golden();
    assert!(!golden.classification.is_empty(), "golden file has no classification cases");
    let mut check = Check::default();
    for (i, case) in golden.classification.iter().enumerate() {
        let what = format!("classification[{i}]");
        let expected = &case.expected;
        let report = match classification_report(&case.gold, &case.pred) {
            Ok(report) => report,
            Err(e) => {
                check.failures.push(format!("{what}: unexpected error {e}"));
                continue;
            }
        };
        check.close(format_args!("{what} accuracy"), report.accuracy, expected.accuracy);
        check.equal(format_args!("{what} labels"), &report.labels, &expected.labels);
        check.equal(
            format_args!("{what} confusion"),
            &report.confusion,
            &expected.confusion_matrix_rows_gold_cols_pred,
        );
        let labels: Vec<&String> = report.per_label.iter().map(|row| &row.label).collect();
        check.equal(format_args!("{what} per-label labels"), labels, expected.per_label.keys().collect());
        for row in &report.per_label {
            if let Some(e) = expected.per_label.get(&row.label) {
                check.row(format_args!("{what} {}", row.label), row, (e.precision, e.recall, e.f1, e.support));
            }
        }
        for (name, actual, e) in [
            ("micro", report.micro_avg, &expected.micro_avg),
            ("macro", report.macro_avg, &expected.macro_avg),
            ("weighted", report.weighted_avg, &expected.weighted_avg),
        ] {
            check.scores(format_args!("{what} {name}"), actual, (e.precision, e.recall, e.f1));
        }
        let support: usize = expected.per_label.values().map(|row| row.support).sum();
        check.equal(format_args!("{what} support"), report.support, support);
    }
    check.finish();
}

fn tags(sentences: &[&[&str]]) -> Vec<Vec<String>> {
    sentences.iter().map(|s| s.iter().map(|t| (*t).to_owned()).collect()).collect()
}

fn entity(kind: &str, sentence: usize, start: usize, end: usize) -> Entity {
    Entity { kind: kind.to_owned(), sentence, start, end }
}

fn assert_all_zero(report: &EntityReport) {
    assert!(report.per_type.is_empty());
    assert_eq!(report.support, 0);
    for scores in [report.micro_avg, report.macro_avg, report.weighted_avg] {
        assert_eq!(scores, Scores::default());
    }
}

#[test]
fn empty_inputs_give_zero_reports() {
    let none: Vec<Vec<String>> = Vec::new();
    for mode in [EntityMode::Default, EntityMode::StrictIob2] {
        assert_all_zero(&entity_report(&none, &none, mode).expect("no sentences"));
        let blank = tags(&[&[], &["O", "O"]]);
        assert_all_zero(&entity_report(&blank, &blank, mode).expect("no entities"));
    }
    let report = classification_report::<String>(&[], &[]).expect("no examples");
    assert_eq!(report.accuracy, 0.0);
    assert!(report.labels.is_empty() && report.per_label.is_empty() && report.confusion.is_empty());
    assert_eq!(report.weighted_avg, Scores::default());
}

#[test]
fn mismatched_lengths_are_errors() {
    let gold = tags(&[&["B-PER", "O"], &["O"]]);
    for mode in [EntityMode::Default, EntityMode::StrictIob2] {
        let fewer = tags(&[&["B-PER", "O"]]);
        assert_eq!(entity_report(&gold, &fewer, mode), Err(MetricsError::LengthMismatch { gold: 2, pred: 1 }));
        let shorter = tags(&[&["B-PER"], &["O"]]);
        assert_eq!(
            entity_report(&gold, &shorter, mode),
            Err(MetricsError::SentenceLengthMismatch { sentence: 0, gold: 2, pred: 1 })
        );
    }
    assert_eq!(classification_report(&["a", "b"], &["a"]), Err(MetricsError::LengthMismatch { gold: 2, pred: 1 }));
}

#[test]
fn strict_mode_rejects_prefixes_outside_iob2_like_seqeval() {
    let gold = tags(&[&["B-PER", "E-PER"]]);
    let pred = tags(&[&["B-PER", "I-PER"]]);
    let err = entity_report(&gold, &pred, EntityMode::StrictIob2).expect_err("E- is not IOB2");
    let expected = InvalidTag { mode: EntityMode::StrictIob2, sentence: 0, position: 1, tag: "E-PER".to_owned() };
    assert_eq!(err, MetricsError::InvalidTag { side: Side::Gold, source: expected });
    assert!(err.to_string().contains("E-PER"), "{err}");

    let lenient = entity_report(&gold, &pred, EntityMode::Default).expect("default mode reads E-");
    assert_eq!(lenient.overall().f1, 1.0);
}

#[test]
fn empty_tag_is_an_error_in_both_modes() {
    let gold = tags(&[&["O", "B-PER"]]);
    let pred = tags(&[&["O", ""]]);
    for mode in [EntityMode::Default, EntityMode::StrictIob2] {
        match entity_report(&gold, &pred, mode) {
            Err(MetricsError::InvalidTag { side: Side::Pred, source }) => {
                assert_eq!((source.sentence, source.position, source.tag.as_str()), (0, 1, ""));
            }
            other => panic!("{mode}: expected an invalid pred tag, got {other:?}"),
        }
    }
}

#[test]
fn default_mode_reads_tags_like_get_entities() {
    let read = |sentences: &[&[&str]]| {
        extract_entities(&tags(sentences), EntityMode::Default).expect("lenient mode reads any tag")
    };
    assert_eq!(read(&[&["B-PER", "I-PER", "O", "B-LOC"]]), vec![entity("PER", 0, 0, 2), entity("LOC", 0, 3, 4)]);
    assert_eq!(read(&[&["O", "I-PER", "I-PER"]]), vec![entity("PER", 0, 1, 3)]);
    assert_eq!(read(&[&["B-PER"], &["I-PER"]]), vec![entity("PER", 0, 0, 1), entity("PER", 1, 0, 1)]);
    assert_eq!(read(&[&["B-I-PER", "S-LOC"]]), vec![entity("I-PER", 0, 0, 1), entity("LOC", 0, 1, 2)]);
}

#[test]
fn strict_mode_keeps_only_b_led_runs() {
    let sentences = tags(&[&["I-PER", "B-PER", "I-PER", "I-LOC", "B-LOC", "B-LOC"], &["B-ORG"]]);
    assert_eq!(
        extract_entities(&sentences, EntityMode::StrictIob2).expect("valid IOB2"),
        vec![entity("PER", 0, 1, 3), entity("LOC", 0, 4, 5), entity("LOC", 0, 5, 6), entity("ORG", 1, 0, 1)]
    );
}

#[test]
fn explicit_labels_follow_sklearn() {
    let gold = ["a", "b", "c", "a"];
    let pred = ["a", "c", "c", "b"];
    let report = classification_report_with_labels(&gold, &pred, &["b", "a", "z"]).expect("valid");
    assert_eq!(report.labels, ["b", "a", "z"]);
    assert_eq!(report.accuracy, 0.5);
    assert_eq!(report.confusion, vec![vec![0, 0, 0], vec![1, 1, 0], vec![0, 0, 0]]);
    let a = &report.per_label[1];
    assert_eq!((a.precision, a.recall, a.support), (1.0, 0.5, 2));
    assert!((a.f1 - 2.0 / 3.0).abs() < TOLERANCE);
    assert_eq!(report.per_label[2].scores(), Scores::default());
    assert_eq!(report.support, 3);
    assert!((report.micro_avg.precision - 0.5).abs() < TOLERANCE);
    assert!((report.micro_avg.recall - 1.0 / 3.0).abs() < TOLERANCE);
    assert!((report.micro_avg.f1 - 0.4).abs() < TOLERANCE);

    assert_eq!(
        classification_report_with_labels(&gold, &pred, &["a", "a"]),
        Err(MetricsError::DuplicateLabel("a".to_owned()))
    );
}

#[test]
fn reports_round_trip_through_json() {
    let gold = tags(&[&["B-PER", "I-PER", "O"]]);
    let report = entity_report(&gold, &gold, EntityMode::StrictIob2).expect("valid");
    let json = serde_json::to_string(&report).expect("serialise");
    assert!(json.contains("\"strict_iob2\""), "{json}");
    assert_eq!(serde_json::from_str::<EntityReport>(&json).expect("deserialise"), report);

    let report = classification_report(&["x", "y"], &["x", "x"]).expect("valid");
    let json = serde_json::to_string(&report).expect("serialise");
    assert_eq!(serde_json::from_str::<ClassificationReport>(&json).expect("deserialise"), report);
}
