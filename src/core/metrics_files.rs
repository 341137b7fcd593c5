//! A training run's dev metrics as files to download: JSON for programs, CSV for spreadsheets.

use serde_json::json;

use super::evaluate::EvalReport;
use super::metrics::{LabelScores, Scores};
use super::train::EpochSummary;

/// Every epoch's loss, timing and dev report (predictions left out).
pub fn metrics_json(epochs: &[EpochSummary]) -> String {
    let epochs: Vec<_> = epochs
        .iter()
        .map(|e| {
            json!({
                "epoch": e.epoch,
                "train_loss": e.train_loss,
                "train_seconds": e.train_seconds,
                "train_tokens": e.train_tokens,
                "train_sequences": e.train_sequences,
                "elapsed_s": e.elapsed_s,
                "dev": e.dev,
            })
        })
        .collect();
    serde_json::to_string_pretty(&json!({ "epochs": epochs })).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// One row per epoch and scored label (class, or entity type per seqeval mode), plus the
/// averages and the accuracy.
pub fn metrics_csv(epochs: &[EpochSummary]) -> String {
    let mut out = String::from("epoch,train_loss,scheme,label,precision,recall,f1,support\n");
    for e in epochs {
        let mut row = |scheme: &str, label: &str, s: Scores, support: Option<usize>| {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                e.epoch,
                e.train_loss,
                scheme,
                csv_field(label),
                s.precision,
                s.recall,
                s.f1,
                support.map(|n| n.to_string()).unwrap_or_default()
            ));
        };
        let mut rows = |scheme: &str, per: &[LabelScores], avgs: [(&str, Scores); 3], support: usize| {
            for l in per {
                row(scheme, &l.label, l.scores(), Some(l.support));
            }
            for (name, s) in avgs {
                row(scheme, name, s, Some(support));
            }
        };
        match &e.dev {
            Some(EvalReport::Cls(r)) => {
                let avgs = [("micro avg", r.micro_avg), ("macro avg", r.macro_avg), ("weighted avg", r.weighted_avg)];
                rows("classification", &r.per_label, avgs, r.support);
                let accuracy = Scores { precision: r.accuracy, recall: r.accuracy, f1: r.accuracy };
                row("classification", "accuracy", accuracy, Some(r.support));
            }
            Some(EvalReport::Ner { default, strict }) => {
                for (scheme, r) in [("seqeval default", default), ("seqeval strict IOB2", strict)] {
                    let avgs =
                        [("micro avg", r.micro_avg), ("macro avg", r.macro_avg), ("weighted avg", r.weighted_avg)];
                    rows(scheme, &r.per_type, avgs, r.support);
                }
            }
            None => row("", "", Scores::default(), None),
        }
    }
    out
}

/// Quotes a field when it holds a comma, quote or line break (RFC 4180).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
