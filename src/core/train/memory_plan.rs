//! The device memory a run needs, worked out before it starts, and the batch that fits.
//!
//! A run holds the weights twice (the step's and the last good ones, put back after a diverged
//! step), a gradient and AdamW's two moments for each trainable parameter, and what the
//! backward pass keeps of every trained layer at batch × max length: per layer and token, about
//! 14 hidden-size vectors (Q, K and V, the attention's context and output, the dropout masks,
//! the LayerNorms' inputs and statistics) and 6 intermediate-size ones (the feed-forward input
//! to GELU, GELU's own terms, its output), plus 3 attention maps per head (softmax's output,
//! its dropout mask, the dropped probabilities). The counts are calibrated on the allocator's
//! high-water mark on an H200 (MiniLM-L6, length 128, `bench/results/h200-2026-12-04.json`):
//! 1,330 MB estimated for 1,342 measured at batch 16 and 4,030 for 4,068 at batch 64 with
//! fusion; the build without fusion peaked at 1,252 and 3,780. On the CPU backend GELU,
//! softmax, LayerNorm, the dense layers and attention's core are one step of our own each
//! (`model/cpu_*.rs`), which keep only what their backward reads: 10 hidden-size vectors, 2
//! intermediate-size ones and 2 maps per head, calibrated on the CPU heap's peak
//! (`tests/memory.rs`).
//!
//! When a limit is known and the run does not fit under 90 % of it, the batch is cut to the
//! largest divisor of itself that fits, and gradient accumulation grows by the same factor:
//! the effective batch, and so the recipe, stay the same.

use serde::{Deserialize, Serialize};

use burn::prelude::Device;

use super::TrainConfig;
use crate::core::model::{cpu_fused, BertConfig, Task};

const F32: u64 = 4;

/// Hidden-size vectors, intermediate-size vectors and attention maps per head that the
/// backward pass keeps for each token (maps: per query position) of a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Kept {
    hidden: u64,
    intermediate: u64,
    maps: u64,
}

/// What the backward pass keeps in a trained layer, and in a layer it crosses with the weights
/// as loaded (LoRA's, or frozen layers under trained embeddings): those weights get no
/// gradient, so the inputs only their gradients need are not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Retention {
    trained: Kept,
    crossed: Kept,
}

/// burn's tensor ops, on every GPU. Crossed layers measured on the CPU heap's peak before the
/// fused passes (`tests/memory.rs`): counted as trained, the estimate stood 33 % above LoRA's.
const TENSOR_OPS: Retention = Retention {
    trained: Kept { hidden: 14, intermediate: 6, maps: 3 },
    crossed: Kept { hidden: 11, intermediate: 3, maps: 3 },
};

/// The CPU backend's fused passes (`model/cpu_fused.rs`, `cpu_linear.rs`, `cpu_attention.rs`):
/// chains' intermediate terms are not kept, attention keeps its probabilities and dropout
/// multipliers only, and a dense layer keeps its input only for its weight's gradient.
/// Calibrated on the CPU heap's peak (`tests/memory.rs`).
const FUSED_CPU: Retention = Retention {
    trained: Kept { hidden: 10, intermediate: 2, maps: 2 },
    crossed: Kept { hidden: 7, intermediate: 1, maps: 2 },
};

/// The share of a limit a run may plan for: the rest is for transient buffers (a backward
/// op's output before the saved inputs it used are freed) and the allocator's page rounding.
const HEADROOM: f64 = 0.9;

/// Bytes on the device at a step's peak, by what holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryEstimate {
    /// The weights, twice: the step's, and the last good ones kept to undo a diverged step.
    pub weights: u64,
    pub gradients: u64,
    /// AdamW's first and second moments.
    pub optimizer_state: u64,
    /// What the backward pass keeps, at batch × max length.
    pub activations: u64,
}

impl MemoryEstimate {
    pub fn total(&self) -> u64 {
        self.weights + self.gradients + self.optimizer_state + self.activations
    }
}

/// What a model's shape and the frozen settings leave to train.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrainedShape {
    pub parameters: u64,
    pub trainable: u64,
    /// Encoder layers the backward pass goes through.
    pub trained_layers: u64,
    /// Those of them whose weights stay as loaded (LoRA's, or frozen layers under trained
    /// embeddings): the backward pass crosses them to reach what trains below or inside.
    pub crossed_frozen_layers: u64,
    retention: Retention,
    hidden: u64,
    intermediate: u64,
    heads: u64,
}

