//! Settings for small data. The usual recipe (lr 5e-5, 3 epochs, batch 16) assumes thousands of
//! examples; on 150 it makes about 30 optimizer steps and the model learns to predict the most
//! common label. The bounds below come from the runs in the README's "Small data" section.

use super::config::{ConfigError, TrainConfig};

/// Datasets up to this many training examples count as small.
pub const SMALL_DATA: usize = 1_000;
/// Below this many optimizer steps, a small dataset rarely gets past the majority label.
pub const MIN_STEPS: usize = 100;
/// The learning rate that learned on every small set measured.
pub const SMALL_DATA_LEARNING_RATE: f64 = 2e-4;
/// The suggestion never plans more epochs than this.
pub const MAX_EPOCHS: usize = 30;

/// Settings that fit a small dataset better than the ones chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct Advice {
    pub planned_steps: usize,
    pub suggested: TrainConfig,
    pub suggested_steps: usize,
}

/// Advice for `config` on `n_train` examples, when the data is small and the plan is short.
pub fn small_data_advice(config: &TrainConfig, n_train: usize) -> Result<Option<Advice>, ConfigError> {
    let plan = config.plan(n_train)?;
    if n_train > SMALL_DATA || plan.total_steps >= MIN_STEPS {
        return Ok(None);
    }
    let mut suggested = config.clone();
    suggested.learning_rate = config.learning_rate.max(SMALL_DATA_LEARNING_RATE);
    suggested.epochs = MIN_STEPS.div_ceil(plan.steps_per_epoch).clamp(config.epochs, MAX_EPOCHS);
    let suggested_steps = suggested.plan(n_train)?.total_steps;
    Ok(Some(Advice { planned_steps: plan.total_steps, suggested, suggested_steps }))
}
