//! An encoder's weights from `config.json` alone, as transformers' `from_config` draws them:
//! normal(0, initializer_range) for Linear and Embedding weights, zero biases, LayerNorm at
//! one and zero. Throughput does not depend on the weights' values, so a benchmark can train a
//! model whose 90 MB of weights never travel (`tunelab train --from-config`).

use crate::core::rng::Rng;

use super::weights::{HostTensor, WeightWriter};
use super::{BertConfig, ModelError};

/// `model.safetensors` bytes for a bare `BertModel` of `config_json`, drawn from `seed`.
pub fn initial_weights(config_json: &[u8], seed: u64) -> Result<Vec<u8>, ModelError> {
    let config = BertConfig::from_json_bytes(config_json)?;
    let (h, inner) = (config.hidden_size, config.intermediate_size);
    let mut draw = Draw { rng: Rng::new(seed), std: config.initializer_range, out: WeightWriter::default() };
    draw.normal("embeddings.word_embeddings.weight", &[config.vocab_size, h]);
    draw.normal("embeddings.position_embeddings.weight", &[config.max_position_embeddings, h]);
    draw.normal("embeddings.token_type_embeddings.weight", &[config.type_vocab_size, h]);
    draw.layer_norm("embeddings.LayerNorm", h);
    for i in 0..config.num_hidden_layers {
        let layer = format!("encoder.layer.{i}");
        for part in ["query", "key", "value"] {
            draw.linear(&format!("{layer}.attention.self.{part}"), h, h);
        }
        draw.linear(&format!("{layer}.attention.output.dense"), h, h);
        draw.layer_norm(&format!("{layer}.attention.output.LayerNorm"), h);
        draw.linear(&format!("{layer}.intermediate.dense"), h, inner);
        draw.linear(&format!("{layer}.output.dense"), inner, h);
        draw.layer_norm(&format!("{layer}.output.LayerNorm"), h);
    }
    draw.linear("pooler.dense", h, h);
    draw.out.into_safetensors()
}

struct Draw {
    rng: Rng,
    std: f64,
    out: WeightWriter,
}

impl Draw {
    fn normal(&mut self, name: &str, shape: &[usize]) {
        let values = (0..shape.iter().product()).map(|_| (self.rng.normal() * self.std) as f32).collect();
        self.out.host(name, HostTensor { shape: shape.to_vec(), values });
    }

    fn constant(&mut self, name: &str, n: usize, value: f32) {
        self.out.host(name, HostTensor { shape: vec![n], values: vec![value; n] });
    }

    /// HF layout: `weight` is `[out, in]`.
    fn linear(&mut self, prefix: &str, d_in: usize, d_out: usize) {
        self.normal(&format!("{prefix}.weight"), &[d_out, d_in]);
        self.constant(&format!("{prefix}.bias"), d_out, 0.0);
    }

    fn layer_norm(&mut self, prefix: &str, d: usize) {
        self.constant(&format!("{prefix}.weight"), d, 1.0);
        self.constant(&format!("{prefix}.bias"), d, 0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::WeightMap;

    const TINY: &str = r#"{"model_type": "bert", "vocab_size": 30, "hidden_size": 8, "num_hidden_layers": 2,
        "num_attention_heads": 2, "intermediate_size": 16, "max_position_embeddings": 12,
        "type_vocab_size": 2, "initializer_range": 0.02}"#;

    #[test]
    fn every_tensor_of_the_encoder_is_drawn_with_its_shape_and_scale() {
        let bytes = initial_weights(TINY.as_bytes(), 7).expect("weights");
        let mut map = WeightMap::from_safetensors(&bytes).expect("safetensors");
        let words = map.take("embeddings.word_embeddings.weight", &[30, 8]).expect("embeddings");
        let sd = (words.values.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / 240.0).sqrt();
        assert!((sd - 0.02).abs() < 0.005, "standard deviation {sd}");
        let gamma = map.take("encoder.layer.1.output.LayerNorm.weight", &[8]).expect("LayerNorm");
        assert!(gamma.values.iter().all(|v| *v == 1.0));
        map.take("encoder.layer.1.intermediate.dense.weight", &[16, 8]).expect("intermediate");
        assert_eq!(initial_weights(TINY.as_bytes(), 7).expect("again"), bytes, "the same seed draws the same weights");
    }
}
