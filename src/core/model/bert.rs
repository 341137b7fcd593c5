use burn::nn::Linear;
use burn::prelude::*;

use super::activation::tanh;
use super::cpu_linear;
use super::embeddings::Embeddings;
use super::layer::EncoderLayer;
use super::weights::{WeightMap, WeightWriter};
use super::{BertConfig, ModelError};

/// Token ids of a padded batch, all `[batch, seq]`.
#[derive(Debug, Clone)]
pub struct BatchInput {
    pub input_ids: Tensor<2, Int>,
    pub token_type_ids: Tensor<2, Int>,
    /// 1 for real tokens, 0 for padding.
    pub attention_mask: Tensor<2, Int>,
}

/// The BERT encoder with its (optional) pooler, as HF `BertModel`.
#[derive(Module, Debug)]
pub struct Bert {
    pub embeddings: Embeddings,
    pub layers: Vec<EncoderLayer>,
    /// Dense + tanh on the first token; absent in token-classification checkpoints.
    pub pooler: Option<Linear>,
}

impl Bert {
    /// `pooler_seed`: `Some` builds the pooler, from the checkpoint or, where it has none,
    /// initialised as HF does from that seed; `None` leaves it out (token tasks).
    pub fn load(
        weights: &mut WeightMap,
        config: &BertConfig,
        pooler_seed: Option<u64>,
        device: &Device,
    ) -> Result<Self, ModelError> {
        let embeddings = Embeddings::load(weights, config, device)?;
        let layers = (0..config.num_hidden_layers)
            .map(|i| EncoderLayer::load(weights, i, config, device))
            .collect::<Result<Vec<_>, _>>()?;
        let pooler = if let Some(seed) = pooler_seed {
            let h = config.hidden_size;
            let weight = weights.take_optional("pooler.dense.weight", &[h, h])?;
            let bias = weights.take_optional("pooler.dense.bias", &[h])?;
            Some(match (weight, bias) {
                (Some(w), Some(b)) => super::weights::linear_from_hf(&w, &b, device),
                _ => super::init::linear(h, h, config.initializer_range, seed, device),
            })
        } else {
            None
        };
        Ok(Self { embeddings, layers, pooler })
    }

    pub async fn save(&self, out: &mut WeightWriter, prefix: &str) -> Result<(), ModelError> {
        self.embeddings.save(out, prefix).await?;
        for (i, layer) in self.layers.iter().enumerate() {
            layer.save(out, prefix, i).await?;
        }
        if let Some(pooler) = &self.pooler {
            out.linear(&format!("{prefix}pooler.dense"), pooler).await?;
        }
        Ok(())
    }

    /// Last hidden state, `[batch, seq, hidden]`.
    pub fn forward(&self, input: BatchInput) -> Tensor<3> {
        let [batch, seq] = input.attention_mask.dims();
        // HF adds the float32 minimum to the scores of padded keys, which softmax turns into 0.
        let mask_bias = input.attention_mask.equal_elem(0).float().mul_scalar(f32::MIN).reshape([batch, 1, 1, seq]);
        let mut x = self.embeddings.forward(input.input_ids, input.token_type_ids);
        for layer in &self.layers {
            x = layer.forward(x, mask_bias.clone());
        }
        x
    }

    /// HF `pooler_output`: tanh(dense(hidden[:, 0])), `[batch, hidden]`.
    pub fn pool(&self, hidden: Tensor<3>) -> Option<Tensor<2>> {
        let pooler = self.pooler.as_ref()?;
        let [batch, _, h] = hidden.dims();
        let first = hidden.slice([0..batch, 0..1]).reshape([batch, h]);
        Some(tanh(cpu_linear::dense(pooler, first)))
    }
}
