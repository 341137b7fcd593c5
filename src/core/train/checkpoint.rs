//! A run's state between two steps: enough for a fresh model and optimizer to go on as if the
//! run never stopped (on the CPU backend, bit for bit: the GPU backends draw dropout from their
//! own generator, which a checkpoint cannot hold).
//!
//! Everything is plain data and raw bytes, so a checkpoint can leave a worker that may crash
//! and wait in the page or in storage.

use serde::{Deserialize, Serialize};

use super::events::EpochSummary;
use super::optimizer::SavedMoments;
use crate::core::model::AdapterFiles;
use crate::core::rng::Rng;
use crate::core::task_model::ModelFiles;

/// A checkpoint that could not be written to or read from bytes.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("the checkpoint could not be written: {0}")]
    Write(String),
    #[error("the checkpoint is damaged or from another version: {0}")]
    Read(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The weights as a Hugging Face folder (what `TaskModel::load` reads back).
    pub files: ModelFiles,
    pub moments: SavedMoments,
    /// The training examples the run was on (a checkpoint only goes on with the same data).
    pub n_train: usize,
    /// Optimizer steps done.
    pub step: usize,
    /// The epoch to go on with (1-based), and where in it.
    pub epoch: usize,
    pub place: EpochPlace,
    /// The data order's generator, and the CPU dropout masks' (`dropout::state`).
    pub rng: Rng,
    pub dropout: u64,
    /// Real tokens trained on so far, and training seconds so far (evaluation excluded).
    pub tokens_seen: usize,
    pub train_seconds: f64,
    /// The epochs finished.
    pub epochs: Vec<EpochSummary>,
    /// With early stopping: the best dev score, its epoch and its weights (`model.safetensors`,
    /// and its adapter with LoRA).
    pub best: Option<BestSoFar>,
    /// With LoRA: the adapters and head, over `files`' weights as loaded.
    #[serde(default)]
    pub adapter: Option<AdapterFiles>,
}

/// Where a checkpoint stands inside its epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum EpochPlace {
    /// Before the epoch's first step: its order is drawn on resuming.
    Start,
    /// After `groups_done` of the epoch's optimizer steps.
    Within {
        order: Vec<usize>,
        groups_done: usize,
        /// The epoch's loss sum and step count so far, and the tokens seen when it began.
        loss_sum: f64,
        steps: usize,
        tokens_before: usize,
        /// Seconds the epoch had trained.
        seconds: f64,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BestSoFar {
    pub score: f64,
    pub epoch: usize,
    #[serde(with = "serde_bytes")]
    pub model_safetensors: Vec<u8>,
    #[serde(default)]
    pub adapter: Option<AdapterFiles>,
}

impl Checkpoint {
    /// One buffer, to cross to the page and into storage.
    pub fn to_bytes(&self) -> Result<Vec<u8>, CheckpointError> {
        let mut bytes = Vec::new();
        ciborium::into_writer(self, &mut bytes).map_err(|e| CheckpointError::Write(e.to_string()))?;
        Ok(bytes)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CheckpointError> {
        ciborium::from_reader(bytes).map_err(|e| CheckpointError::Read(e.to_string()))
    }
}
