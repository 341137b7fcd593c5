//! LoRA (Hu et al., 2021) as `peft` defines it: a linear layer `W` stays as loaded and learns a
//! low-rank update beside it, `W x + b + (alpha / r) · B A dropout(x)`. `A` starts as peft's
//! Kaiming-uniform draw and `B` at zero, so a fresh adapter leaves the model's outputs as they
//! were; only `A` and `B` (and the task head) train.

use burn::module::Param;
use burn::nn::Linear;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::cpu_linear;
use super::dropout::Dropout;
use super::weights::{HostTensor, WeightWriter};
use super::ModelError;
use crate::core::rng::Rng;

/// A linear layer of an encoder layer that can carry an adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoraTarget {
    Query,
    Key,
    Value,
    AttentionOutput,
    Intermediate,
    Output,
}

impl LoraTarget {
    pub const ALL: [LoraTarget; 6] = [
        LoraTarget::Query,
        LoraTarget::Key,
        LoraTarget::Value,
        LoraTarget::AttentionOutput,
        LoraTarget::Intermediate,
        LoraTarget::Output,
    ];

    /// The module's path inside `encoder.layer.N`, as transformers names it.
    pub fn path(self) -> &'static str {
        match self {
            LoraTarget::Query => "attention.self.query",
            LoraTarget::Key => "attention.self.key",
            LoraTarget::Value => "attention.self.value",
            LoraTarget::AttentionOutput => "attention.output.dense",
            LoraTarget::Intermediate => "intermediate.dense",
            LoraTarget::Output => "output.dense",
        }
    }

    /// Its entry in peft's `target_modules`, which matches the end of a module's name.
    pub fn peft_name(self) -> &'static str {
        match self {
            LoraTarget::Query => "query",
            LoraTarget::Key => "key",
            LoraTarget::Value => "value",
            other => other.path(),
        }
    }

    pub fn from_peft_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.peft_name() == name)
    }

    /// `(in, out)` of this layer in a model of this shape.
    pub fn dims(self, hidden: usize, intermediate: usize) -> (usize, usize) {
        match self {
            LoraTarget::Intermediate => (hidden, intermediate),
            LoraTarget::Output => (intermediate, hidden),
            _ => (hidden, hidden),
        }
    }
}

/// What a run's adapters are: peft's `r`, `lora_alpha`, `lora_dropout` and `target_modules`.
#[derive(Debug, Clone, PartialEq)]
pub struct LoraSpec {
    pub rank: usize,
    pub alpha: f64,
    pub dropout: f64,
    pub targets: Vec<LoraTarget>,
}

impl LoraSpec {
    /// peft's default targets for BERT: the attention's query and value.
    pub const QUERY_VALUE: [LoraTarget; 2] = [LoraTarget::Query, LoraTarget::Value];

    /// peft's `scaling`: the update is multiplied by `alpha / r`.
    pub fn scaling(&self) -> f64 {
        self.alpha / self.rank as f64
    }

    /// Parameters the adapters add to a model of `layers` layers of this shape.
    pub fn parameters(&self, layers: usize, hidden: usize, intermediate: usize) -> usize {
        let per_layer: usize = self
            .targets
            .iter()
            .map(|t| {
                let (d_in, d_out) = t.dims(hidden, intermediate);
                self.rank * (d_in + d_out)
            })
            .sum();
        layers * per_layer
    }
}

/// The trained low-rank pair. burn keeps linear weights as `[in, out]`, so `down` is peft's
/// `lora_A.weight` transposed and `up` its `lora_B.weight` transposed.
#[derive(Module, Debug)]
pub struct LowRank {
    /// `[in, r]`.
    pub down: Param<Tensor<2>>,
    /// `[r, out]`.
    pub up: Param<Tensor<2>>,
    pub dropout: Dropout,
    #[module(skip)]
    pub scaling: f64,
}

impl LowRank {
    /// A fresh adapter: `A` uniform in ±1/√in (peft's `kaiming_uniform_(a=√5)` on `[r, in]`),
    /// drawn on the host from `seed` so every backend starts alike; `B` zero.
    pub fn fresh(d_in: usize, d_out: usize, spec: &LoraSpec, seed: u64, device: &Device) -> Self {
        let mut rng = Rng::new(seed);
        let bound = 1.0 / (d_in as f64).sqrt();
        let down = HostTensor {
            shape: vec![d_in, spec.rank],
            values: (0..d_in * spec.rank).map(|_| ((rng.next_f64() * 2.0 - 1.0) * bound) as f32).collect(),
        };
        Self {
            down: Param::from_tensor(down.to_device(device)),
            up: Param::from_tensor(Tensor::zeros([spec.rank, d_out], device)),
            dropout: Dropout::new(spec.dropout),
            scaling: spec.scaling(),
        }
    }

    /// From peft's layout: `lora_A` `[r, in]`, `lora_B` `[out, r]`.
    pub fn from_peft(a: &HostTensor, b: &HostTensor, alpha: f64, dropout: f64, device: &Device) -> Self {
        let rank = a.shape[0];
        Self {
            down: Param::from_tensor(a.transposed().to_device(device)),
            up: Param::from_tensor(b.transposed().to_device(device)),
            dropout: Dropout::new(dropout),
            scaling: alpha / rank as f64,
        }
    }

    pub fn rank(&self) -> usize {
        self.down.val().dims()[1]
    }

    pub fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        let low = cpu_linear::linear(self.dropout.forward(x), self.down.val(), None);
        cpu_linear::linear(low, self.up.val(), None).mul_scalar(self.scaling)
    }

    /// The update as one `[in, out]` matrix, to add to the base weight.
    pub fn delta(&self) -> Tensor<2> {
        self.down.val().matmul(self.up.val()).mul_scalar(self.scaling)
    }
}

/// A linear layer that may carry an adapter.
#[derive(Module, Debug)]
pub struct Projection {
    pub linear: Linear,
    pub lora: Option<LowRank>,
}

impl Projection {
    pub fn new(linear: Linear) -> Self {
        Self { linear, lora: None }
    }

    pub fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        match &self.lora {
            Some(lora) => cpu_linear::dense(&self.linear, x.clone()) + lora.forward(x),
            None => cpu_linear::dense(&self.linear, x),
        }
    }

    /// Folds the adapter into the weight (peft's `merge_and_unload`): the same outputs, one matmul.
    pub fn merge(&mut self) {
        if let Some(lora) = self.lora.take() {
            let merged = self.linear.weight.val().detach() + lora.delta().detach();
            self.linear.weight = Param::from_tensor(merged);
        }
    }

    /// Under HF names: the weight with the adapter folded in, unless `out` keeps adapters apart.
    pub async fn save(&self, out: &mut WeightWriter, prefix: &str) -> Result<(), ModelError> {
        match &self.lora {
            Some(lora) if out.merges_adapters() => {
                let merged = self.linear.weight.val() + lora.delta();
                out.tensor(format!("{prefix}.weight"), merged.transpose()).await?;
                if let Some(bias) = &self.linear.bias {
                    out.tensor(format!("{prefix}.bias"), bias.val()).await?;
                }
                Ok(())
            }
            _ => out.linear(prefix, &self.linear).await,
        }
    }
}
