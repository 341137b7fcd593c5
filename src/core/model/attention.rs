use burn::prelude::*;

use super::cpu_attention;
use super::cpu_fused;
use super::dropout::Dropout;
use super::lora::Projection;
use super::weights::{WeightMap, WeightWriter};
use super::{BertConfig, ModelError};

/// Multi-head self-attention with its output projection (HF `BertAttention` minus the LayerNorm).
#[derive(Module, Debug)]
pub struct SelfAttention {
    pub query: Projection,
    pub key: Projection,
    pub value: Projection,
    pub output: Projection,
    pub probs_dropout: Dropout,
    pub output_dropout: Dropout,
    pub num_heads: usize,
}

impl SelfAttention {
    pub fn load(
        weights: &mut WeightMap,
        prefix: &str,
        config: &BertConfig,
        device: &Device,
    ) -> Result<Self, ModelError> {
        let h = config.hidden_size;
        Ok(Self {
            query: Projection::new(weights.linear(&format!("{prefix}.self.query"), h, h, device)?),
            key: Projection::new(weights.linear(&format!("{prefix}.self.key"), h, h, device)?),
            value: Projection::new(weights.linear(&format!("{prefix}.self.value"), h, h, device)?),
            output: Projection::new(weights.linear(&format!("{prefix}.output.dense"), h, h, device)?),
            probs_dropout: Dropout::new(config.attention_probs_dropout_prob),
            output_dropout: Dropout::new(config.hidden_dropout_prob),
            num_heads: config.num_attention_heads,
        })
    }

    pub async fn save(&self, out: &mut WeightWriter, prefix: &str) -> Result<(), ModelError> {
        self.query.save(out, &format!("{prefix}.self.query")).await?;
        self.key.save(out, &format!("{prefix}.self.key")).await?;
        self.value.save(out, &format!("{prefix}.self.value")).await?;
        self.output.save(out, &format!("{prefix}.output.dense")).await
    }

    /// The block's output before its dropout (`output_dropout`), which the layer applies
    /// together with the residual add and LayerNorm. `x`: `[batch, seq, hidden]`; `mask_bias`:
    /// `[batch, 1, 1, seq]`, 0 for tokens and a large negative number for padding (HF adds
    /// `finfo(float32).min` the same way).
    pub fn forward_before_dropout(&self, x: Tensor<3>, mask_bias: Tensor<4>) -> Tensor<3> {
        let [batch, seq, hidden] = x.dims();
        let projections = [self.query.forward(x.clone()), self.key.forward(x.clone()), self.value.forward(x)];
        let context = match cpu_attention::attend((projections, mask_bias), self.num_heads, &self.probs_dropout) {
            Ok(context) => context,
            Err(([q, k, v], mask_bias)) => {
                let head_dim = hidden / self.num_heads;
                let heads = |t: Tensor<3>| t.reshape([batch, seq, self.num_heads, head_dim]).swap_dims(1, 2);
                let (q, k, v) = (heads(q), heads(k), heads(v));
                let scores = q.matmul(k.transpose()).div_scalar((head_dim as f64).sqrt()) + mask_bias;
                let probs = self.probs_dropout.forward(cpu_fused::softmax(scores, 3));
                probs.matmul(v).swap_dims(1, 2).reshape([batch, seq, hidden])
            }
        };
        self.output.forward(context)
    }
}
