//! The subset of a Hugging Face `config.json` that a BERT encoder needs.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::ModelError;

/// Activation inside each feed-forward block, named as in `config.json`'s `hidden_act`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activation {
    /// HF `gelu`: the exact erf form.
    Gelu,
    /// HF `gelu_new` / `gelu_pytorch_tanh`: the tanh approximation.
    GeluTanh,
    Relu,
}

/// A BERT configuration read from `config.json`; the whole JSON object is kept so that an
/// export writes back every field the source model had, plus the labels.
#[derive(Debug, Clone, PartialEq)]
pub struct BertConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub hidden_act: Activation,
    pub hidden_dropout_prob: f64,
    pub attention_probs_dropout_prob: f64,
    /// HF's `classifier_dropout`, falling back to `hidden_dropout_prob` when null or absent.
    pub classifier_dropout: Option<f64>,
    pub max_position_embeddings: usize,
    pub type_vocab_size: usize,
    pub layer_norm_eps: f64,
    pub initializer_range: f64,
    /// Labels from `id2label`, in id order; empty for a bare encoder.
    pub labels: Vec<String>,
    raw: Map<String, Value>,
}

impl BertConfig {
    /// Parses `config.json`; refuses any `model_type` other than `bert`, naming it.
    pub fn from_json_bytes(bytes: &[u8]) -> Result<Self, ModelError> {
        let value: Value = serde_json::from_slice(bytes).map_err(|e| ModelError::ConfigJson(e.to_string()))?;
        let Value::Object(raw) = value else {
            return Err(ModelError::ConfigJson("config.json is not a JSON object".into()));
        };
        match raw.get("model_type").and_then(Value::as_str) {
            Some("bert") => {}
            Some(other) => return Err(ModelError::UnsupportedModelType(other.to_string())),
            None => return Err(ModelError::ConfigField { field: "model_type", problem: "missing".into() }),
        }
        let usize_field = |field: &'static str, default: Option<usize>| -> Result<usize, ModelError> {
            match raw.get(field) {
                Some(v) => v.as_u64().map(|n| n as usize).filter(|&n| n > 0).ok_or_else(|| ModelError::ConfigField {
                    field,
                    problem: format!("expected a positive integer, found {v}"),
                }),
                None => default.ok_or(ModelError::ConfigField { field, problem: "missing".into() }),
            }
        };
        let f64_field = |field: &'static str, default: f64| -> Result<f64, ModelError> {
            match raw.get(field) {
                None | Some(Value::Null) => Ok(default),
                Some(v) => v
                    .as_f64()
                    .ok_or_else(|| ModelError::ConfigField { field, problem: format!("expected a number, found {v}") }),
            }
        };
        let hidden_act = match raw.get("hidden_act").and_then(Value::as_str).unwrap_or("gelu") {
            "gelu" => Activation::Gelu,
            "gelu_new" | "gelu_pytorch_tanh" | "gelu_fast" => Activation::GeluTanh,
            "relu" => Activation::Relu,
            other => {
                return Err(ModelError::ConfigField {
                    field: "hidden_act",
                    problem: format!("unsupported activation `{other}`"),
                })
            }
        };
        if let Some(kind) = raw.get("position_embedding_type").and_then(Value::as_str) {
            if kind != "absolute" {
                return Err(ModelError::ConfigField {
                    field: "position_embedding_type",
                    problem: format!("only `absolute` is supported, found `{kind}`"),
                });
            }
        }
        let config = Self {
            vocab_size: usize_field("vocab_size", None)?,
            hidden_size: usize_field("hidden_size", None)?,
            num_hidden_layers: usize_field("num_hidden_layers", None)?,
            num_attention_heads: usize_field("num_attention_heads", None)?,
            intermediate_size: usize_field("intermediate_size", None)?,
            hidden_act,
            hidden_dropout_prob: f64_field("hidden_dropout_prob", 0.1)?,
            attention_probs_dropout_prob: f64_field("attention_probs_dropout_prob", 0.1)?,
            classifier_dropout: match raw.get("classifier_dropout") {
                None | Some(Value::Null) => None,
                Some(_) => Some(f64_field("classifier_dropout", 0.1)?),
            },
            max_position_embeddings: usize_field("max_position_embeddings", Some(512))?,
            type_vocab_size: usize_field("type_vocab_size", Some(2))?,
            layer_norm_eps: f64_field("layer_norm_eps", 1e-12)?,
            initializer_range: f64_field("initializer_range", 0.02)?,
            labels: read_labels(&raw)?,
            raw,
        };
        if config.hidden_size % config.num_attention_heads != 0 {
            return Err(ModelError::ConfigField {
                field: "num_attention_heads",
                problem: format!(
                    "hidden_size {} is not a multiple of {}",
                    config.hidden_size, config.num_attention_heads
                ),
            });
        }
        Ok(config)
    }

    /// Parameters of the encoder with its pooler, from the shapes alone (before any weights
    /// are read), counted as `num_parameters()` counts them in transformers.
    pub fn encoder_params(&self) -> usize {
        let (h, i) = (self.hidden_size, self.intermediate_size);
        let norm = 2 * h;
        let embeddings = (self.vocab_size + self.max_position_embeddings + self.type_vocab_size) * h + norm;
        let attention = 4 * (h * h + h) + norm;
        let feed_forward = (h * i + i) + (i * h + h) + norm;
        let pooler = h * h + h;
        embeddings + self.num_hidden_layers * (attention + feed_forward) + pooler
    }

    /// Bytes of the largest weight (the word embeddings), which must fit one GPU buffer.
    pub fn largest_tensor_bytes(&self) -> u64 {
        let (h, i) = (self.hidden_size as u64, self.intermediate_size as u64);
        (self.vocab_size as u64 * h).max(h * i) * 4
    }

    pub fn head_dim(&self) -> usize {
        self.hidden_size / self.num_attention_heads
    }

    /// Dropout of the classification head, as HF resolves it.
    pub fn head_dropout(&self) -> f64 {
        self.classifier_dropout.unwrap_or(self.hidden_dropout_prob)
    }

    /// Sets every dropout probability (the recipe's `dropout`, or 0 for exact comparisons).
    pub fn set_dropout(&mut self, p: f64) {
        self.hidden_dropout_prob = p;
        self.attention_probs_dropout_prob = p;
        self.classifier_dropout = None;
        for key in ["hidden_dropout_prob", "attention_probs_dropout_prob"] {
            self.raw.insert(key.into(), Value::from(p));
        }
        self.raw.insert("classifier_dropout".into(), Value::Null);
    }

    /// `config.json` for an exported fine-tuned model: the source fields plus
    /// `architectures`, `id2label`, `label2id` and `num_labels`.
    pub fn to_export_json(&self, architecture: &str, labels: &[String]) -> String {
        let mut raw = self.raw.clone();
        raw.insert("architectures".into(), Value::from(vec![architecture]));
        let id2label: Map<String, Value> =
            labels.iter().enumerate().map(|(i, l)| (i.to_string(), Value::from(l.as_str()))).collect();
        let label2id: Map<String, Value> =
            labels.iter().enumerate().map(|(i, l)| (l.clone(), Value::from(i))).collect();
        raw.insert("id2label".into(), Value::Object(id2label));
        raw.insert("label2id".into(), Value::Object(label2id));
        raw.insert("num_labels".into(), Value::from(labels.len()));
        raw.insert("model_type".into(), Value::from("bert"));
        raw.remove("_name_or_path");
        serde_json::to_string_pretty(&Value::Object(raw)).unwrap_or_default()
    }
}

