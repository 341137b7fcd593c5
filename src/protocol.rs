//! The messages between the page and the training worker, and the events the JS API passes to
//! its callback. Plain serde data: JSON-shaped, `type`-tagged, snake_case, so a JS caller can
//! `switch (event.type)`. Byte buffers are `serde_bytes`, which crosses as a `Uint8Array`
//! whose buffer the sender transfers instead of copying.

use serde::{Deserialize, Serialize};

use crate::core::data::{Diagnostic, Examples};
use crate::core::evaluate::EvalReport;
pub use crate::core::graduate::ProjectFile;
pub use crate::core::model::AdapterFiles;
use crate::core::model::Task;
pub use crate::core::onnx::OnnxFolder;
pub use crate::core::predict::{EntitySpan, Prediction, TaggedWord};
pub use crate::core::task_model::ModelFiles;
use crate::core::train::{EpochSummary, MemoryEstimate, StepProgress, TrainConfig, TrainPlan};
use crate::i18n::Language;

/// Which device to train on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DevicePreference {
    /// WebGPU when the browser has a usable adapter, else the CPU.
    #[default]
    Auto,
    Webgpu,
    Cpu,
}

/// Where a model's three files come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelSource {
    /// A folder URL holding `config.json`, `tokenizer.json` and `model.safetensors` (the site's
    /// own `models/<name>/`, or any server that allows cross-origin reads).
    Folder { url: String },
    /// A Hugging Face Hub repository id such as `sentence-transformers/all-MiniLM-L6-v2`.
    Hub {
        id: String,
        #[serde(default)]
        revision: Option<String>,
    },
}

impl ModelSource {
    /// The URL of one of the model's files.
    pub fn file_url(&self, file: &str) -> String {
        match self {
            ModelSource::Folder { url } => format!("{}/{file}", url.trim_end_matches('/')),
            ModelSource::Hub { id, revision } => {
                format!("https://huggingface.co/{id}/resolve/{}/{file}", revision.as_deref().unwrap_or("main"))
            }
        }
    }

    /// A short name for messages.
    pub fn describe(&self) -> String {
        match self {
            ModelSource::Folder { url } => url.clone(),
            ModelSource::Hub { id, .. } => format!("the Hugging Face model `{id}`"),
        }
    }
}

/// A user's file: its name picks the format (CSV, TSV, JSONL, CoNLL); empty for pasted text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataFile {
    pub name: String,
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
}

/// A dataset to train on: the training file, and a dev file or else a seeded 80/10/10 split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetRequest {
    pub task: Task,
    pub train: DataFile,
    #[serde(default)]
    pub dev: Option<DataFile>,
    /// Classification tables: the text and label columns, when not found automatically.
    #[serde(default)]
    pub text_column: Option<String>,
    #[serde(default)]
    pub label_column: Option<String>,
    /// Keep only the first N training examples.
    #[serde(default)]
    pub limit: Option<usize>,
    /// Seed of the train/dev/test split.
    #[serde(default = "default_seed")]
    pub seed: u64,
}

fn default_seed() -> u64 {
    TrainConfig::default().seed
}

/// Which labelled part of the dataset to score.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    #[default]
    Dev,
    Test,
}

/// What the page asks the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    /// Choose the device; answered by [`Event::Device`]. Training asks for it implicitly.
    Init {
        #[serde(default)]
        device: DevicePreference,
    },
    /// Download a model (or read it from the browser's cache) and load it.
    FetchModel {
        source: ModelSource,
    },
    /// Load a model from bytes the page already has (files the user picked).
    LoadModel {
        files: ModelFiles,
    },
    LoadDataset(DatasetRequest),
    Train {
        #[serde(default)]
        config: TrainConfig,
    },
    /// Goes on with a run from one of its checkpoints ([`Event::Checkpoint`]'s bytes), on the
    /// dataset loaded; answered like [`Request::Train`].
    TrainFrom {
        config: TrainConfig,
        #[serde(with = "serde_bytes")]
        checkpoint: Vec<u8>,
    },
    /// Honoured between two training steps.
    Pause,
    Resume,
    Stop,
    Predict {
        text: String,
    },
    Evaluate {
        #[serde(default)]
        split: Split,
    },
    /// The trained model as a Hugging Face folder, and after LoRA the peft adapter whose
    /// `base_model_name_or_path` is `base_model` (a Hub id); answered by [`Event::Exported`].
    Export {
        base_model: String,
    },
    /// The same files, for the page to keep in the browser; answered by [`Event::ToKeep`].
    Keep,
    /// The trained model as ONNX for Transformers.js; answered by [`Event::ExportedOnnx`].
    ExportOnnx,
    /// The run as a Python project on transformers' Trainer, starting from `base_model` (a Hub
    /// id), its README in `language`; answered by [`Event::Graduated`].
    Graduate {
        base_model: String,
        language: Language,
    },
    /// Breaks the worker on purpose, as a lost GPU or a crash would, to check that the page
    /// recovers (the browser tests do). Like pause, it reaches a running training loop.
    Drill {
        drill: Drill,
    },
    /// How much memory the worker holds; answered by [`Event::Memory`]. Queued like Try it, so
    /// it measures between requests, not in the middle of one.
    Memory,
}

