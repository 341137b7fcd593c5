use serde::{Deserialize, Serialize};

use super::TrainPlan;
use crate::core::evaluate::{EvalReport, Predictions};

/// Progress after one optimizer step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepProgress {
    /// 1-based epoch.
    pub epoch: usize,
    /// Optimizer steps done, 1-based.
    pub step: usize,
    pub total_steps: usize,
    pub loss: f32,
    /// The learning rate this step used.
    pub learning_rate: f64,
    /// Real (non-padding) tokens per second since training started.
    pub tokens_per_s: f64,
    /// Real (non-padding) tokens trained on since training started.
    #[serde(default)]
    pub tokens: usize,
    pub elapsed_s: f64,
    pub eta_s: f64,
    /// Bytes the device's allocator holds after this step, where the backend reports it (the
    /// GPU backends do; the CPU backend does not). Its maximum is the run's memory high-water mark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_memory_bytes: Option<u64>,
}

/// The end of an epoch: mean training loss and the dev evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochSummary {
    pub epoch: usize,
    pub train_loss: f32,
    /// Time spent training in this epoch, evaluation excluded.
    pub train_seconds: f64,
    /// Real (non-padding) tokens trained on in this epoch.
    pub train_tokens: usize,
    pub train_sequences: usize,
    pub dev: Option<EvalReport>,
    /// What the model predicted for each dev example, in the dev set's order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dev_predictions: Option<Predictions>,
    pub elapsed_s: f64,
}

/// Everything the training loop reports, as plain data (the browser sends it across a worker).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TrainEvent {
    Started {
        plan: TrainPlan,
        truncated_examples: usize,
        /// Every parameter of the model as it trains, LoRA's adapters included.
        parameters: usize,
        /// The parameters this run updates: all of them but what the settings freeze.
        trainable_parameters: usize,
    },
    Step(StepProgress),
    Epoch(EpochSummary),
    /// Training stopped early: the dev metric has not improved for `patience` epochs.
    EarlyStopped {
        epoch: usize,
        best_epoch: usize,
        patience: usize,
    },
    /// Training stopped because the controller asked it to.
    Cancelled {
        step: usize,
    },
    Finished {
        steps: usize,
        train_seconds: f64,
        train_tokens_per_s: f64,
    },
}

/// What the loop's controller decides between two steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

/// Asked between optimizer steps: a controller may pause by not answering yet (await a
/// resume message), or stop training.
pub trait Control {
    fn between_steps(&mut self) -> impl std::future::Future<Output = Flow>;

    /// Whether to take a checkpoint now: after optimizer step `step`, or at the end of an
    /// epoch (after its evaluation). Taking one reads every weight and moment back.
    fn wants_checkpoint(&mut self, _step: usize, _epoch_end: bool) -> bool {
        false
    }

    /// Receives the checkpoint asked for by [`Control::wants_checkpoint`].
    fn checkpoint(&mut self, _checkpoint: super::Checkpoint) {}
}

/// A controller that never pauses or stops.
#[derive(Debug, Default, Clone, Copy)]
pub struct RunToEnd;

impl Control for RunToEnd {
    async fn between_steps(&mut self) -> Flow {
        Flow::Continue
    }
}

/// A controller that stops after a number of optimizer steps (benchmarks on slow devices).
#[derive(Debug, Clone, Copy)]
pub struct StopAfter {
    pub steps: usize,
    done: usize,
}

impl StopAfter {
    pub fn new(steps: usize) -> Self {
        Self { steps, done: 0 }
    }
}

impl Control for StopAfter {
    async fn between_steps(&mut self) -> Flow {
        self.done += 1;
        if self.done >= self.steps {
            Flow::Stop
        } else {
            Flow::Continue
        }
    }
}
