//! BERT (HF `BertModel`) in burn, its task heads, and HF weight mapping.

mod activation;
mod attention;
mod bert;
mod classifier;
mod config;
pub mod cpu_add_norm;
mod cpu_attention;
mod cpu_embedding;
pub mod cpu_fused;
mod cpu_linear;
pub mod dropout;
mod embeddings;
mod from_config;
mod init;
mod layer;
mod lora;
mod peft;
mod weights;

pub use activation::{gelu_exact, gelu_tanh, tanh};
pub use bert::{BatchInput, Bert};
pub use classifier::{Classifier, LoadReport, Task};
pub use config::{Activation, BertConfig};
pub use from_config::initial_weights;
pub use lora::{LoraSpec, LoraTarget, LowRank, Projection};
pub use peft::{adapter_files, attach_adapter, AdapterFiles};
pub use weights::{HostTensor, WeightMap, ROW_SCALES};

/// Why a model could not be built, loaded or saved.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("config.json is not valid JSON: {0}")]
    ConfigJson(String),
    #[error("config.json has model_type `{0}`; Tunelab fine-tunes BERT models only (model_type `bert`)")]
    UnsupportedModelType(String),
    #[error("config.json field `{field}`: {problem}")]
    ConfigField { field: &'static str, problem: String },
    #[error("model.safetensors is not a valid safetensors file: {0}")]
    Safetensors(String),
    #[error("model.safetensors has no tensor `{0}` (is this a BERT checkpoint of the same config?)")]
    MissingWeight(String),
    #[error("model.safetensors tensor `{name}` has shape {found:?}, config.json implies {expected:?}")]
    WeightShape { name: String, expected: Vec<usize>, found: Vec<usize> },
    #[error("the dataset has no labels to learn")]
    NoLabels,
    #[error("the LoRA adapter cannot be used: {0}")]
    Adapter(String),
    #[error("device error: {0}")]
    Device(String),
}
