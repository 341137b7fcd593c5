use burn::nn::LayerNorm;
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::activation::gelu_tanh;
use super::attention::SelfAttention;
use super::config::Activation;
use super::dropout::Dropout;
use super::lora::{LoraTarget, Projection};
use super::weights::{WeightMap, WeightWriter};
use super::{cpu_add_norm, cpu_fused};
use super::{BertConfig, ModelError};

/// One post-LayerNorm transformer block, as HF `BertLayer`.
#[derive(Module, Debug)]
pub struct EncoderLayer {
    pub attention: SelfAttention,
    pub attention_norm: LayerNorm,
    pub intermediate: Projection,
    pub output: Projection,
    pub output_norm: LayerNorm,
    pub output_dropout: Dropout,
    #[module(skip)]
    pub activation: Activation,
    /// Both norms' epsilon, for the fused CPU pass (burn's `LayerNorm` keeps its own private).
    #[module(skip)]
    pub layer_norm_eps: f64,
}

impl EncoderLayer {
    pub fn load(
        weights: &mut WeightMap,
        index: usize,
        config: &BertConfig,
        device: &Device,
    ) -> Result<Self, ModelError> {
        let (h, i, eps) = (config.hidden_size, config.intermediate_size, config.layer_norm_eps);
        let p = format!("encoder.layer.{index}");
        Ok(Self {
            attention: SelfAttention::load(weights, &format!("{p}.attention"), config, device)?,
            attention_norm: weights.layer_norm(&format!("{p}.attention.output.LayerNorm"), h, eps, device)?,
            intermediate: Projection::new(weights.linear(&format!("{p}.intermediate.dense"), h, i, device)?),
            output: Projection::new(weights.linear(&format!("{p}.output.dense"), i, h, device)?),
            output_norm: weights.layer_norm(&format!("{p}.output.LayerNorm"), h, eps, device)?,
            output_dropout: Dropout::new(config.hidden_dropout_prob),
            activation: config.hidden_act,
            layer_norm_eps: eps,
        })
    }

    pub async fn save(&self, out: &mut WeightWriter, prefix: &str, index: usize) -> Result<(), ModelError> {
        let p = format!("{prefix}encoder.layer.{index}");
        self.attention.save(out, &format!("{p}.attention")).await?;
        out.layer_norm(&format!("{p}.attention.output.LayerNorm"), &self.attention_norm).await?;
        self.intermediate.save(out, &format!("{p}.intermediate.dense")).await?;
        self.output.save(out, &format!("{p}.output.dense")).await?;
        out.layer_norm(&format!("{p}.output.LayerNorm"), &self.output_norm).await
    }

    /// The linear layer a LoRA target names.
    pub fn projection(&self, target: LoraTarget) -> &Projection {
        match target {
            LoraTarget::Query => &self.attention.query,
            LoraTarget::Key => &self.attention.key,
            LoraTarget::Value => &self.attention.value,
            LoraTarget::AttentionOutput => &self.attention.output,
            LoraTarget::Intermediate => &self.intermediate,
            LoraTarget::Output => &self.output,
        }
    }

    pub fn projection_mut(&mut self, target: LoraTarget) -> &mut Projection {
        match target {
            LoraTarget::Query => &mut self.attention.query,
            LoraTarget::Key => &mut self.attention.key,
            LoraTarget::Value => &mut self.attention.value,
            LoraTarget::AttentionOutput => &mut self.attention.output,
            LoraTarget::Intermediate => &mut self.intermediate,
            LoraTarget::Output => &mut self.output,
        }
    }

    pub fn forward(&self, x: Tensor<3>, mask_bias: Tensor<4>) -> Tensor<3> {
        let add_norm = |norm: &LayerNorm, dropout: &Dropout, h: Tensor<3>, residual: Tensor<3>| {
            cpu_add_norm::add_norm(norm, self.layer_norm_eps, dropout, h, residual)
        };
        let attention = self.attention.forward_before_dropout(x.clone(), mask_bias);
        let attended = add_norm(&self.attention_norm, &self.attention.output_dropout, attention, x);
        let inner = self.intermediate.forward(attended.clone());
        // HF "gelu" is the exact erf form; "gelu_new" the tanh approximation.
        let inner = match self.activation {
            Activation::Gelu => cpu_fused::gelu(inner),
            Activation::GeluTanh => gelu_tanh(inner),
            Activation::Relu => relu(inner),
        };
        add_norm(&self.output_norm, &self.output_dropout, self.output.forward(inner), attended)
    }
}