impl TrainedShape {
    pub fn new(config: &BertConfig, task: Task, labels: usize, settings: &TrainConfig) -> Self {
        let (h, i) = (config.hidden_size as u64, config.intermediate_size as u64);
        let layers = config.num_hidden_layers as u64;
        let per_layer = 4 * (h * h + h) + 2 * h + (h * i + i) + (i * h + h) + 2 * h;
        let embeddings =
            (config.vocab_size + config.max_position_embeddings + config.type_vocab_size) as u64 * h + 2 * h;
        let pooler = if task == Task::Cls { h * h + h } else { 0 };
        let head = (h + 1) * labels as u64;
        let encoder = embeddings + layers * per_layer + pooler;
        let shape = |parameters, trainable, trained_layers, crossed_frozen_layers| Self {
            parameters,
            trainable,
            trained_layers,
            crossed_frozen_layers,
            retention: TENSOR_OPS,
            hidden: h,
            intermediate: i,
            heads: config.num_attention_heads as u64,
        };
        // LoRA: the encoder stays as loaded, the adapters train, and the backward pass goes
        // through every layer to reach them.
        if let Some(spec) = settings.lora_spec() {
            let adapters = spec.parameters(layers as usize, h as usize, i as usize) as u64;
            return shape(encoder + adapters + head, adapters + head, layers, layers);
        }
        let parameters = encoder + head;
        if settings.freeze_encoder {
            return shape(parameters, head, 0, 0);
        }
        let frozen_layers = (settings.frozen_layers as u64).min(layers);
        let frozen = frozen_layers * per_layer + if settings.freeze_embeddings { embeddings } else { 0 };
        // Trained embeddings under frozen layers: the backward pass crosses those to reach them.
        let (trained_layers, crossed) = match settings.freeze_embeddings {
            true => (layers - frozen_layers, 0),
            false => (layers, frozen_layers),
        };
        shape(parameters, parameters - frozen, trained_layers, crossed)
    }

    /// The same shape trained on `device`: the CPU backend's fused passes keep less.
    pub fn on(self, device: &Device) -> Self {
        let fused = cpu_fused::applies_on(&device.clone().autodiff());
        Self { retention: if fused { FUSED_CPU } else { TENSOR_OPS }, ..self }
    }

    /// The estimate for batches of `batch` sequences of `max_len` positions.
    pub fn estimate(&self, batch: usize, max_len: usize) -> MemoryEstimate {
        let tokens = (batch * max_len) as u64;
        let maps = batch as u64 * self.heads * (max_len * max_len) as u64;
        let kept = |k: Kept| tokens * (k.hidden * self.hidden + k.intermediate * self.intermediate) + k.maps * maps;
        let (trained, crossed) = (kept(self.retention.trained), kept(self.retention.crossed));
        let crossed_layers = self.crossed_frozen_layers.min(self.trained_layers);
        MemoryEstimate {
            weights: 2 * self.parameters * F32,
            gradients: self.trainable * F32,
            optimizer_state: 2 * self.trainable * F32,
            activations: ((self.trained_layers - crossed_layers) * trained + crossed_layers * crossed) * F32,
        }
    }

    /// The largest buffer a step allocates at batch × max length, which one storage binding
    /// must hold: a layer's attention scores (batch × heads × length²) or its feed-forward
    /// intermediate (batch × length × intermediate size).
    pub fn largest_activation(&self, batch: usize, max_len: usize) -> u64 {
        let (batch, length) = (batch as u64, max_len as u64);
        (batch * self.heads * length * length).max(batch * length * self.intermediate) * F32
    }
}

/// What the planner did with the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchFit {
    /// The settings' batch fits.
    Fits(MemoryEstimate),
    /// A smaller batch, with more accumulation for the same effective batch.
    Shrunk { batch: usize, grad_accumulation: usize, estimate: MemoryEstimate },
    /// Even one sequence at a time does not fit.
    TooLarge(MemoryEstimate),
}

/// The settings' batch against `limit_bytes`, cut to the largest divisor that fits if it
/// does not.
pub fn fit_batch(shape: &TrainedShape, settings: &TrainConfig, limit_bytes: u64) -> BatchFit {
    let budget = (limit_bytes as f64 * HEADROOM) as u64;
    cut_batch(shape, settings, |batch| shape.estimate(batch, settings.max_len).total() <= budget)
}

