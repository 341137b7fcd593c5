use burn::nn::Linear;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::bert::{BatchInput, Bert};
use super::cpu_linear;
use super::dropout::Dropout;
use super::lora::{LoraSpec, LoraTarget, LowRank};
use super::weights::{WeightMap, WeightWriter};
use super::{BertConfig, ModelError};
use crate::core::rng::Rng;
use crate::i18n::Language;

/// What the head predicts: one label per sequence, or one per token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// HF `BertForSequenceClassification`: pooler → dropout → linear.
    Cls,
    /// HF `BertForTokenClassification`: dropout → linear on every token.
    Ner,
}

impl Task {
    pub fn architecture(self) -> &'static str {
        match self {
            Task::Cls => "BertForSequenceClassification",
            Task::Ner => "BertForTokenClassification",
        }
    }

    /// The task of an already fine-tuned checkpoint, read from its config's `architectures`;
    /// `None` for a base model (or a config that is not JSON).
    pub fn from_config_json(config_json: &[u8]) -> Option<Task> {
        let value: serde_json::Value = serde_json::from_slice(config_json).ok()?;
        value["architectures"].as_array()?.iter().find_map(|a| match a.as_str()? {
            "BertForSequenceClassification" => Some(Task::Cls),
            "BertForTokenClassification" => Some(Task::Ner),
            _ => None,
        })
    }
}

impl Task {
    /// What the task is called, in words.
    pub fn name(self, language: Language) -> String {
        let key = match self {
            Task::Cls => "core.task.cls",
            Task::Ner => "core.task.ner",
        };
        crate::i18n::text(language, key, &[])
    }
}

impl std::fmt::Display for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name(Language::English))
    }
}

/// Mixed into the run's seed for a pooler the checkpoint lacks.
const POOLER_STREAM: u64 = 0x9001;
/// Mixed into the run's seed for fresh LoRA adapters.
const LORA_STREAM: u64 = 0x10_4A;

/// A BERT encoder with a classification head.
#[derive(Module, Debug)]
pub struct Classifier {
    pub bert: Bert,
    pub dropout: Dropout,
    pub classifier: Linear,
    #[module(skip)]
    pub task: Task,
}

/// What loading found in the checkpoint beyond what the model needed, and what it lacked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadReport {
    /// Initialised fresh (a new head, or a pooler the checkpoint did not have).
    pub missing: Vec<String>,
    /// Present in the file and not used (e.g. an MLM head, or a pooler for token classification).
    pub unexpected: Vec<String>,
}

impl Classifier {
    /// Builds the model from safetensors bytes. The head is loaded when the checkpoint has one of
    /// the right size, otherwise initialised as HF does, from `seed`.
    pub fn load(
        config: &BertConfig,
        weights: &mut WeightMap,
        task: Task,
        num_labels: usize,
        load_head: bool,
        seed: u64,
        device: &Device,
    ) -> Result<(Self, LoadReport), ModelError> {
        if num_labels == 0 {
            return Err(ModelError::NoLabels);
        }
        // The pooler draws from its own stream of the run's seed, apart from the head's.
        let pooler_seed = (task == Task::Cls).then_some(seed ^ POOLER_STREAM);
        let bert = Bert::load(weights, config, pooler_seed, device)?;
        let h = config.hidden_size;
        let head = if load_head {
            let weight = weights.take_optional("classifier.weight", &[num_labels, h])?;
            let bias = weights.take_optional("classifier.bias", &[num_labels])?;
            weight.zip(bias).map(|(w, b)| super::weights::linear_from_hf(&w, &b, device))
        } else {
            weights.note_missing("classifier.weight");
            weights.note_missing("classifier.bias");
            None
        };
        let classifier =
            head.unwrap_or_else(|| super::init::linear(h, num_labels, config.initializer_range, seed, device));
        let report = LoadReport { missing: weights.missing(), unexpected: weights.unexpected() };
        let model = Self { bert, dropout: Dropout::new(config.head_dropout()), classifier, task };
        Ok((model, report))
    }

