//! The training worker's state and what each request does to it: the model files, the parsed
//! dataset and the trained model, answered in protocol types.
//!
//! Platform-neutral on purpose (no web-sys): the worker and the JS API wrap it with the browser's
//! device, timers and messaging, and native tests drive it directly on the CPU.

use burn::prelude::*;

use crate::core::data::{
    cjk_share, entity_counts, label_counts, load_dataset, DataSource, Dataset, DatasetError, DatasetOptions, Examples,
    TableOptions,
};
use crate::core::evaluate::{EvalError, EvalReport};
use crate::core::graduate::{initial_head, python_project, GraduateError, ProjectFile, RunData};
use crate::core::heap;
use crate::core::model::{AdapterFiles, BertConfig, ModelError, Task};
use crate::core::onnx::{onnx_folder, OnnxError, OnnxFolder};
use crate::core::task_model::{check_vocab, LoadError, LoadOptions, ModelFiles, TaskModel};
use crate::core::tokenize::{TextTokenizer, TokenizeError};
use crate::core::train::{
    fit_batch, fit_batch_to_binding, label_list, resume, BatchFit, Checkpoint, CheckpointError, ConfigError, Control,
    MemoryEstimate, TrainConfig, TrainError, TrainEvent, TrainedShape,
};
use crate::i18n::Language;
use crate::protocol::{
    DatasetRequest, DatasetSummary, Event, LabelCount, ModelSummary, Prediction, Split, PREVIEW_LIMIT, REVIEW_LIMIT,
};

