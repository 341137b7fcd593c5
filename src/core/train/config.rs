use crate::core::model::{LoraSpec, LoraTarget};
use crate::i18n::Language;
use serde::{Deserialize, Serialize};

use super::settings::{Field, SettingError, SETTINGS};

/// The user's training settings; defaults are DESIGN.md's recipe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainConfig {
    pub epochs: usize,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub max_len: usize,
    pub seed: u64,
    pub weight_decay: f64,
    /// Fraction of all optimizer steps spent warming the learning rate up from 0.
    pub warmup_ratio: f64,
    pub dropout: f64,
    /// Global gradient-norm clip; 0 turns clipping off.
    pub max_grad_norm: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub epsilon: f64,
    /// Batches whose gradients are summed before one optimizer step.
    pub grad_accumulation: usize,
    /// Stop after this many epochs without a better dev metric; `None` never stops early.
    pub early_stopping_patience: Option<usize>,
    /// Whether biases and LayerNorm weights are exempt from weight decay (HF Trainer does this;
    /// torch's plain AdamW does not).
    pub exempt_bias_and_norm_from_decay: bool,
    /// Shuffle the training set every epoch (off only for exact comparisons).
    pub shuffle: bool,
    /// Leave the embeddings (word, position, token type, their LayerNorm) as they are: about
    /// half of a small BERT's parameters, so each step skips their gradient and update.
    pub freeze_embeddings: bool,
    /// Leave the bottom this many encoder layers as loaded (the embeddings too, with
    /// `freeze_embeddings`): the lower layers hold general features, the upper ones adapt.
    pub frozen_layers: usize,
    /// Train the head only (a linear probe): the whole encoder, pooler included, stays as loaded.
    pub freeze_encoder: bool,
    /// Batch sequences of similar length together (HF's `group_by_length`): less padding, so
    /// more real tokens per second; batches are less random.
    pub group_by_length: bool,
    /// Train LoRA adapters of this rank beside a frozen encoder (peft's `r`); `None` trains
    /// the weights themselves.
    pub lora_rank: Option<usize>,
    /// peft's `lora_alpha`: the adapters' update is scaled by `lora_alpha / r`.
    pub lora_alpha: f64,
    /// peft's `lora_dropout`, on the adapters' input.
    pub lora_dropout: f64,
    /// Adapters on every linear layer of the encoder, not only the attention's query and value.
    pub lora_all_linear: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 3,
            learning_rate: 5e-5,
            batch_size: 16,
            max_len: 128,
            seed: 42,
            weight_decay: 0.01,
            warmup_ratio: 0.1,
            dropout: 0.1,
            max_grad_norm: 1.0,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
            grad_accumulation: 1,
            early_stopping_patience: None,
            exempt_bias_and_norm_from_decay: true,
            shuffle: true,
            freeze_embeddings: false,
            frozen_layers: 0,
            freeze_encoder: false,
            group_by_length: false,
            lora_rank: None,
            lora_alpha: 16.0,
            lora_dropout: 0.1,
            lora_all_linear: false,
        }
    }
}

/// Why settings cannot train on the data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Setting(#[from] SettingError),
    #[error("{}", self.words(Language::English))]
    NoTrainingExamples,
    #[error("{}", self.words(Language::English))]
    LoraWithFrozenEncoder,
}

impl ConfigError {
    pub fn words(&self, language: Language) -> String {
        match self {
            Self::Setting(e) => e.words(language),
            Self::NoTrainingExamples => crate::i18n::text(language, "settings.error.no-training-examples", &[]),
            Self::LoraWithFrozenEncoder => crate::i18n::text(language, "settings.error.lora-with-frozen-encoder", &[]),
        }
    }

    /// The setting at fault, if one is.
    pub fn field(&self) -> Option<Field> {
        match self {
            Self::Setting(e) => Some(e.field()),
            Self::NoTrainingExamples => None,
            Self::LoraWithFrozenEncoder => Some(Field::Lora),
        }
    }
}

/// Settings checked against the data, with the step counts worked out before training starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainPlan {
    pub config: TrainConfig,
    pub n_train: usize,
    pub batches_per_epoch: usize,
    pub steps_per_epoch: usize,
    pub total_steps: usize,
    pub warmup_steps: usize,
}

impl TrainConfig {
    /// The adapters to train, when LoRA is on.
    pub fn lora_spec(&self) -> Option<LoraSpec> {
        let targets = if self.lora_all_linear { LoraTarget::ALL.to_vec() } else { LoraSpec::QUERY_VALUE.to_vec() };
        self.lora_rank.map(|rank| LoraSpec { rank, alpha: self.lora_alpha, dropout: self.lora_dropout, targets })
    }

    /// The same run at a smaller batch with more accumulation, as a memory plan or an
    /// out-of-memory answer cuts it: the effective batch and the optimizer steps stay.
    pub fn with_batch(self, batch_size: usize, grad_accumulation: usize) -> TrainConfig {
        TrainConfig { batch_size, grad_accumulation, ..self }
    }

    /// Every setting against its bounds (`SETTINGS`).
    pub fn validate(&self) -> Result<(), SettingError> {
        SETTINGS.iter().try_for_each(|setting| setting.check(self))
    }

    /// The settings checked, and the step counts worked out for `n_train` examples: the one
    /// validation a run goes through (`train` takes the plan).
    pub fn plan(&self, n_train: usize) -> Result<TrainPlan, ConfigError> {
        self.validate()?;
        if self.lora_rank.is_some() && self.freeze_encoder {
            return Err(ConfigError::LoraWithFrozenEncoder);
        }
        if n_train == 0 {
            return Err(ConfigError::NoTrainingExamples);
        }
        let batches_per_epoch = n_train.div_ceil(self.batch_size);
        let steps_per_epoch = batches_per_epoch.div_ceil(self.grad_accumulation);
        let total_steps = steps_per_epoch * self.epochs;
        // HF: warmup_steps = ceil(warmup_ratio * total_steps).
        let warmup_steps = (self.warmup_ratio * total_steps as f64).ceil() as usize;
        Ok(TrainPlan { config: self.clone(), n_train, batches_per_epoch, steps_per_epoch, total_steps, warmup_steps })
    }
}

impl TrainPlan {
    /// HF's `get_linear_schedule_with_warmup`: linear ramp over the warmup steps, then linear
    /// decay to 0 at the last step. `step` counts optimizer steps from 0.
    pub fn learning_rate(&self, step: usize) -> f64 {
        let lr = self.config.learning_rate;
        if step < self.warmup_steps {
            return lr * step as f64 / self.warmup_steps.max(1) as f64;
        }
        let remaining = self.total_steps.saturating_sub(step) as f64;
        let decay_span = self.total_steps.saturating_sub(self.warmup_steps).max(1) as f64;
        lr * (remaining / decay_span).max(0.0)
    }
}
