use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use super::settings_args::SettingsArgs;
use crate::core::model::Task;
use crate::core::train::TrainConfig;

/// Fine-tune a BERT model on a small labelled dataset and export it for Hugging Face
/// transformers.
#[derive(Debug, Parser)]
#[command(name = "tunelab", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fine-tune a model, evaluate it on the dev set after every epoch, optionally export it.
    Train(Box<TrainArgs>),
    /// Evaluate an exported (fine-tuned) model on a labelled file.
    Eval(EvalArgs),
    /// Write an exported (fine-tuned) model as ONNX, fp32 and int8, in the folder layout
    /// Transformers.js loads.
    Onnx(OnnxArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeviceChoice {
    /// burn's flex backend on the CPU.
    Cpu,
    /// burn's wgpu backend (Vulkan, Metal or DX12).
    Gpu,
}

impl std::fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Cpu => "cpu",
            Self::Gpu => "gpu",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TaskChoice {
    /// Sequence classification (CSV/TSV/JSONL with text and label).
    Cls,
    /// Named-entity recognition (CoNLL, tokens/tags JSONL, span JSONL).
    Ner,
}

impl From<TaskChoice> for Task {
    fn from(t: TaskChoice) -> Self {
        match t {
            TaskChoice::Cls => Task::Cls,
            TaskChoice::Ner => Task::Ner,
        }
    }
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Folder with config.json, tokenizer.json and model.safetensors.
    #[arg(long)]
    pub model: PathBuf,
    /// Start from weights drawn from config.json alone, as transformers' `from_config` does;
    /// model.safetensors is not read. For benchmarks: throughput does not depend on the values.
    #[arg(long)]
    pub from_config: bool,
    #[arg(long, value_enum)]
    pub task: TaskChoice,
    /// Training data. Without --dev it is split 80/10/10 into train/dev/test (stratified, seeded).
    #[arg(long)]
    pub train: PathBuf,
    /// Dev data: evaluated after every epoch; the final metrics are computed on it.
    #[arg(long)]
    pub dev: Option<PathBuf>,
    /// Test data, evaluated once after training.
    #[arg(long)]
    pub test: Option<PathBuf>,
    /// Use only the first N training examples.
    #[arg(long)]
    pub limit: Option<usize>,
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// Device memory the run may use, in MB: a batch whose estimate does not fit is cut, and
    /// gradient accumulation raised to keep the effective batch.
    #[arg(long, value_name = "MB")]
    pub memory_limit: Option<u64>,
    /// Stop after this many optimizer steps (a benchmark on a slow device).
    #[arg(long)]
    pub max_steps: Option<usize>,
    /// On the CPU, run GELU, softmax, LayerNorm, dense layers, attention and embeddings as
    /// burn's tensor ops instead of Tunelab's own passes (a benchmark's baseline; the results
    /// agree within float rounding).
    #[arg(long)]
    pub cpu_tensor_ops: bool,
    /// Text column of a CSV/TSV file (found by name when omitted).
    #[arg(long)]
    pub text_column: Option<String>,
    /// Label column of a CSV/TSV file (found by name when omitted).
    #[arg(long)]
    pub label_column: Option<String>,
    /// Write the fine-tuned model here as a Hugging Face folder.
    #[arg(long)]
    pub export: Option<PathBuf>,
    /// With --export: write the model as ONNX into the same folder too (tokenizer_config.json,
    /// onnx/model.onnx, onnx/model_quantized.onnx), so that Transformers.js loads it as well.
    #[arg(long, requires = "export")]
    pub onnx: bool,
    /// Write the run here as a Python project on transformers' Trainer (train.py with the same
    /// recipe, seed and labels, the data, requirements.txt, and Tunelab's initial head).
    #[arg(long, value_name = "DIR")]
    pub export_script: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "cpu")]
    pub device: DeviceChoice,
    /// Print one JSON object with the results as the last line of stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// An exported model folder (config.json with id2label, tokenizer.json, model.safetensors).
    #[arg(long)]
    pub model: PathBuf,
    /// Labelled data in any format the task accepts.
    #[arg(long)]
    pub data: PathBuf,
    #[arg(long, default_value_t = TrainConfig::default().max_len)]
    pub max_len: usize,
    #[arg(long, default_value_t = 32)]
    pub batch: usize,
    #[arg(long)]
    pub text_column: Option<String>,
    #[arg(long)]
    pub label_column: Option<String>,
    #[arg(long, value_enum, default_value = "cpu")]
    pub device: DeviceChoice,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct OnnxArgs {
    /// An exported model folder (config.json with id2label, tokenizer.json, model.safetensors).
    #[arg(long)]
    pub model: PathBuf,
    /// Where to write config.json, tokenizer.json, tokenizer_config.json and onnx/; the model's
    /// own folder when omitted.
    #[arg(long)]
    pub out: Option<PathBuf>,
}