/// The settings' batch against the largest buffer the device binds (WebGPU's
/// `maxStorageBufferBindingSize`), cut to the largest divisor whose
/// [`TrainedShape::largest_activation`] it holds if it does not.
pub fn fit_batch_to_binding(shape: &TrainedShape, settings: &TrainConfig, max_binding: u64) -> BatchFit {
    cut_batch(shape, settings, |batch| shape.largest_activation(batch, settings.max_len) <= max_binding)
}

/// The settings' batch if `fits` it, else its largest divisor that does, with accumulation
/// grown to keep the effective batch.
fn cut_batch(shape: &TrainedShape, settings: &TrainConfig, fits: impl Fn(usize) -> bool) -> BatchFit {
    let batch = settings.batch_size.max(1);
    let estimate = |batch| shape.estimate(batch, settings.max_len);
    if fits(batch) {
        return BatchFit::Fits(estimate(batch));
    }
    match divisors_below(batch, batch).find(|&d| fits(d)) {
        Some(d) => BatchFit::Shrunk {
            batch: d,
            grad_accumulation: settings.grad_accumulation * (batch / d),
            estimate: estimate(d),
        },
        None => BatchFit::TooLarge(estimate(1)),
    }
}

/// The batch after an allocation failed mid-run: the largest divisor of the settings' batch
/// up to half of it, with accumulation grown by the same factor (the effective batch stays).
/// `None` at batch 1: nothing smaller is left.
pub fn halve_batch(settings: &TrainConfig) -> Option<(usize, usize)> {
    let batch = settings.batch_size.max(1);
    divisors_below(batch, batch / 2 + 1).next().map(|d| (d, settings.grad_accumulation * (batch / d)))
}

/// The divisors of `batch` below `bound`, largest first.
fn divisors_below(batch: usize, bound: usize) -> impl Iterator<Item = usize> {
    (1..bound.min(batch)).rev().filter(move |d| batch % d == 0)
}

/// The texts a failed device allocation reaches the worker's panic hook with: wgpu's
/// out-of-memory error, which cubecl's uncaptured-error handler panics with, and cubecl's own
/// refusal from its memory pools.
const ALLOCATION_FAILURES: [&str; 2] = ["wgpu error: Out of Memory", "out of device memory"];

