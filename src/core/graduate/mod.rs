//! "Take it further": a run as a small Python project on transformers' `Trainer` with the same
//! recipe, seed, labels and LoRA settings, and its data, so that the same fine-tuning goes on
//! outside the browser and scales out with `accelerate launch train.py`.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::data::Examples;
use super::model::ModelError;
use super::task_model::{ModelFiles, TaskModel};
use super::tokenize::TokenizeError;
use super::train::TrainConfig;
use crate::i18n::Language;
use crate::tr;

/// The script, with `__RUN__` where the run's recipe goes.
const TRAIN_PY: &str = include_str!("train.py");

/// Why a project could not be written.
#[derive(Debug, thiserror::Error)]
pub enum GraduateError {
    #[error(transparent)]
    Tokenizer(#[from] TokenizeError),
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// One file of the project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectFile {
    /// Inside the project folder, `/`-separated.
    pub path: String,
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
}

impl ProjectFile {
    fn new(path: &str, bytes: Vec<u8>) -> Self {
        Self { path: path.to_string(), bytes }
    }
}

/// The splits a run trained and was scored on.
#[derive(Debug, Clone, Copy)]
pub struct RunData<'a> {
    pub train: &'a Examples,
    pub dev: Option<&'a Examples>,
    pub test: Option<&'a Examples>,
}

/// The project's files. `base_model` is what `train.py`
/// starts from (a Hub id or a folder); `initial_head`, when given, is the head's weights before
/// the run's first step (`initial_head`), for a script that starts exactly where Tunelab did.
pub fn python_project(
    model: &TaskModel,
    config: &TrainConfig,
    base_model: &str,
    data: RunData<'_>,
    initial_head: Option<Vec<u8>>,
    language: Language,
) -> Result<Vec<ProjectFile>, GraduateError> {
    let run = json!({
        "task": model.task,
        "base_model": base_model,
        "labels": model.labels,
        "pad_token": model.tokenizer.pad_token(),
        "settings": config,
        "lora_target_modules": config.lora_spec().map(|spec| spec.targets.iter().map(|t| t.peft_name()).collect::<Vec<_>>()),
    });
    let run = serde_json::to_string_pretty(&run).unwrap_or_default();
    let mut files = vec![
        ProjectFile::new("train.py", TRAIN_PY.replace("__RUN__", &run).into_bytes()),
        ProjectFile::new("requirements.txt", requirements(model, config).into_bytes()),
        ProjectFile::new("README.md", readme(model, base_model, language).into_bytes()),
        ProjectFile::new(ModelFiles::TOKENIZER, model.tokenizer.to_json()?.into_bytes()),
        ProjectFile::new("data/train.jsonl", jsonl(data.train).into_bytes()),
    ];
    for (name, split) in [("data/dev.jsonl", data.dev), ("data/test.jsonl", data.test)] {
        if let Some(examples) = split {
            files.push(ProjectFile::new(name, jsonl(examples).into_bytes()));
        }
    }
    if let Some(head) = initial_head {
        files.push(ProjectFile::new(INITIAL_HEAD, head));
    }
    Ok(files)
}

/// The file `train.py --initial-head` reads.
pub const INITIAL_HEAD: &str = "initial_head.safetensors";

/// The head's weights as they stand (`classifier.weight`, `classifier.bias`, HF layout): taken
/// before a run, they let `train.py` start from Tunelab's initial head.
pub async fn initial_head(model: &TaskModel) -> Result<Vec<u8>, ModelError> {
    model.model.head_safetensors().await
}

fn requirements(model: &TaskModel, config: &TrainConfig) -> String {
    // train_sampling_strategy is transformers 5's; the project was checked with 5.25.
    let mut lines = vec!["torch", "transformers>=5.25", "accelerate", "safetensors", "numpy"];
    if config.lora_rank.is_some() {
        lines.push("peft");
    }
    if model.task == super::model::Task::Ner {
        lines.push("seqeval");
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

fn readme(model: &TaskModel, base_model: &str, language: Language) -> String {
    tr!(
        language,
        "graduate.readme",
        base = base_model,
        task = model.task.name(language),
        labels = model.labels.join(", ")
    )
}

/// One JSON object per line: `{"text","label"}` or `{"tokens","tags"}`, as the CLI and the
/// page read them.
fn jsonl(examples: &Examples) -> String {
    let lines: Vec<String> = match examples {
        Examples::Cls(examples) => {
            examples.iter().map(|e| json!({ "text": e.text, "label": e.label }).to_string()).collect()
        }
        Examples::Ner(examples) => {
            examples.iter().map(|e| json!({ "tokens": e.tokens, "tags": e.tags }).to_string()).collect()
        }
    };
    lines.iter().map(|l| format!("{l}\n")).collect()
}
