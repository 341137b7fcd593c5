//! A small BERT for the browser checks that test the worker rather than MiniLM: two layers,
//! hidden size 32, MiniLM's tokenizer and vocabulary, weights drawn as HF's `_init_weights`
//! draws them (normal, σ = initializer_range; zero biases; unit LayerNorm weights) from a fixed
//! seed. A SwiftShader training step on it takes seconds where MiniLM's takes minutes.

use std::fs;
use std::path::Path;

use serde_json::{json, Value};

use crate::safetensors_file::{self, f32_tensor};

const HIDDEN: usize = 32;
const LAYERS: usize = 2;
const HEADS: usize = 2;
const INTERMEDIATE: usize = 64;
const MAX_POSITIONS: usize = 512;
const TYPE_VOCAB: usize = 2;
const INITIALIZER_RANGE: f64 = 0.02;
const SEED: u64 = 42;

/// Writes config.json, tokenizer.json (MiniLM's) and model.safetensors into `dir`.
pub fn write(dir: &Path, minilm: &Path) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let tokenizer = minilm.join("tokenizer.json");
    let vocab_size = vocab_size(&minilm.join("config.json"))?;
    fs::copy(&tokenizer, dir.join("tokenizer.json")).map_err(|e| format!("{}: {e}", tokenizer.display()))?;
    let config = json!({
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": vocab_size,
        "hidden_size": HIDDEN,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS,
        "intermediate_size": INTERMEDIATE,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": MAX_POSITIONS,
        "type_vocab_size": TYPE_VOCAB,
        "initializer_range": INITIALIZER_RANGE,
        "layer_norm_eps": 1e-12,
        "pad_token_id": 0,
    });
    let config_path = dir.join("config.json");
    fs::write(&config_path, serde_json::to_string_pretty(&config).unwrap_or_default())
        .map_err(|e| format!("{}: {e}", config_path.display()))?;
    let weights_path = dir.join("model.safetensors");
    fs::write(&weights_path, safetensors(&tensors(vocab_size))).map_err(|e| format!("{}: {e}", weights_path.display()))
}

fn vocab_size(config: &Path) -> Result<usize, String> {
    let text = fs::read_to_string(config).map_err(|e| format!("{}: {e}", config.display()))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", config.display()))?;
    value["vocab_size"].as_u64().map(|v| v as usize).ok_or_else(|| format!("{}: no vocab_size", config.display()))
}

enum Init {
    Normal,
    Zeros,
    Ones,
}

/// Every `BertModel` tensor by HF name, in a fixed order.
fn tensors(vocab_size: usize) -> Vec<(String, Vec<usize>, Vec<f32>)> {
    let mut shapes: Vec<(String, Vec<usize>, Init)> = Vec::new();
    let mut linear = |name: String, out: usize, inp: usize| {
        shapes.push((format!("{name}.weight"), vec![out, inp], Init::Normal));
        shapes.push((format!("{name}.bias"), vec![out], Init::Zeros));
    };
    let mut norms = Vec::new();
    linear("pooler.dense".into(), HIDDEN, HIDDEN);
    for layer in 0..LAYERS {
        let prefix = format!("encoder.layer.{layer}");
        for part in ["query", "key", "value"] {
            linear(format!("{prefix}.attention.self.{part}"), HIDDEN, HIDDEN);
        }
        linear(format!("{prefix}.attention.output.dense"), HIDDEN, HIDDEN);
        linear(format!("{prefix}.intermediate.dense"), INTERMEDIATE, HIDDEN);
        linear(format!("{prefix}.output.dense"), HIDDEN, INTERMEDIATE);
        norms.push(format!("{prefix}.attention.output.LayerNorm"));
        norms.push(format!("{prefix}.output.LayerNorm"));
    }
    norms.push("embeddings.LayerNorm".into());
    for (table, rows) in [("word", vocab_size), ("position", MAX_POSITIONS), ("token_type", TYPE_VOCAB)] {
        shapes.push((format!("embeddings.{table}_embeddings.weight"), vec![rows, HIDDEN], Init::Normal));
    }
    for norm in norms {
        shapes.push((format!("{norm}.weight"), vec![HIDDEN], Init::Ones));
        shapes.push((format!("{norm}.bias"), vec![HIDDEN], Init::Zeros));
    }
    let mut rng = Normal::new(SEED);
    shapes
        .into_iter()
        .map(|(name, shape, init)| {
            let n = shape.iter().product();
            let values = match init {
                Init::Normal => (0..n).map(|_| (rng.next() * INITIALIZER_RANGE) as f32).collect(),
                Init::Zeros => vec![0.0; n],
                Init::Ones => vec![1.0; n],
            };
            (name, shape, values)
        })
        .collect()
}

fn safetensors(tensors: &[(String, Vec<usize>, Vec<f32>)]) -> Vec<u8> {
    let tensors: Vec<_> = tensors.iter().map(|(name, shape, values)| f32_tensor(name, shape, values)).collect();
    safetensors_file::write(&tensors)
}

/// Standard normal draws: SplitMix64 into Box–Muller.
struct Normal {
    state: u64,
    spare: Option<f64>,
}

impl Normal {
    fn new(seed: u64) -> Self {
        Self { state: seed, spare: None }
    }

    fn uniform(&mut self) -> f64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // 53 random bits in (0, 1].
        ((z >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }

    fn next(&mut self) -> f64 {
        if let Some(v) = self.spare.take() {
            return v;
        }
        let (u, v) = (self.uniform(), self.uniform());
        let radius = (-2.0 * u.ln()).sqrt();
        let angle = 2.0 * std::f64::consts::PI * v;
        self.spare = Some(radius * angle.sin());
        radius * angle.cos()
    }
}