fn read_labels(raw: &Map<String, Value>) -> Result<Vec<String>, ModelError> {
    let Some(Value::Object(id2label)) = raw.get("id2label") else {
        return Ok(Vec::new());
    };
    let mut pairs = Vec::with_capacity(id2label.len());
    for (id, label) in id2label {
        let id: usize = id.parse().map_err(|_| ModelError::ConfigField {
            field: "id2label",
            problem: format!("key `{id}` is not an integer"),
        })?;
        let label = label.as_str().ok_or_else(|| ModelError::ConfigField {
            field: "id2label",
            problem: format!("label for id {id} is not a string"),
        })?;
        pairs.push((id, label.to_string()));
    }
    pairs.sort();
    if pairs.iter().enumerate().any(|(i, (id, _))| i != *id) {
        return Err(ModelError::ConfigField { field: "id2label", problem: "ids are not 0..n".into() });
    }
    // HF writes LABEL_0, LABEL_1 for an encoder that has no head: that is no label set.
    let generic = pairs.iter().all(|(i, l)| *l == format!("LABEL_{i}"));
    let bare = raw
        .get("architectures")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().all(|v| v.as_str() == Some("BertModel")));
    if generic && bare {
        return Ok(Vec::new());
    }
    Ok(pairs.into_iter().map(|(_, l)| l).collect())
}
