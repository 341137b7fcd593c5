//! What can stop a command, with its chain of causes kept; `report` prints the chain on one line.

use std::error::Error;
use std::path::PathBuf;

use crate::core::data::DatasetError;
use crate::core::evaluate::EvalError;
use crate::core::graduate::GraduateError;
use crate::core::model::ModelError;
use crate::core::onnx::OnnxError;
use crate::core::task_model::LoadError;
use crate::core::train::{ConfigError, TrainError};

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{}", .path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{} (a model folder needs config.json, tokenizer.json and model.safetensors)", .path.display())]
    ModelFile { path: PathBuf, source: std::io::Error },
    #[error("{}: cannot draw weights from it", .path.display())]
    FromConfig { path: PathBuf, source: ModelError },
    #[error("{}", .path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Data(#[from] DatasetError),
    #[error("{}", .path.display())]
    Model { path: PathBuf, source: LoadError },
    #[error("{}: config.json names no BertForSequenceClassification or BertForTokenClassification architecture", .path.display())]
    NotFineTuned { path: PathBuf },
    #[error("invalid settings")]
    Settings(#[from] ConfigError),
    #[error("training failed")]
    Train(#[from] TrainError),
    #[error("evaluation failed")]
    Eval(#[from] EvalError),
    #[error("export failed")]
    Export(#[source] LoadError),
    #[error("ONNX export failed")]
    Onnx(#[from] OnnxError),
    #[error("the Python project could not be made")]
    Graduate(#[from] GraduateError),
    #[error(
        "even batch 1 needs about {needed_mb:.0} MB of device memory, more than the {limit_mb} MB limit: lower \
         --max-len, or freeze layers (--frozen-layers N, --freeze-encoder)"
    )]
    MemoryLimit { needed_mb: f64, limit_mb: u64 },
    #[error(
        "the GPU ran out of memory at batch {batch} × length {max_len} ({why}); run again with --batch-size \
         {smaller} --grad-accumulation {accumulation} (the same effective batch), or with --memory-limit MB so \
         that the batch is cut before the run"
    )]
    OutOfMemory { batch: usize, max_len: usize, smaller: usize, accumulation: usize, why: String },
    #[error(
        "the GPU ran out of memory even at batch 1 × length {max_len} ({why}): lower --max-len, or freeze \
         layers (--frozen-layers N, --freeze-encoder)"
    )]
    OutOfMemoryAtOne { max_len: usize, why: String },
    #[error("no GPU device could be created through wgpu (Vulkan/Metal/DX12): {0}; use --device cpu")]
    NoGpu(String),
}

/// The error and each cause after it, `: `-separated; a cause whose text the message already
/// ends with (an error that repeats its source) is not repeated.
pub fn report(error: &dyn Error) -> String {
    let mut message = error.to_string();
    let mut cause = error.source();
    while let Some(source) = cause {
        let text = source.to_string();
        if !message.ends_with(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = source.source();
    }
    message
}
