//! A fine-tuned model for the web: the exported HF folder as an ONNX graph, fp32 and int8, laid
//! out as Transformers.js loads a model (`config.json`, `tokenizer.json`,
//! `tokenizer_config.json`, `onnx/model.onnx`, `onnx/model_quantized.onnx`).

mod bert_graph;
mod graph;
pub mod proto;
mod quantize;

use prost::Message;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub use bert_graph::{bert_graph, Precision};
pub use graph::OPSET;
pub use quantize::{quantize_columns, QuantizedMatrix};

use super::model::{BertConfig, ModelError, Task, WeightMap};
use super::task_model::ModelFiles;
use crate::i18n::Language;
use crate::tr;

/// Why an HF folder could not become an ONNX folder.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.words(Language::English))]
pub enum OnnxError {
    Model(#[from] ModelError),
    /// `config.json` names no `BertFor{Sequence,Token}Classification`: a base model has no head
    /// to export.
    NoTask,
}

impl OnnxError {
    pub fn words(&self, language: Language) -> String {
        match self {
            Self::Model(e) => tr!(language, "core.onnx.model", why = e),
            Self::NoTask => tr!(language, "core.onnx.no-task"),
        }
    }
}

/// The files of a Transformers.js model folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnnxFolder {
    #[serde(with = "serde_bytes")]
    pub config_json: Vec<u8>,
    #[serde(with = "serde_bytes")]
    pub tokenizer_json: Vec<u8>,
    #[serde(with = "serde_bytes")]
    pub tokenizer_config_json: Vec<u8>,
    #[serde(with = "serde_bytes")]
    pub model_onnx: Vec<u8>,
    #[serde(with = "serde_bytes")]
    pub model_quantized_onnx: Vec<u8>,
}

impl OnnxFolder {
    pub const TOKENIZER_CONFIG: &'static str = "tokenizer_config.json";
    pub const MODEL: &'static str = "onnx/model.onnx";
    pub const MODEL_QUANTIZED: &'static str = "onnx/model_quantized.onnx";

    /// Every file by its `/`-separated path in the folder.
    pub fn files(&self) -> [(&'static str, &[u8]); 5] {
        [
            (ModelFiles::CONFIG, &self.config_json),
            (ModelFiles::TOKENIZER, &self.tokenizer_json),
            (Self::TOKENIZER_CONFIG, &self.tokenizer_config_json),
            (Self::MODEL, &self.model_onnx),
            (Self::MODEL_QUANTIZED, &self.model_quantized_onnx),
        ]
    }
}

/// The ONNX folder of a fine-tuned HF folder (an export of Tunelab's, or any
/// `BertFor{Sequence,Token}Classification` checkpoint).
pub fn onnx_folder(files: &ModelFiles) -> Result<OnnxFolder, OnnxError> {
    let task = Task::from_config_json(&files.config_json).ok_or(OnnxError::NoTask)?;
    let config = BertConfig::from_json_bytes(&files.config_json)?;
    let labels = match config.labels.len() {
        0 => return Err(OnnxError::NoTask),
        n => n,
    };
    let mut weights = WeightMap::from_safetensors(&files.model_safetensors)?;
    let mut graph = |precision| -> Result<Vec<u8>, OnnxError> {
        Ok(bert_graph(&config, task, labels, &mut weights, precision)?.encode_to_vec())
    };
    Ok(OnnxFolder {
        config_json: files.config_json.clone(),
        tokenizer_json: files.tokenizer_json.clone(),
        tokenizer_config_json: tokenizer_config(&files.tokenizer_json, &config),
        model_onnx: graph(Precision::Fp32)?,
        model_quantized_onnx: graph(Precision::Int8)?,
    })
}

/// The `tokenizer_config.json` that Transformers.js and `AutoTokenizer` read beside
/// `tokenizer.json`: the tokenizer's class, casing, length limit and special tokens, as
/// `tokenizer.json` has them.
fn tokenizer_config(tokenizer_json: &[u8], config: &BertConfig) -> Vec<u8> {
    let tokenizer: Value = serde_json::from_slice(tokenizer_json).unwrap_or(Value::Null);
    let lowercase = tokenizer["normalizer"]["lowercase"].as_bool().unwrap_or(false);
    let special: Vec<&str> = tokenizer["added_tokens"]
        .as_array()
        .map(|tokens| tokens.iter().filter(|t| t["special"] == true).filter_map(|t| t["content"].as_str()).collect())
        .unwrap_or_default();
    let mut out = json!({
        "tokenizer_class": "BertTokenizer",
        "do_lower_case": lowercase,
        "model_max_length": config.max_position_embeddings,
    });
    for (role, token) in [
        ("cls_token", "[CLS]"),
        ("sep_token", "[SEP]"),
        ("pad_token", "[PAD]"),
        ("unk_token", "[UNK]"),
        ("mask_token", "[MASK]"),
    ] {
        if special.contains(&token) {
            out[role] = json!(token);
        }
    }
    serde_json::to_vec_pretty(&out).unwrap_or_default()
}
