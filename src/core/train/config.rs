use serde::{Deserialize, Serialize};

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
    /// Batch sequences of similar length together (HF's `group_by_length`): less padding, so
    /// more real tokens per second; batches are less random.
    pub group_by_length: bool,
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
            group_by_length: false,
        }
    }
}

/// A setting outside the range it can work in.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field} = {value}: {expected}")]
pub struct ConfigError {
    pub field: &'static str,
    pub value: String,
    pub expected: &'static str,
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
    pub fn plan(&self, n_train: usize) -> Result<TrainPlan, ConfigError> {
        let check = |ok: bool, field: &'static str, value: String, expected: &'static str| {
            if ok {
                Ok(())
            } else {
                Err(ConfigError { field, value, expected })
            }
        };
        check((1..=1000).contains(&self.epochs), "epochs", self.epochs.to_string(), "between 1 and 1000")?;
        check(
            self.learning_rate > 0.0 && self.learning_rate <= 1.0,
            "learning rate",
            self.learning_rate.to_string(),
            "in (0, 1]",
        )?;
        check((1..=1024).contains(&self.batch_size), "batch size", self.batch_size.to_string(), "between 1 and 1024")?;
        check((8..=512).contains(&self.max_len), "max length", self.max_len.to_string(), "between 8 and 512")?;
        check((0.0..1.0).contains(&self.weight_decay), "weight decay", self.weight_decay.to_string(), "in [0, 1)")?;
        check((0.0..=1.0).contains(&self.warmup_ratio), "warmup ratio", self.warmup_ratio.to_string(), "in [0, 1]")?;
        check((0.0..1.0).contains(&self.dropout), "dropout", self.dropout.to_string(), "in [0, 1)")?;
        check(
            self.max_grad_norm >= 0.0 && self.max_grad_norm.is_finite(),
            "max grad norm",
            self.max_grad_norm.to_string(),
            "0 (off) or positive",
        )?;
        check((0.0..1.0).contains(&self.beta1), "beta1", self.beta1.to_string(), "in [0, 1)")?;
        check((0.0..1.0).contains(&self.beta2), "beta2", self.beta2.to_string(), "in [0, 1)")?;
        check(self.epsilon > 0.0, "epsilon", self.epsilon.to_string(), "positive")?;
        check(
            (1..=1024).contains(&self.grad_accumulation),
            "gradient accumulation",
            self.grad_accumulation.to_string(),
            "between 1 and 1024",
        )?;
        check(self.early_stopping_patience != Some(0), "early stopping patience", "0".into(), "at least 1 epoch")?;
        check(n_train > 0, "training examples", n_train.to_string(), "at least 1")?;
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
