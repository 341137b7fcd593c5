//! The JS package's hand-written TypeScript types (`src/api.rs`) against the Rust types they
//! describe: every field serde writes is declared, and nothing else is.

use std::collections::BTreeSet;

use serde::Serialize;
use tunelab::core::data::{Diagnostic, Severity};
use tunelab::core::model::Task;
use tunelab::core::train::{StepProgress, TrainConfig};
use tunelab::protocol::{Backend, DeviceInfo, DownloadProgress, Event, ModelSummary};

fn types() -> String {
    let api = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/api.rs")).expect("src/api.rs");
    let start = api.find("r#\"").expect("the TypeScript section") + 3;
    let end = start + api[start..].find("\"#").expect("its end");
    api[start..end].to_string()
}

/// The field names of the `{ … }` that starts at `open`, at its own depth only.
fn fields(text: &str, open: usize) -> BTreeSet<String> {
    let mut depth = 0;
    let mut out = BTreeSet::new();
    let mut current = String::new();
    for c in text[open..].chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    continue;
                }
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
        if depth == 1 && c == ';' {
            current.clear();
        } else if depth == 1 && c == ':' && !current.trim().is_empty() {
            out.insert(current.trim().trim_end_matches('?').to_string());
            current = "\u{0}".into();
        } else if depth == 1 && !current.starts_with('\u{0}') {
            current.push(c);
        }
    }
    out
}

fn interface(name: &str) -> BTreeSet<String> {
    let text = types();
    let at = text.find(&format!("export interface {name} ")).unwrap_or_else(|| panic!("no interface {name}"));
    fields(&text, at + text[at..].find('{').expect("a body"))
}

fn event(kind: &str) -> BTreeSet<String> {
    let text = types();
    let at = text.find(&format!("{{ type: \"{kind}\"")).unwrap_or_else(|| panic!("no event {kind}"));
    fields(&text, at)
}

fn keys(value: &impl Serialize) -> BTreeSet<String> {
    match serde_json::to_value(value).expect("serialises") {
        serde_json::Value::Object(map) => map.keys().cloned().collect(),
        other => panic!("not an object: {other}"),
    }
}

#[test]
fn the_parser_reads_fields_at_their_own_depth() {
    let set = fields("{ a: number; b?: { c: string }; d: string[] }", 0);
    assert_eq!(set, BTreeSet::from(["a".into(), "b".into(), "d".into()]));
}

#[test]
fn settings_and_plans_declare_every_field() {
    assert_eq!(interface("TrainConfig"), keys(&TrainConfig::default()));
    let plan = TrainConfig::default().plan(10).expect("plan");
    assert_eq!(interface("TrainPlan"), keys(&plan));
}

#[test]
fn events_declare_every_field() {
    let progress = Event::Progress(StepProgress {
        epoch: 1,
        step: 1,
        total_steps: 2,
        loss: 1.0,
        learning_rate: 1e-5,
        tokens_per_s: 1.0,
        tokens: 10,
        elapsed_s: 1.0,
        eta_s: 1.0,
        device_memory_bytes: Some(1 << 20),
    });
    assert_eq!(event("progress"), keys(&progress));
    let plan = TrainConfig::default().plan(10).expect("plan");
    let started = Event::TrainingStarted { plan, parameters: 1, truncated_examples: 0 };
    assert_eq!(event("training_started"), keys(&started));
    let finished = Event::TrainingFinished { steps: 1, train_seconds: 1.0, train_tokens_per_s: 1.0 };
    assert_eq!(event("training_finished"), keys(&finished));
}

#[test]
fn reports_declare_every_field() {
    let device =
        DeviceInfo { backend: Backend::Cpu, adapter: None, limits: None, features: Vec::new(), fallback_reason: None };
    assert_eq!(interface("DeviceInfo"), keys(&device));
    let summary = ModelSummary {
        model_type: "bert".into(),
        parameters: 1,
        hidden_size: 1,
        layers: 1,
        vocab_size: 1,
        task: Some(Task::Ner),
        labels: Vec::new(),
    };
    assert_eq!(interface("ModelSummary"), keys(&summary));
    assert_eq!(interface("Diagnostic"), keys(&Diagnostic { line: 1, severity: Severity::Error, message: "m".into() }));
    let download =
        DownloadProgress { file: "f".into(), url: "u".into(), loaded: 0, total: None, cached: false, done: false };
    assert_eq!(interface("DownloadProgress"), keys(&download));
}
