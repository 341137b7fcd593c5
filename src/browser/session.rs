//! The training worker's state and what each request does to it: the model files, the parsed
//! dataset and the trained model, answered in protocol types.
//!
//! Platform-neutral on purpose (no web-sys): the worker and the JS API wrap it with the browser's
//! device, timers and messaging, and native tests drive it directly on the CPU.

use burn::prelude::*;

use crate::core::data::{
    entity_counts, label_counts, parse_classification, parse_ner, split_words, Diagnostic, Examples, Fractions, Parsed,
    Severity, TableOptions,
};
use crate::core::evaluate::EvalReport;
use crate::core::metrics::{extract_entities, EntityMode};
use crate::core::model::{BertConfig, Task};
use crate::core::task_model::{check_vocab, LoadOptions, ModelFiles, TaskModel};
use crate::core::tokenize::TextTokenizer;
use crate::core::train::{label_list, train, Control, TrainConfig, TrainEvent};
use crate::protocol::{
    DatasetRequest, DatasetSummary, EntitySpan, Event, LabelCount, ModelSummary, Prediction, Split, TaggedWord,
    PREVIEW_LIMIT, REVIEW_LIMIT,
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
    #[error("{file}: {diagnostic}")]
    Data { file: String, diagnostic: Diagnostic },
    #[error("{file}: no usable examples")]
    Empty { file: String },
    #[error("the model files are not usable: {0}")]
    Model(String),
    #[error(
        "the model's largest tensor is {need:.1} MB but this GPU binds at most {limit:.1} MB per buffer: choose the CPU"
    )]
    TooLargeForDevice { need: f64, limit: f64 },
    #[error("{0}")]
    Train(String),
    #[error("prediction failed: {0}")]
    Predict(String),
    #[error("export failed: {0}")]
    Export(String),
}

/// A parsed dataset, split into the parts training and evaluation use.
#[derive(Debug)]
struct Dataset {
    task: Task,
    train: Examples,
    dev: Option<Examples>,
    test: Option<Examples>,
}

/// What the worker holds between requests.
#[derive(Debug)]
pub struct Session {
    device: Device,
    /// Largest buffer the device binds; `None` on the CPU.
    max_binding: Option<u64>,
    files: Option<ModelFiles>,
    dataset: Option<Dataset>,
    /// The trained (or loaded fine-tuned) model that predictions and exports come from.
    model: Option<TaskModel>,
}

impl Session {
    pub fn new(device: Device, max_binding: Option<u64>) -> Self {
        Self { device, max_binding, files: None, dataset: None, model: None }
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
        let model_error = |e: &dyn std::fmt::Display| SessionError::Model(e.to_string());
        let config = BertConfig::from_json_bytes(&files.config_json).map_err(|e| model_error(&e))?;
        let tokenizer = TextTokenizer::from_bytes(&files.tokenizer_json, TrainConfig::default().max_len)
            .map_err(|e| model_error(&e))?;
        check_vocab(&tokenizer, &config).map_err(|e| model_error(&e))?;
        safetensors::SafeTensors::read_metadata(&files.model_safetensors)
            .map_err(|e| SessionError::Model(format!("model.safetensors is not a safetensors file: {e}")))?;
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
            let model = TaskModel::load(&files, &options, &self.device).map_err(|e| model_error(&e))?;
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
        let table = TableOptions {
            text_column: request.text_column.clone(),
            label_column: request.label_column.clone(),
            delimiter: None,
        };
        let read = |file: &crate::protocol::DataFile| -> Result<(Examples, Vec<Diagnostic>), SessionError> {
            let (examples, diagnostics) = match request.task {
                Task::Cls => {
                    let Parsed { value, diagnostics } = parse_classification(&file.bytes, &file.name, &table);
                    (Examples::Cls(value), diagnostics)
                }
                Task::Ner => {
                    let Parsed { value, diagnostics } = parse_ner(&file.bytes, &file.name);
                    (Examples::Ner(value.examples), diagnostics)
                }
            };
            if examples.is_empty() {
                let name = if file.name.is_empty() { "pasted text".to_string() } else { file.name.clone() };
                return Err(match diagnostics.into_iter().find(|d| d.severity == Severity::Error) {
                    Some(diagnostic) => SessionError::Data { file: name, diagnostic },
                    None => SessionError::Empty { file: name },
                });
            }
            Ok((examples, diagnostics))
        };
        let (train, train_diagnostics) = read(&request.train)?;
        let train = train.limit(request.limit);
        let (dataset, dev_diagnostics, split) = match &request.dev {
            Some(dev_file) => {
                let (dev, mut diagnostics) = read(dev_file)?;
                diagnostics.extend(dev.unseen_in(&train));
                (Dataset { task: request.task, train, dev: Some(dev), test: None }, diagnostics, false)
            }
            None => (split_off(request.task, train, request.seed), Vec::new(), true),
        };
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
            split,
            labels,
            label_counts: counts.into_iter().map(|(label, count)| LabelCount { label, count }).collect(),
            train_diagnostics,
            dev_diagnostics,
            preview: dataset.train.head(PREVIEW_LIMIT),
            dev_sample: dataset.dev.as_ref().map(|dev| dev.head(REVIEW_LIMIT)),
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
        let files = self.files.as_ref().ok_or(SessionError::NoModel)?;
        let dataset = self.dataset.as_ref().ok_or(SessionError::NoDataset)?;
        config.plan(dataset.train.len()).map_err(|e| SessionError::Train(format!("invalid setting: {e}")))?;
        // The previous model's weights leave the device before the new copy arrives.
        self.model = None;
        let options = LoadOptions {
            task: dataset.task,
            labels: Some(label_list(&dataset.train)),
            max_len: config.max_len,
            dropout: Some(config.dropout),
            seed: config.seed,
        };
        let mut model = TaskModel::load(files, &options, &self.device.clone().autodiff())
            .map_err(|e| SessionError::Model(e.to_string()))?;
        let parameters = model.num_params();
        let mut on_event = |event: TrainEvent| emit(train_event(event, parameters));
        let outcome = train(&mut model, &dataset.train, dataset.dev.as_ref(), &config, control, &mut on_event).await;
        self.model = Some(model);
        outcome.map(|_| ()).map_err(|e| SessionError::Train(e.to_string()))
    }