    /// Sequence task: `[batch, labels]`; token task: `[batch, seq, labels]` flattened to
    /// `[batch * seq, labels]` so both heads share one loss.
    pub fn logits(&self, input: BatchInput) -> Tensor<2> {
        let hidden = self.bert.forward(input);
        match self.task {
            Task::Cls => {
                let [batch, _, h] = hidden.dims();
                let pooled = self
                    .bert
                    .pool(hidden.clone())
                    .unwrap_or_else(|| hidden.slice([0..batch, 0..1]).reshape([batch, h]));
                cpu_linear::dense(&self.classifier, self.dropout.forward(pooled))
            }
            Task::Ner => {
                let [batch, seq, _] = hidden.dims();
                let logits = cpu_linear::dense(&self.classifier, self.dropout.forward(hidden));
                let labels = logits.dims()[2];
                logits.reshape([batch * seq, labels])
            }
        }
    }

    /// Safetensors bytes under the names `BertFor*` uses (`bert.` prefix, `classifier.*`), with
    /// any LoRA adapter folded into its weight: a plain HF model.
    pub async fn to_safetensors(&self) -> Result<Vec<u8>, ModelError> {
        self.write_safetensors(WeightWriter::default()).await
    }

    /// As [`Classifier::to_safetensors`], but the weights under adapters as loaded: the base an
    /// adapter folder ([`super::adapter_files`]) goes with.
    pub async fn to_base_safetensors(&self) -> Result<Vec<u8>, ModelError> {
        self.write_safetensors(WeightWriter::base_only()).await
    }

    async fn write_safetensors(&self, mut out: WeightWriter) -> Result<Vec<u8>, ModelError> {
        self.bert.save(&mut out, "bert.").await?;
        out.linear("classifier", &self.classifier).await?;
        out.into_safetensors()
    }

    /// The head alone (`classifier.weight`, `classifier.bias`), as safetensors.
    pub async fn head_safetensors(&self) -> Result<Vec<u8>, ModelError> {
        let mut out = WeightWriter::default();
        out.linear("classifier", &self.classifier).await?;
        out.into_safetensors()
    }

    /// Gives every encoder layer fresh adapters on `spec`'s targets, drawn from `seed`.
    pub fn attach_lora(&mut self, spec: &LoraSpec, seed: u64) {
        let device = self.classifier.weight.device();
        let mut seeds = Rng::new(seed ^ LORA_STREAM);
        for layer in &mut self.bert.layers {
            for &target in &spec.targets {
                let projection = layer.projection_mut(target);
                let [d_in, d_out] = projection.linear.weight.dims();
                projection.lora = Some(LowRank::fresh(d_in, d_out, spec, seeds.next_u64(), &device));
            }
        }
    }

    /// Folds every adapter into its weight.
    pub fn merge_adapters(&mut self) {
        for layer in &mut self.bert.layers {
            for target in LoraTarget::ALL {
                layer.projection_mut(target).merge();
            }
        }
    }

    /// The adapters the model carries, as peft would describe them; `None` without adapters.
    pub fn lora_spec(&self) -> Option<LoraSpec> {
        let mut found: Option<LoraSpec> = None;
        for layer in &self.bert.layers {
            for target in LoraTarget::ALL {
                let Some(lora) = &layer.projection(target).lora else { continue };
                let spec = found.get_or_insert_with(|| {
                    let rank = lora.rank();
                    LoraSpec {
                        rank,
                        alpha: lora.scaling * rank as f64,
                        dropout: lora.dropout.prob,
                        targets: Vec::new(),
                    }
                });
                if !spec.targets.contains(&target) {
                    spec.targets.push(target);
                }
            }
        }
        found
    }

    pub fn num_labels(&self) -> usize {
        self.classifier.weight.shape().dims::<2>()[1]
    }
}
