//! A fine-tunable model as a user knows it: the three files of a Hugging Face folder, read
//! into an encoder with a task head, a tokenizer and a label list — and written back.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::model::{adapter_files, AdapterFiles, BertConfig, Classifier, LoadReport, ModelError, Task, WeightMap};
use super::tokenize::{TextTokenizer, TokenizeError};

/// The bytes of a Hugging Face model folder. The core takes bytes, never paths or URLs:
/// fetching and file reading live at the edges (CLI, browser).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelFiles {
    #[serde(with = "serde_bytes")]
    pub config_json: Vec<u8>,
    #[serde(with = "serde_bytes")]
    pub tokenizer_json: Vec<u8>,
    #[serde(with = "serde_bytes")]
    pub model_safetensors: Vec<u8>,
}

impl ModelFiles {
    pub const CONFIG: &'static str = "config.json";
    pub const TOKENIZER: &'static str = "tokenizer.json";
    pub const WEIGHTS: &'static str = "model.safetensors";

    /// The transformers class `config.json` names (`BertForTokenClassification`), if it names one.
    pub fn architecture(&self) -> Option<String> {
        let config: serde_json::Value = serde_json::from_slice(&self.config_json).ok()?;
        config["architectures"][0].as_str().map(str::to_string)
    }
}

/// Why a model folder could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Tokenizer(#[from] TokenizeError),
    #[error("tokenizer.json has {tokenizer} tokens but config.json says vocab_size {config}: the two files are from different models")]
    VocabMismatch { tokenizer: usize, config: usize },
    #[error("the model's config.json has no id2label; it cannot be evaluated without its labels")]
    NoLabels,
}

/// Refuses a tokenizer whose ids would index past the config's embedding table: the two files
/// come from different models.
pub fn check_vocab(tokenizer: &TextTokenizer, config: &BertConfig) -> Result<(), LoadError> {
    if tokenizer.vocab_size() > config.vocab_size {
        return Err(LoadError::VocabMismatch { tokenizer: tokenizer.vocab_size(), config: config.vocab_size });
    }
    Ok(())
}

/// Settings of a load that the files themselves do not decide.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub task: Task,
    /// The labels to learn; `None` takes them from `config.json` (an already fine-tuned model).
    pub labels: Option<Vec<String>>,
    pub max_len: usize,
    /// Replaces every dropout probability of the config (the recipe's dropout).
    pub dropout: Option<f64>,
    /// Seed for a freshly initialised head.
    pub seed: u64,
}

/// An encoder with a task head, its tokenizer and labels.
#[derive(Debug)]
pub struct TaskModel {
    pub model: Classifier,
    pub tokenizer: TextTokenizer,
    pub config: BertConfig,
    pub labels: Vec<String>,
    pub task: Task,
    pub load_report: LoadReport,
    /// Where the weights live (with autodiff when the model is to be trained).
    pub device: Device,
}

impl TaskModel {
    pub fn load(files: &ModelFiles, options: &LoadOptions, device: &Device) -> Result<Self, LoadError> {
        let mut config = BertConfig::from_json_bytes(&files.config_json)?;
        let tokenizer = TextTokenizer::from_bytes(&files.tokenizer_json, options.max_len)?;
        check_vocab(&tokenizer, &config)?;
        if let Some(p) = options.dropout {
            config.set_dropout(p);
        }
        let labels = match &options.labels {
            Some(labels) => labels.clone(),
            None if config.labels.is_empty() => return Err(LoadError::NoLabels),
            None => config.labels.clone(),
        };
        // A checkpoint's head is reused only when it was trained on exactly these labels.
        let keep_head = config.labels == labels;
        let mut weights = WeightMap::from_safetensors(&files.model_safetensors)?;
        let (model, load_report) =
            Classifier::load(&config, &mut weights, options.task, labels.len(), keep_head, options.seed, device)?;
        Ok(Self { model, tokenizer, config, labels, task: options.task, load_report, device: device.clone() })
    }

    /// An HF folder that `transformers` loads as `BertFor{Sequence,Token}Classification`.
    pub async fn export(&self) -> Result<ModelFiles, LoadError> {
        Ok(ModelFiles { model_safetensors: self.model.to_safetensors().await?, ..self.export_config_and_tokenizer()? })
    }

    fn export_config_and_tokenizer(&self) -> Result<ModelFiles, LoadError> {
        let config_json = self.config.to_export_json(self.task.architecture(), &self.labels).into_bytes();
        let tokenizer_json = self.tokenizer.to_json()?.into_bytes();
        Ok(ModelFiles { config_json, tokenizer_json, model_safetensors: Vec::new() })
    }

    /// [`TaskModel::export`] with the weights under LoRA adapters as loaded: the folder a
    /// checkpoint keeps, with [`TaskModel::export_adapter`] beside it.
    pub async fn export_base(&self) -> Result<ModelFiles, LoadError> {
        Ok(ModelFiles {
            model_safetensors: self.model.to_base_safetensors().await?,
            ..self.export_config_and_tokenizer()?
        })
    }

    /// The LoRA adapters and head as a peft folder; `None` without adapters. `base_model` is
    /// the base's Hub id, when it came from the Hub.
    pub async fn export_adapter(&self, base_model: Option<&str>) -> Result<Option<AdapterFiles>, LoadError> {
        Ok(adapter_files(&self.model, base_model).await?)
    }

    /// Parameter count, as `model.num_parameters()` in transformers.
    pub fn num_params(&self) -> usize {
        self.model.num_params()
    }
}