    fn model(&self) -> Result<&TaskModel, SessionError> {
        self.model.as_ref().ok_or(if self.files.is_none() { SessionError::NoModel } else { SessionError::NotTrained })
    }

    /// Class probabilities, or a tag per word with the entities they form.
    pub async fn predict(&self, text: &str) -> Result<Prediction, SessionError> {
        let model = self.model()?;
        let failed = |e: &dyn std::fmt::Display| SessionError::Predict(e.to_string());
        match model.task {
            Task::Cls => {
                let probabilities = model
                    .predict_texts(&[text.to_string()], 1)
                    .await
                    .map_err(|e| failed(&e))?
                    .pop()
                    .unwrap_or_default();
                let best = probabilities.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(i, _)| i);
                Ok(Prediction::Cls {
                    label: model.labels.get(best).cloned().unwrap_or_default(),
                    labels: model.labels.clone(),
                    probabilities,
                })
            }
            Task::Ner => {
                let words = split_words(text);
                let tokens: Vec<String> = words.iter().map(|w| w.text.to_string()).collect();
                let tags = model.predict_words(&[tokens], 1).await.map_err(|e| failed(&e))?.pop().unwrap_or_default();
                let tagged: Vec<TaggedWord> = words
                    .iter()
                    .zip(&tags)
                    .map(|(w, p)| TaggedWord {
                        text: w.text.to_string(),
                        start: w.start,
                        end: w.end,
                        tag: model.labels.get(p.label).cloned().unwrap_or_else(|| "O".into()),
                        probability: p.probability,
                    })
                    .collect();
                let tag_names: Vec<&str> = tagged.iter().map(|w| w.tag.as_str()).collect();
                let entities = extract_entities(&[tag_names], EntityMode::Default)
                    .map_err(|e| failed(&e))?
                    .into_iter()
                    .filter(|e| e.start < e.end && e.end <= tagged.len())
                    .map(|e| {
                        let (start, end) = (tagged[e.start].start, tagged[e.end - 1].end);
                        EntitySpan {
                            label: e.kind,
                            start,
                            end,
                            text: text.chars().skip(start).take(end - start).collect(),
                        }
                    })
                    .collect();
                Ok(Prediction::Ner { words: tagged, entities })
            }
        }
    }

    /// Scores the model on the dataset's dev or test part.
    pub async fn evaluate(&self, split: Split) -> Result<EvalReport, SessionError> {
        let model = self.model()?;
        let dataset = self.dataset.as_ref().ok_or(SessionError::NoDataset)?;
        let examples = match split {
            Split::Dev => dataset.dev.as_ref().ok_or(SessionError::NoSplit("dev"))?,
            Split::Test => dataset.test.as_ref().ok_or(SessionError::NoSplit("test"))?,
        };
        model.evaluate(examples, 32).await.map_err(|e| SessionError::Predict(e.to_string()))
    }

    /// The trained model as a Hugging Face folder.
    pub async fn export(&self) -> Result<ModelFiles, SessionError> {
        self.model()?.export().await.map_err(|e| SessionError::Export(e.to_string()))
    }
}

/// The recipe's seeded, stratified 80/10/10 split.
fn split_off(task: Task, train: Examples, seed: u64) -> Dataset {
    let some = |e: Examples| Some(e).filter(|e| !e.is_empty());
    let (train, dev, test) = train.split(Fractions::DEFAULT, seed);
    Dataset { task, train, dev: some(dev), test: some(test) }
}

/// The training loop's events in the protocol's words.
fn train_event(event: TrainEvent, parameters: usize) -> Event {
    match event {
        TrainEvent::Started { plan, truncated_examples } => {
            Event::TrainingStarted { plan, parameters, truncated_examples }
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
