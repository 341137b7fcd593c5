use burn::nn::{Embedding, LayerNorm};
use burn::prelude::*;

use super::cpu_embedding;
use super::cpu_fused;
use super::dropout::Dropout;
use super::weights::{WeightMap, WeightWriter};
use super::{BertConfig, ModelError};

/// Word + absolute position + token-type embeddings, then LayerNorm and dropout (HF order).
#[derive(Module, Debug)]
pub struct Embeddings {
    pub word: Embedding,
    pub position: Embedding,
    pub token_type: Embedding,
    pub layer_norm: LayerNorm,
    pub dropout: Dropout,
    /// The norm's epsilon, for the fused CPU pass (burn's `LayerNorm` keeps its own private).
    #[module(skip)]
    pub layer_norm_eps: f64,
}

impl Embeddings {
    pub fn load(weights: &mut WeightMap, config: &BertConfig, device: &Device) -> Result<Self, ModelError> {
        let h = config.hidden_size;
        Ok(Self {
            word: weights.embedding("embeddings.word_embeddings.weight", config.vocab_size, h, device)?,
            position: weights.embedding(
                "embeddings.position_embeddings.weight",
                config.max_position_embeddings,
                h,
                device,
            )?,
            token_type: weights.embedding(
                "embeddings.token_type_embeddings.weight",
                config.type_vocab_size,
                h,
                device,
            )?,
            layer_norm: weights.layer_norm("embeddings.LayerNorm", h, config.layer_norm_eps, device)?,
            dropout: Dropout::new(config.hidden_dropout_prob),
            layer_norm_eps: config.layer_norm_eps,
        })
    }

    pub async fn save(&self, out: &mut WeightWriter, prefix: &str) -> Result<(), ModelError> {
        out.tensor(format!("{prefix}embeddings.word_embeddings.weight"), self.word.weight.val()).await?;
        out.tensor(format!("{prefix}embeddings.position_embeddings.weight"), self.position.weight.val()).await?;
        out.tensor(format!("{prefix}embeddings.token_type_embeddings.weight"), self.token_type.weight.val()).await?;
        out.layer_norm(&format!("{prefix}embeddings.LayerNorm"), &self.layer_norm).await
    }

    /// `input_ids`, `token_type_ids`: `[batch, seq]` → `[batch, seq, hidden]`.
    pub fn forward(&self, input_ids: Tensor<2, Int>, token_type_ids: Tensor<2, Int>) -> Tensor<3> {
        let [batch, seq] = input_ids.dims();
        let device = input_ids.device();
        let positions = Tensor::<1, Int>::arange(0..seq as i64, &device).reshape([1, seq]).repeat_dim(0, batch);
        let lookup = cpu_embedding::lookup;
        let x = lookup(&self.word, input_ids)
            + lookup(&self.position, positions)
            + lookup(&self.token_type, token_type_ids);
        self.dropout.forward(cpu_fused::layer_norm(&self.layer_norm, self.layer_norm_eps, x))
    }
}
