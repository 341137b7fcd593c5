//! The JS package's hand-written TypeScript types (`src/api.rs`) against the Rust types they
//! describe: every field serde writes is declared, and nothing else is.

use std::collections::BTreeSet;

use serde::Serialize;
use tunelab::core::data::{ClsExample, Diagnostic, Examples, NerExample, Severity};
use tunelab::core::evaluate::Predictions;
use tunelab::core::graduate::ProjectFile;
use tunelab::core::model::Task;
use tunelab::core::predict::{EntitySpan, Prediction, TaggedWord};
use tunelab::core::train::{EpochSummary, MemoryEstimate, StepProgress, TrainConfig};
use tunelab::protocol::{
    AdapterFiles, Backend, DataFile, DatasetRequest, DatasetSummary, DeviceInfo, DownloadProgress, Event, LabelCount,
    ModelFiles, ModelSummary, OnnxFolder,
};

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

/// The fields of the member of union `name` whose `tag` is `value`.
fn variant(name: &str, tag: &str, value: &str) -> BTreeSet<String> {
    let text = types();
    let at = text.find(&format!("export type {name} =")).unwrap_or_else(|| panic!("no type {name}"));
    let member = text[at..].find(&format!("{{ {tag}: \"{value}\"")).unwrap_or_else(|| panic!("no {name} {value}"));
    fields(&text, at + member)
}

/// The fields of the object that `field` holds, inside the union member `variant` names.
fn nested(name: &str, tag: &str, value: &str, field: &str) -> BTreeSet<String> {
    let text = types();
    let at = text.find(&format!("export type {name} =")).unwrap_or_else(|| panic!("no type {name}"));
    let member = at + text[at..].find(&format!("{{ {tag}: \"{value}\"")).unwrap_or_else(|| panic!("no {value}"));
    let inner = member + text[member..].find(&format!("{field}: {{")).unwrap_or_else(|| panic!("no {field}"));
    fields(&text, inner + field.len() + 2)
}

/// The keys of the first element of the array at `field`.
fn element_keys(value: &impl Serialize, field: &str) -> BTreeSet<String> {
    let json = serde_json::to_value(value).expect("serialises");
    match &json[field][0] {
        serde_json::Value::Object(map) => map.keys().cloned().collect(),
        other => panic!("{field}[0] is not an object: {other}"),
    }
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
    let memory = MemoryEstimate { weights: 1, gradients: 1, optimizer_state: 1, activations: 1 };
    let started = Event::TrainingStarted {
        plan,
        parameters: 1,
        trainable_parameters: 1,
        truncated_examples: 0,
        memory: Some(memory),
    };
    assert_eq!(event("training_started"), keys(&started));
    assert_eq!(nested("TrainerEvent", "type", "training_started", "memory"), keys(&memory));
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

#[test]
fn datasets_declare_every_field() {
    let file = DataFile { name: "train.csv".into(), bytes: b"text,label\n".to_vec() };
    let request = DatasetRequest {
        task: Task::Cls,
        train: file.clone(),
        dev: Some(file.clone()),
        text_column: Some("text".into()),
        label_column: Some("label".into()),
        limit: Some(1),
        seed: 7,
    };
    assert_eq!(interface("DatasetRequest"), keys(&request));
    assert_eq!(interface("DataFile"), keys(&file));
    let cls = Examples::Cls(vec![ClsExample { text: "t".into(), label: "l".into(), line: 2 }]);
    let summary = DatasetSummary {
        task: Task::Cls,
        n_train: 1,
        n_dev: 0,
        n_test: 0,
        split: true,
        labels: vec!["l".into()],
        label_counts: vec![LabelCount { label: "l".into(), count: 1 }],
        train_diagnostics: Vec::new(),
        dev_diagnostics: Vec::new(),
        preview: cls.clone(),
        dev_sample: Some(cls.clone()),
        cjk_share: 0.0,
    };
    assert_eq!(interface("DatasetSummary"), keys(&summary));
    assert_eq!(nested_in_interface("DatasetSummary", "label_counts"), element_keys(&summary, "label_counts"));
    let ner = Examples::Ner(vec![NerExample { tokens: vec!["a".into()], tags: vec!["O".into()], line: 1 }]);
    for (tag, examples) in [("cls", &cls), ("ner", &ner)] {
        assert_eq!(variant("Examples", "task", tag), keys(examples), "{tag}");
        assert_eq!(nested("Examples", "task", tag, "examples"), element_keys(examples, "examples"), "{tag}");
    }
}

#[test]
fn predictions_declare_every_field() {
    let cls = Prediction::Cls { label: "a".into(), labels: vec!["a".into()], probabilities: vec![1.0] };
    assert_eq!(variant("Prediction", "task", "cls"), keys(&cls));
    let ner = Prediction::Ner {
        words: vec![TaggedWord { text: "w".into(), start: 0, end: 1, tag: "B-X".into(), probability: 0.9 }],
        entities: vec![EntitySpan { label: "X".into(), start: 0, end: 1, text: "w".into() }],
    };
    assert_eq!(variant("Prediction", "task", "ner"), keys(&ner));
    for field in ["words", "entities"] {
        assert_eq!(nested("Prediction", "task", "ner", field), element_keys(&ner, field), "{field}");
    }
}

#[test]
fn every_run_event_is_declared() {
    let epoch = Event::Epoch(EpochSummary {
        epoch: 1,
        train_loss: 1.0,
        train_seconds: 1.0,
        train_tokens: 1,
        train_sequences: 1,
        dev: None,
        dev_predictions: Some(Predictions::Ner(vec![vec!["O".into()]])),
        elapsed_s: 1.0,
    });
    assert_eq!(event("epoch"), keys(&epoch));
    let cases = [
        ("paused", Event::Paused { step: 1 }),
        ("resumed", Event::Resumed { step: 1 }),
        ("early_stopped", Event::EarlyStopped { epoch: 2, best_epoch: 1, patience: 1 }),
        ("stopped", Event::Stopped { step: 1 }),
        ("diverged", Event::Diverged { step: 3, loss: "NaN".into(), learning_rate: 1e3 }),
    ];
    for (kind, value) in cases {
        assert_eq!(event(kind), keys(&value), "{kind}");
    }
}

/// The fields of the object type of `field` in interface `name` (an array's element type).
fn nested_in_interface(name: &str, field: &str) -> BTreeSet<String> {
    let text = types();
    let at = text.find(&format!("export interface {name} ")).unwrap_or_else(|| panic!("no interface {name}"));
    let inner = at + text[at..].find(&format!("{field}: {{")).unwrap_or_else(|| panic!("no {field}"));
    fields(&text, inner + field.len() + 2)
}

#[test]
fn exported_folders_declare_every_file() {
    let model = ModelFiles { config_json: vec![], tokenizer_json: vec![], model_safetensors: vec![] };
    assert_eq!(interface("ModelFiles"), keys(&model));
    let adapter = AdapterFiles { config_json: vec![], adapter_safetensors: vec![] };
    assert_eq!(interface("AdapterFiles"), keys(&adapter));
    let onnx = OnnxFolder {
        config_json: vec![],
        tokenizer_json: vec![],
        tokenizer_config_json: vec![],
        model_onnx: vec![],
        model_quantized_onnx: vec![],
    };
    assert_eq!(interface("OnnxFolder"), keys(&onnx));
    let file = ProjectFile { path: String::new(), bytes: vec![] };
    assert_eq!(interface("ProjectFile"), keys(&file));
}