/// Whether a panic's text says that the device could not allocate, rather than a bug: the
/// one crash a smaller batch answers.
pub fn is_allocation_failure(panic_text: &str) -> bool {
    ALLOCATION_FAILURES.iter().any(|failure| panic_text.contains(failure))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MiniLM-L6's shape.
    fn minilm() -> BertConfig {
        let json = r#"{"model_type": "bert", "vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 6,
            "num_attention_heads": 12, "intermediate_size": 1536, "max_position_embeddings": 512,
            "type_vocab_size": 2}"#;
        BertConfig::from_json_bytes(json.as_bytes()).expect("config")
    }

    const MB: f64 = 1024.0 * 1024.0;

    #[test]
    fn parameters_are_counted_as_the_model_has_them() {
        let settings = TrainConfig::default();
        // tunelab train on WNUT-17 (13 labels) prints 22,570,381 parameters.
        assert_eq!(TrainedShape::new(&minilm(), Task::Ner, 13, &settings).parameters, 22_570_381);
        let probe = TrainConfig { freeze_encoder: true, ..settings };
        // The head-only e2e: "Training 770 of the model's 22,713,986 parameters" (SST-2, 2 labels).
        let shape = TrainedShape::new(&minilm(), Task::Cls, 2, &probe);
        assert_eq!((shape.trainable, shape.parameters, shape.trained_layers), (770, 22_713_986, 0));
        // peft's print_trainable_parameters for LoRA r = 8 on query and value, two labels:
        // "trainable params: 74,498 || all params: 22,788,484", whose total counts the head
        // twice (the original and its modules_to_save copy, 770 each).
        let lora = TrainConfig { lora_rank: Some(8), ..TrainConfig::default() };
        let shape = TrainedShape::new(&minilm(), Task::Cls, 2, &lora);
        assert_eq!((shape.trainable, shape.parameters, shape.trained_layers), (74_498, 22_787_714, 6));
    }

    #[test]
    fn the_estimate_is_near_the_allocator_peak_measured_on_an_h200() {
        let shape = TrainedShape::new(&minilm(), Task::Ner, 13, &TrainConfig::default());
        // With fusion and without: the allocator's high-water marks there.
        for (batch, measured_mb) in [(16, 1342.1), (64, 4068.1), (16, 1251.6), (64, 3779.6)] {
            let estimate = shape.estimate(batch, 128).total() as f64 / MB;
            let error = (estimate - measured_mb).abs() / measured_mb;
            assert!(error < 0.1, "batch {batch}: {estimate:.0} MB estimated, {measured_mb} MB measured");
        }
    }

    #[test]
    fn a_batch_that_does_not_fit_is_cut_and_the_effective_batch_kept() {
        let settings = TrainConfig { batch_size: 16, grad_accumulation: 2, ..TrainConfig::default() };
        let shape = TrainedShape::new(&minilm(), Task::Ner, 13, &settings);
        let room = |batch| (shape.estimate(batch, 128).total() as f64 / HEADROOM) as u64 + 1;
        assert!(matches!(fit_batch(&shape, &settings, room(16)), BatchFit::Fits(_)));
        match fit_batch(&shape, &settings, room(4)) {
            BatchFit::Shrunk { batch, grad_accumulation, .. } => assert_eq!((batch, grad_accumulation), (4, 8)),
            other => panic!("expected batch 4 × 8, got {other:?}"),
        }
        match fit_batch(&shape, &settings, room(4) - 2) {
            BatchFit::Shrunk { batch, grad_accumulation, .. } => assert_eq!((batch, grad_accumulation), (2, 16)),
            other => panic!("expected batch 2 × 16, got {other:?}"),
        }
        assert!(matches!(fit_batch(&shape, &settings, room(1) - 2), BatchFit::TooLarge(_)));
    }

    #[test]
    fn a_batch_whose_attention_scores_pass_the_binding_limit_is_cut() {
        let settings = TrainConfig { batch_size: 64, max_len: 512, ..TrainConfig::default() };
        let shape = TrainedShape::new(&minilm(), Task::Ner, 13, &settings);
        // 64 × 12 heads × 512² × 4 bytes: 768 MiB of scores, over WebGPU's default 128 MiB.
        assert_eq!(shape.largest_activation(64, 512), 768 * 1024 * 1024);
        // At length 128 the intermediate (batch × 128 × 1536) is the larger one.
        assert_eq!(shape.largest_activation(16, 128), 16 * 128 * 1536 * 4);
        match fit_batch_to_binding(&shape, &settings, 128 * 1024 * 1024) {
            BatchFit::Shrunk { batch, grad_accumulation, .. } => assert_eq!((batch, grad_accumulation), (8, 8)),
            other => panic!("expected batch 8 × 8, got {other:?}"),
        }
        assert!(matches!(fit_batch_to_binding(&shape, &settings, 1 << 30), BatchFit::Fits(_)));
        assert!(matches!(fit_batch_to_binding(&shape, &settings, 8 << 20), BatchFit::TooLarge(_)));
    }

    #[test]
    fn a_failed_allocation_halves_the_batch_and_keeps_the_effective_batch() {
        let at = |batch_size, grad_accumulation| {
            halve_batch(&TrainConfig { batch_size, grad_accumulation, ..TrainConfig::default() })
        };
        assert_eq!(at(16, 1), Some((8, 2)));
        assert_eq!(at(8, 2), Some((4, 4)));
        assert_eq!(at(12, 1), Some((6, 2)));
        // 9 has no divisor between 4 and 8: the largest up to half is 3.
        assert_eq!(at(9, 1), Some((3, 3)));
        assert_eq!(at(7, 2), Some((1, 14)));
        assert_eq!(at(2, 1), Some((1, 2)));
        assert_eq!(at(1, 4), None);
    }

    #[test]
    fn allocation_failures_are_told_from_other_panics() {
        // As the worker's hook formats them: the panic's place, then cubecl's text.
        let wgpu = "panicked at cubecl-wgpu-0.11.3/src/compute/device_poison.rs:42:17:\nwgpu error: Out of Memory";
        let pool = "panicked at burn-cubecl/src/ops.rs:9:1:\nout of device memory allocating 402653184 bytes";
        assert!(is_allocation_failure(wgpu) && is_allocation_failure(pool));
        assert!(!is_allocation_failure("panicked at src/browser/worker.rs:71:5:\na crash drill"));
        assert!(!is_allocation_failure("wgpu error: Validation Error"));
    }
}
