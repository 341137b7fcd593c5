//! "Take it further": the run as a Python project on transformers' Trainer. Run in the
//! reference venv from Tunelab's initial head, its first step's loss is Tunelab's on the same
//! batch (dropout off, data in order), for full fine-tuning and for LoRA.

use burn::prelude::*;
use pollster::block_on;
use tunelab::core::data::Examples;
use tunelab::core::graduate::{initial_head, python_project, RunData, INITIAL_HEAD};
use tunelab::core::model::Task;
use tunelab::core::task_model::{LoadOptions, TaskModel};
use tunelab::core::train::{label_list, train, StopAfter, TrainConfig, TrainEvent};
use tunelab::i18n::Language;

use crate::support::{
    announce, last_json_line, model_dir, model_files, reference_python, scratch_folder, sst2_slice, wnut_slice,
};

fn wnut(n: usize) -> Examples {
    wnut_slice(0, n)
}

fn sst2(n: usize) -> Examples {
    sst2_slice(0, n)
}

/// Tunelab's first step on `train` from a fresh head, the project made from that run, and the
/// project's first step in the venv from the same head: the two losses.
fn first_losses(name: &str, train_set: Examples, config: TrainConfig) -> Option<(f32, f64)> {
    let options = LoadOptions {
        task: train_set.task(),
        labels: Some(label_list(&train_set)),
        max_len: config.max_len,
        dropout: Some(0.0),
        seed: config.seed,
    };
    let mut model = TaskModel::load(&model_files(), &options, &Device::flex().autodiff()).expect("load");
    let head = block_on(initial_head(&model)).expect("head");
    let plan = config.plan(train_set.len()).expect("plan");
    let mut first = None;
    let mut on_event = |event: TrainEvent| {
        if let (TrainEvent::Step(s), None) = (&event, first) {
            first = Some(s.loss);
        }
    };
    block_on(train(&mut model, &train_set, None, &plan, &mut StopAfter::new(1), &mut on_event)).expect("train");
    let base = model_dir().to_string_lossy().into_owned();
    let data = RunData { train: &train_set, dev: None, test: None };
    let project = python_project(&model, &config, &base, data, Some(head), Language::English).expect("project");

    let names: Vec<&str> = project.iter().map(|f| f.path.as_str()).collect();
    for expected in ["train.py", "requirements.txt", "README.md", "tokenizer.json", "data/train.jsonl", INITIAL_HEAD] {
        assert!(names.contains(&expected), "{name}: the project lacks {expected}: {names:?}");
    }
    let text = |file: &str| {
        let found = project.iter().find(|f| f.path == file).expect("file");
        String::from_utf8(found.bytes.clone()).expect("utf-8")
    };
    assert_eq!(text("data/train.jsonl").lines().count(), train_set.len());
    assert!(text("README.md").contains("accelerate launch train.py"));
    assert!(!text("train.py").contains("__RUN__"), "the recipe is written into train.py");
    assert_eq!(text("requirements.txt").contains("peft"), config.lora_rank.is_some());

    let test = format!("python_project_starts_where_tunelab_does ({name})");
    let python = reference_python(&test)?;
    let dir = scratch_folder(&format!("graduate-{name}"), project.iter().map(|f| (&f.path, f.bytes.as_slice())));
    let report = last_json_line(
        std::process::Command::new(&python)
            .current_dir(&dir)
            .args([
                "train.py",
                "--model",
                &base,
                "--initial-head",
                INITIAL_HEAD,
                "--max-steps",
                "1",
                "--no-dropout",
                "--cpu",
            ])
            .arg("--output-dir")
            .arg(dir.join("model")),
        "train.py",
    );
    let _ = std::fs::remove_dir_all(&dir);
    let theirs = report["first_loss"].as_f64().expect("first_loss");
    let ours = first.expect("a step");
    announce(format!("{test}: first-step loss Tunelab {ours}, transformers Trainer {theirs}"));
    Some((ours, theirs))
}

#[test]
fn the_python_project_starts_where_tunelab_does_for_ner() {
    let config = TrainConfig { epochs: 1, batch_size: 8, max_len: 32, shuffle: false, ..TrainConfig::default() };
    if let Some((ours, theirs)) = first_losses("ner", wnut(16), config) {
        assert!((ours as f64 - theirs).abs() < 1e-3, "Tunelab {ours}, Trainer {theirs}");
    }
}

#[test]
fn the_python_project_starts_where_tunelab_does_for_lora_classification() {
    let config = TrainConfig {
        epochs: 1,
        batch_size: 8,
        max_len: 32,
        shuffle: false,
        lora_rank: Some(8),
        ..TrainConfig::default()
    };
    let train_set = sst2(16);
    assert_eq!(train_set.task(), Task::Cls);
    if let Some((ours, theirs)) = first_losses("lora-cls", train_set, config) {
        assert!((ours as f64 - theirs).abs() < 1e-3, "Tunelab {ours}, Trainer {theirs}");
    }
}