/// Why a request could not be carried out, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("no model is loaded yet: load a model first")]
    NoModel,
    #[error("no dataset is loaded yet: load a training file first")]
    NoDataset,
    #[error("nothing has been trained yet: train the model (or load a fine-tuned one) first")]
    NotTrained,
    #[error("the dataset has no {0} part: give a dev file, or let the training file be split")]
    NoSplit(&'static str),
    #[error(transparent)]
    Data(#[from] DatasetError),
    #[error("the model files are not usable: {0}")]
    Config(#[from] ModelError),
    #[error("the model files are not usable: {0}")]
    Tokenizer(#[from] TokenizeError),
    #[error("the model files are not usable: {0}")]
    Load(#[from] LoadError),
    #[error("model.safetensors is not a safetensors file: {0}")]
    Weights(#[source] safetensors::SafeTensorError),
    #[error(
        "the model's largest tensor is {need:.1} MB but this GPU binds at most {limit:.1} MB per buffer: choose the CPU"
    )]
    TooLargeForDevice { need: f64, limit: f64 },
    #[error(
        "even batch 1 at length {length} needs a {need:.1} MB buffer but this GPU binds at most {limit:.1} MB per \
         buffer: lower the maximum length, or choose the CPU"
    )]
    BatchTooLargeForDevice { length: usize, need: f64, limit: f64 },
    #[error(
        "even batch 1 at length {length} needs about {need:.0} MB, more than the {room:.0} MB this tab's worker \
         has left: lower the maximum length, or freeze layers"
    )]
    BatchTooLargeForMemory { length: usize, need: f64, room: f64 },
    #[error("invalid setting: {0}")]
    Settings(#[from] ConfigError),
    #[error(transparent)]
    Train(#[from] TrainError),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error("prediction failed: {0}")]
    Predict(#[from] EvalError),
    #[error("export failed: {0}")]
    Export(#[source] LoadError),
    #[error("the Python project could not be made: {0}")]
    Graduate(#[from] GraduateError),
    #[error(transparent)]
    Onnx(#[from] OnnxError),
}

/// What the worker holds between requests.
#[derive(Debug)]
pub struct Session {
    device: Device,
    /// Largest buffer the device binds; `None` on the CPU.
    max_binding: Option<u64>,
    /// The most memory this instance can address, where that bounds a run (wasm32).
    address_space: Option<u64>,
    files: Option<ModelFiles>,
    dataset: Option<Dataset>,
    /// The trained (or loaded fine-tuned) model that predictions and exports come from.
    model: Option<TaskModel>,
    /// The last run's settings, and its head before the first step (unknown for a run resumed
    /// from a checkpoint), for its Python project.
    recipe: Option<(TrainConfig, Option<Vec<u8>>)>,
}

impl Session {
    pub fn new(device: Device, max_binding: Option<u64>) -> Self {
        Self { device, max_binding, address_space: None, files: None, dataset: None, model: None, recipe: None }
    }

    /// Changes the device; a model trained on the old one is dropped (its files are kept).
    pub fn set_device(&mut self, device: Device, max_binding: Option<u64>) {
        self.device = device;
        self.max_binding = max_binding;
        self.model = None;
    }

    /// Checks the three files and keeps them. A fine-tuned checkpoint (its config names a
    /// task and labels) is loaded at once, ready to predict; a base model gets its head when
    /// training starts.
    pub fn load_model(&mut self, files: ModelFiles) -> Result<ModelSummary, SessionError> {
        let config = BertConfig::from_json_bytes(&files.config_json)?;
        let tokenizer = TextTokenizer::from_bytes(&files.tokenizer_json, TrainConfig::default().max_len)?;
        check_vocab(&tokenizer, &config)?;
        safetensors::SafeTensors::read_metadata(&files.model_safetensors).map_err(SessionError::Weights)?;
        if let Some(limit) = self.max_binding.filter(|&l| config.largest_tensor_bytes() > l) {
            return Err(SessionError::TooLargeForDevice {
                need: config.largest_tensor_bytes() as f64 / 1e6,
                limit: limit as f64 / 1e6,
            });
        }
        self.model = None;
        let task = Task::from_config_json(&files.config_json).filter(|_| !config.labels.is_empty());
        let mut parameters = config.encoder_params();
        if let Some(task) = task {
            let options =
                LoadOptions { task, labels: None, max_len: TrainConfig::default().max_len, dropout: None, seed: 0 };
            let model = TaskModel::load(&files, &options, &self.device)?;
            parameters = model.num_params();
            self.model = Some(model);
        }
        let summary = ModelSummary {
            model_type: "bert".into(),
            parameters,
            hidden_size: config.hidden_size,
            layers: config.num_hidden_layers,
            vocab_size: config.vocab_size,
            task,
            labels: if task.is_some() { config.labels.clone() } else { Vec::new() },
        };
        self.files = Some(files);
        Ok(summary)
    }

    /// Parses the training file (and dev file), splitting 80/10/10 when no dev file is given.
    /// Problems are listed by line; the dataset is refused only when a file yields nothing.
    pub fn load_dataset(&mut self, request: DatasetRequest) -> Result<DatasetSummary, SessionError> {
        let options = DatasetOptions {
            table: TableOptions {
                text_column: request.text_column.clone(),
                label_column: request.label_column.clone(),
                delimiter: None,
            },
            limit: request.limit,
            seed: request.seed,
        };
        fn source(file: &crate::protocol::DataFile) -> DataSource<'_> {
            DataSource { name: &file.name, bytes: &file.bytes }
        }
        let (dataset, diagnostics) =
            load_dataset(request.task, source(&request.train), request.dev.as_ref().map(source), None, &options)?;
        let labels = label_list(&dataset.train);
        let counts = match &dataset.train {
            Examples::Cls(e) => label_counts(e),
            Examples::Ner(e) => entity_counts(e),
        };
        let summary = DatasetSummary {
            task: dataset.task,
            n_train: dataset.train.len(),
            n_dev: dataset.dev.as_ref().map_or(0, Examples::len),
            n_test: dataset.test.as_ref().map_or(0, Examples::len),
            split: dataset.split,
            labels,
            label_counts: counts.into_iter().map(|(label, count)| LabelCount { label, count }).collect(),
            train_diagnostics: diagnostics.train,
            dev_diagnostics: diagnostics.dev,
            preview: dataset.train.head(PREVIEW_LIMIT),
            dev_sample: dataset.dev.as_ref().map(|dev| dev.head(REVIEW_LIMIT)),
            cjk_share: cjk_share(&dataset.train),
        };
        self.dataset = Some(dataset);
        Ok(summary)
    }

    /// Fine-tunes a fresh copy of the loaded model on the dataset, reporting through `emit`;
    /// `control` may pause or stop it between steps. The result replaces the trained model.
    pub async fn train<C: Control>(
        &mut self,
        config: TrainConfig,
        control: &mut C,
        emit: &mut dyn FnMut(Event),
    ) -> Result<(), SessionError> {
        let files = self.files.clone().ok_or(SessionError::NoModel)?;
        self.run(config, &files, None, control, emit).await
    }

    /// Goes on with a run from `checkpoint` (bytes of [`Event::Checkpoint`]) on the loaded
    /// dataset: its weights are the checkpoint's, so no model needs loading first.
    pub async fn resume<C: Control>(
        &mut self,
        config: TrainConfig,
        checkpoint: &[u8],
        control: &mut C,
        emit: &mut dyn FnMut(Event),
    ) -> Result<(), SessionError> {
        let checkpoint = Checkpoint::from_bytes(checkpoint)?;
        let files = checkpoint.files.clone();
        self.run(config, &files, Some(&checkpoint), control, emit).await
    }

    async fn run<C: Control>(
        &mut self,
        config: TrainConfig,
        files: &ModelFiles,
        from: Option<&Checkpoint>,
        control: &mut C,
        emit: &mut dyn FnMut(Event),
    ) -> Result<(), SessionError> {
        let dataset = self.dataset.as_ref().ok_or(SessionError::NoDataset)?;
        let (config, memory) = self.fit_to_device(config, files, dataset)?;
        let plan = config.plan(dataset.train.len())?;
        // The previous model's weights leave the device before the new copy arrives.
        self.model = None;
        let options = LoadOptions {
            task: dataset.task,
            labels: Some(label_list(&dataset.train)),
            max_len: config.max_len,
            dropout: Some(config.dropout),
            seed: config.seed,
        };
        let mut model = TaskModel::load(files, &options, &self.device.clone().autodiff())?;
        let head = match from {
            None => Some(initial_head(&model).await.map_err(GraduateError::from)?),
            Some(_) => None,
        };
        self.recipe = Some((plan.config.clone(), head));
        let mut on_event = |event: TrainEvent| emit(train_event(event, memory));
        let outcome =
            resume(&mut model, &dataset.train, dataset.dev.as_ref(), &plan, control, &mut on_event, from).await;
        self.model = Some(model);
        match outcome {
            // A run that diverged ends like a stopped one: its last good weights can be tried
            // and kept, and the event says what to change.
            Err(TrainError::Diverged { value, step, learning_rate }) => {
                emit(Event::Diverged { step, loss: format!("{value:.3e}"), learning_rate });
                Ok(())
            }
            outcome => outcome.map(drop).map_err(SessionError::from),
        }
    }

    /// `config` with a batch the device holds, and the memory the run needs at it. On a GPU
    /// each step's largest buffer must fit one binding; where the address space is bounded
    /// (a wasm32 worker on the CPU), the whole estimate must fit in what the heap leaves of it.
    /// A batch that does not is cut to a divisor, with more accumulation for the same effective
    /// batch; the run's plan carries the batch it got, which is how the page learns of the cut.
    fn fit_to_device(
        &self,
        config: TrainConfig,
        files: &ModelFiles,
        dataset: &Dataset,
    ) -> Result<(TrainConfig, MemoryEstimate), SessionError> {
        let model_config = BertConfig::from_json_bytes(&files.config_json)?;
        let labels = label_list(&dataset.train).len();
        let shape = TrainedShape::new(&model_config, dataset.task, labels, &config).on(&self.device);
        let config = match self.max_binding {
            Some(limit) => match fit_batch_to_binding(&shape, &config, limit) {
                BatchFit::TooLarge(_) => {
                    return Err(SessionError::BatchTooLargeForDevice {
                        length: config.max_len,
                        need: shape.largest_activation(1, config.max_len) as f64 / 1e6,
                        limit: limit as f64 / 1e6,
                    })
                }
                fit => with_batch(config, fit),
            },
            None => config,
        };
        let config = match self.address_space {
            Some(space) => {
                let room = space.saturating_sub(heap::live_bytes() as u64);
                match fit_batch(&shape, &config, room) {
                    BatchFit::TooLarge(estimate) => {
                        return Err(SessionError::BatchTooLargeForMemory {
                            length: config.max_len,
                            need: estimate.total() as f64 / 1e6,
                            room: room as f64 / 1e6,
                        })
                    }
                    fit => with_batch(config, fit),
                }
            }
            None => config,
        };
        let memory = shape.estimate(config.batch_size, config.max_len);
        Ok((config, memory))
    }

    /// Bounds the memory a CPU run may plan for: the address space of a wasm32 instance.
    pub fn set_address_space(&mut self, bytes: Option<u64>) {
        self.address_space = bytes;
    }

    fn model(&self) -> Result<&TaskModel, SessionError> {
        self.model.as_ref().ok_or(if self.files.is_none() { SessionError::NoModel } else { SessionError::NotTrained })
    }

    /// Class probabilities, or a tag per word with the entities they form.
    pub async fn predict(&self, text: &str) -> Result<Prediction, SessionError> {
        Ok(self.model()?.predict(text).await?)
    }

    /// Scores the model on the dataset's dev or test part.
    pub async fn evaluate(&self, split: Split) -> Result<EvalReport, SessionError> {
        let model = self.model()?;
        let dataset = self.dataset.as_ref().ok_or(SessionError::NoDataset)?;
        let examples = match split {
            Split::Dev => dataset.dev.as_ref().ok_or(SessionError::NoSplit("dev"))?,
            Split::Test => dataset.test.as_ref().ok_or(SessionError::NoSplit("test"))?,
        };
        Ok(model.evaluate(examples, 32).await?)
    }

    /// The trained model as a Hugging Face folder.
    pub async fn export(&self) -> Result<ModelFiles, SessionError> {
        self.model()?.export().await.map_err(SessionError::Export)
    }

    /// The last run as a Python project on transformers' Trainer (see `core::graduate`).
    pub async fn graduate(&self, base_model: &str, language: Language) -> Result<Vec<ProjectFile>, SessionError> {
        let model = self.model()?;
        let dataset = self.dataset.as_ref().ok_or(SessionError::NoDataset)?;
        let (config, head) = self.recipe.as_ref().ok_or(SessionError::NotTrained)?;
        let data = RunData { train: &dataset.train, dev: dataset.dev.as_ref(), test: dataset.test.as_ref() };
        Ok(python_project(model, config, base_model, data, head.clone(), language)?)
    }

    /// The trained model as ONNX, fp32 and int8, in Transformers.js's folder layout.
    pub async fn export_onnx(&self) -> Result<OnnxFolder, SessionError> {
        Ok(onnx_folder(&self.export().await?)?)
    }

    /// After a LoRA run: its adapters and head as a peft folder, to load onto `base_model`.
    pub async fn export_adapter(&self, base_model: Option<&str>) -> Result<Option<AdapterFiles>, SessionError> {
        self.model()?.export_adapter(base_model).await.map_err(SessionError::Export)
    }
}

/// `config` at the batch a plan cut it to.
fn with_batch(config: TrainConfig, fit: BatchFit) -> TrainConfig {
    match fit {
        BatchFit::Shrunk { batch, grad_accumulation, .. } => config.with_batch(batch, grad_accumulation),
        BatchFit::Fits(_) | BatchFit::TooLarge(_) => config,
    }
}

/// The training loop's events in the protocol's words.
fn train_event(event: TrainEvent, memory: MemoryEstimate) -> Event {
    match event {
        TrainEvent::Started { plan, truncated_examples, parameters, trainable_parameters } => {
            Event::TrainingStarted { plan, parameters, trainable_parameters, truncated_examples, memory: Some(memory) }
        }
        TrainEvent::Step(progress) => Event::Progress(progress),
        TrainEvent::Epoch(mut summary) => {
            summary.dev_predictions = summary.dev_predictions.map(|p| p.head(REVIEW_LIMIT));
            Event::Epoch(summary)
        }
        TrainEvent::EarlyStopped { epoch, best_epoch, patience } => Event::EarlyStopped { epoch, best_epoch, patience },
        TrainEvent::Cancelled { step } => Event::Stopped { step },
        TrainEvent::Finished { steps, train_seconds, train_tokens_per_s } => {
            Event::TrainingFinished { steps, train_seconds, train_tokens_per_s }
        }
    }
}