/// What [`Request::Drill`] breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Drill {
    /// `GPUDevice.destroy()` on the device training runs on; answered by
    /// [`Event::DeviceLost`], as a GPU lost by the driver or the browser is.
    LoseDevice,
    /// The worker's wasm panics, which ends its instance as any crash does.
    Crash,
    /// The worker's wasm panics as a failed GPU allocation does (with wgpu's out-of-memory
    /// text), which the panic hook reports as [`Event::OutOfMemory`].
    OutOfMemory,
}

/// What an error event refers to: a kind of request, or the worker itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Init,
    FetchModel,
    LoadModel,
    LoadDataset,
    Train,
    Pause,
    Resume,
    Stop,
    Predict,
    Evaluate,
    Export,
    Keep,
    ExportOnnx,
    Graduate,
    Drill,
    Memory,
    /// The worker as a whole: it crashed or could not start.
    Worker,
    /// A message the worker could not read as any request.
    Unknown,
}

impl RequestKind {
    /// The wire name (`load_dataset`), for messages.
    pub fn name(self) -> &'static str {
        match self {
            RequestKind::Init => "init",
            RequestKind::FetchModel => "fetch_model",
            RequestKind::LoadModel => "load_model",
            RequestKind::LoadDataset => "load_dataset",
            RequestKind::Train => "train",
            RequestKind::Pause => "pause",
            RequestKind::Resume => "resume",
            RequestKind::Stop => "stop",
            RequestKind::Predict => "predict",
            RequestKind::Evaluate => "evaluate",
            RequestKind::Export => "export",
            RequestKind::Keep => "keep",
            RequestKind::ExportOnnx => "export_onnx",
            RequestKind::Graduate => "graduate",
            RequestKind::Drill => "drill",
            RequestKind::Memory => "memory",
            RequestKind::Worker => "worker",
            RequestKind::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for RequestKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Request {
    /// The kind a reply's error refers to.
    pub fn kind(&self) -> RequestKind {
        match self {
            Request::Init { .. } => RequestKind::Init,
            Request::FetchModel { .. } => RequestKind::FetchModel,
            Request::LoadModel { .. } => RequestKind::LoadModel,
            Request::LoadDataset(_) => RequestKind::LoadDataset,
            Request::Train { .. } | Request::TrainFrom { .. } => RequestKind::Train,
            Request::Pause => RequestKind::Pause,
            Request::Resume => RequestKind::Resume,
            Request::Stop => RequestKind::Stop,
            Request::Predict { .. } => RequestKind::Predict,
            Request::Evaluate { .. } => RequestKind::Evaluate,
            Request::Export { .. } => RequestKind::Export,
            Request::Keep => RequestKind::Keep,
            Request::ExportOnnx => RequestKind::ExportOnnx,
            Request::Graduate { .. } => RequestKind::Graduate,
            Request::Drill { .. } => RequestKind::Drill,
            Request::Memory => RequestKind::Memory,
        }
    }
}

/// The adapter WebGPU gave us, as the browser describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdapterInfo {
    pub vendor: String,
    pub architecture: String,
    pub device: String,
    pub description: String,
    /// A software adapter (SwiftShader, WARP): real WebGPU, but on the CPU.
    pub is_fallback_adapter: bool,
}

/// The limits that decide whether the model fits: its largest tensor (the word embeddings)
/// must fit one storage binding and one buffer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceLimits {
    pub max_storage_buffer_binding_size: u64,
    pub max_buffer_size: u64,
    pub max_compute_workgroup_storage_size: u64,
    pub max_compute_invocations_per_workgroup: u64,
}

/// The kind of device training runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// burn's wgpu backend on the browser's WebGPU.
    Webgpu,
    /// burn's CPU backend (flex).
    Cpu,
}

/// The device training runs on, and why, when it is not the one asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub backend: Backend,
    pub adapter: Option<AdapterInfo>,
    pub limits: Option<DeviceLimits>,
    pub features: Vec<String>,
    /// Set when the CPU is used although WebGPU was wanted: what failed.
    pub fallback_reason: Option<String>,
}

/// One file of a model download.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DownloadProgress {
    pub file: String,
    pub url: String,
    pub loaded: u64,
    /// From `Content-Length`; `None` when the server does not say.
    pub total: Option<u64>,
    /// Read from the browser's Cache Storage rather than the network.
    pub cached: bool,
    pub done: bool,
}

/// A loaded model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    pub model_type: String,
    pub parameters: usize,
    pub hidden_size: usize,
    pub layers: usize,
    pub vocab_size: usize,
    /// The task and labels of an already fine-tuned checkpoint (ready to predict); `None`
    /// for a base model, whose head is made when training starts.
    pub task: Option<Task>,
    pub labels: Vec<String>,
}

