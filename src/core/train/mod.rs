//! Fine-tuning: the recipe's settings, the optimizer and schedule, batching, and the loop.

pub mod advice;
pub mod batch;
mod checkpoint;
mod config;
mod events;
mod labels;
pub mod loss;
mod memory_plan;
mod optimizer;
mod settings;
mod trainer;

pub use advice::{small_data_advice, Advice};
pub use checkpoint::{BestSoFar, Checkpoint, CheckpointError, EpochPlace};
pub use config::{ConfigError, TrainConfig, TrainPlan};
pub use events::{Control, EpochSummary, Flow, RunToEnd, StepProgress, StopAfter, TrainEvent};
pub use labels::label_list;
pub use memory_plan::{
    fit_batch, fit_batch_to_binding, halve_batch, is_allocation_failure, BatchFit, MemoryEstimate, TrainedShape,
};
pub use optimizer::{
    bias_and_norm_params, global_grad_norm, AdamW, AdamWSettings, OptimizerError, ParamMoments, SavedMoments,
};
pub use settings::{Bounds, Field, Setting, SettingError, Value, SETTINGS};
pub use trainer::{encode_examples, resume, train, TrainError, TrainOutcome, DIVERGED_LOSS};
