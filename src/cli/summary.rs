//! What a finished run prints: a readable table, or one JSON object as the last stdout line.

use serde_json::{json, Map, Value};

use crate::core::evaluate::EvalReport;

/// `metrics` of the JSON summary: accuracy and macro F1 (classification), or entity F1 in
/// both seqeval modes and per type (NER).
pub fn metrics_json(report: &EvalReport) -> Value {
    match report {
        EvalReport::Cls(r) => json!({
            "accuracy": r.accuracy,
            "macro_f1": r.macro_avg.f1,
            "weighted_f1": r.weighted_avg.f1,
            "per_label": r.per_label.iter().map(|l| (l.label.clone(), json!({
                "precision": l.precision, "recall": l.recall, "f1": l.f1, "support": l.support
            }))).collect::<Map<_, _>>(),
            "confusion_matrix": r.confusion,
            "labels": r.labels,
        }),
        EvalReport::Ner { default, strict } => json!({
            "entity_f1": default.micro_avg.f1,
            "entity_precision": default.micro_avg.precision,
            "entity_recall": default.micro_avg.recall,
            "entity_f1_strict": strict.micro_avg.f1,
            "macro_f1": default.macro_avg.f1,
            "per_type": default.per_type.iter().map(|l| (l.label.clone(), json!({
                "precision": l.precision, "recall": l.recall, "f1": l.f1, "support": l.support
            }))).collect::<Map<_, _>>(),
        }),
    }
}

/// A human-readable report of one evaluation.
pub fn print_report(title: &str, report: &EvalReport) {
    println!("\n{title}");
    let (rows, averages) = match report {
        EvalReport::Cls(r) => {
            println!("accuracy {:.4}", r.accuracy);
            (&r.per_label, [("macro avg", r.macro_avg), ("weighted avg", r.weighted_avg)])
        }
        EvalReport::Ner { default, strict } => {
            println!(
                "entity F1 {:.4} (seqeval default)   {:.4} (strict IOB2)",
                default.micro_avg.f1, strict.micro_avg.f1
            );
            (&default.per_type, [("micro avg", default.micro_avg), ("macro avg", default.macro_avg)])
        }
    };
    println!("{:>20} {:>9} {:>9} {:>9} {:>9}", "", "precision", "recall", "f1", "support");
    for row in rows {
        println!("{:>20} {:>9.4} {:>9.4} {:>9.4} {:>9}", row.label, row.precision, row.recall, row.f1, row.support);
    }
    for (name, s) in averages {
        println!("{:>20} {:>9.4} {:>9.4} {:>9.4}", name, s.precision, s.recall, s.f1);
    }
}