/// How many examples carry a label (or, for NER, an entity type).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelCount {
    pub label: String,
    pub count: usize,
}

/// A parsed dataset: sizes, labels and every problem found, by line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetSummary {
    pub task: Task,
    pub n_train: usize,
    pub n_dev: usize,
    pub n_test: usize,
    /// Whether dev/test were split off the training file (no dev file given).
    pub split: bool,
    /// The labels the model will learn (IOB2 tags for NER).
    pub labels: Vec<String>,
    pub label_counts: Vec<LabelCount>,
    pub train_diagnostics: Vec<Diagnostic>,
    pub dev_diagnostics: Vec<Diagnostic>,
    /// The first training examples, for a preview table.
    pub preview: Examples,
    /// The first [`REVIEW_LIMIT`] dev examples: each epoch's [`Event::Epoch`] carries the
    /// model's predictions for these, in this order.
    pub dev_sample: Option<Examples>,
    /// The share of CJK characters among the training text's letters (the default model's
    /// vocabulary is English).
    #[serde(default)]
    pub cjk_share: f64,
}

/// How many training examples a [`DatasetSummary`] previews.
pub const PREVIEW_LIMIT: usize = 50;
/// How many dev examples the page can review (predictions travel with every epoch).
pub const REVIEW_LIMIT: usize = 200;

/// What the worker tells the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The worker's wasm has started and takes requests.
    Ready {
        version: String,
    },
    Device(DeviceInfo),
    Download(DownloadProgress),
    ModelLoaded(ModelSummary),
    DatasetLoaded(DatasetSummary),
    TrainingStarted {
        plan: TrainPlan,
        parameters: usize,
        /// Those a step updates: fewer than `parameters` when settings freeze a part.
        trainable_parameters: usize,
        truncated_examples: usize,
        /// The device memory the run needs at its batch (`TrainedShape::estimate`).
        #[serde(default)]
        memory: Option<MemoryEstimate>,
    },
    Progress(StepProgress),
    Epoch(EpochSummary),
    Paused {
        step: usize,
    },
    Resumed {
        step: usize,
    },
    EarlyStopped {
        epoch: usize,
        best_epoch: usize,
        patience: usize,
    },
    /// Stopped by the user; the model keeps the weights of the last step.
    Stopped {
        step: usize,
    },
    /// The loss blew up at `step` (past `DIVERGED_LOSS`, or `NaN` or `inf`: text, as JSON has no
    /// such numbers); the model keeps the weights of the last step before it blew up.
    Diverged {
        step: usize,
        loss: String,
        learning_rate: f64,
    },
    TrainingFinished {
        steps: usize,
        train_seconds: f64,
        train_tokens_per_s: f64,
    },
    Prediction {
        text: String,
        prediction: Prediction,
    },
    Evaluation {
        split: Split,
        report: EvalReport,
    },
    Graduated {
        files: Vec<ProjectFile>,
    },
    Exported {
        files: ModelFiles,
        /// After a LoRA run, its adapters and head as a peft folder.
        #[serde(default)]
        adapter: Option<AdapterFiles>,
    },
    /// The trained model's Transformers.js folder: fp32 and int8 ONNX graphs.
    ExportedOnnx {
        folder: OnnxFolder,
    },
    /// The run as it stood after `step` (every epoch's end, and every
    /// `CHECKPOINT_EVERY` steps): kept by the page, sent back with [`Request::TrainFrom`] to a new
    /// worker after a crash.
    Checkpoint {
        step: usize,
        epoch: usize,
        #[serde(with = "serde_bytes")]
        bytes: Vec<u8>,
    },
    /// The trained model's files, to be kept in the browser.
    ToKeep {
        files: ModelFiles,
    },
    /// The WebGPU device was lost (`GPUDevice.lost`): `reason` is the browser's ("destroyed" or
    /// "unknown"). Nothing more runs on this worker's GPU; the page goes on in a new worker.
    DeviceLost {
        reason: String,
        message: String,
    },
    /// The device could not allocate what the worker needed (`message`: the panic's text). The
    /// worker is dead; the page goes on with the run in a new worker at a smaller batch.
    OutOfMemory {
        message: String,
    },
    /// The worker's memory: `heap_bytes` are allocated and not freed (counted by its allocator);
    /// `linear_bytes` is its wasm memory, which grows to the heap's high-water mark and never
    /// shrinks.
    Memory {
        heap_bytes: u64,
        linear_bytes: u64,
    },
    /// A request failed; `message` says what and what to do about it.
    Error {
        request: RequestKind,
        message: String,
    },
}

impl Event {
    pub fn error(request: RequestKind, message: impl Into<String>) -> Self {
        Event::Error { request, message: message.into() }
    }

    /// Whether the event carries byte buffers worth transferring rather than copying.
    pub fn carries_bytes(&self) -> bool {
        matches!(
            self,
            Event::Exported { .. }
                | Event::ExportedOnnx { .. }
                | Event::Graduated { .. }
                | Event::ToKeep { .. }
                | Event::Checkpoint { .. }
        )
    }
}
