//! BERT with its task head as an ONNX graph, built from the tensors of an exported HF folder.
//! Inputs and output are named as Optimum exports them and Transformers.js feeds them:
//! `input_ids`, `attention_mask`, `token_type_ids` (int64, `[batch_size, sequence_length]`) in,
//! `logits` out.

use std::collections::HashMap;

use super::graph::{Attribute, Dim, GraphBuilder};
use super::proto::{DataType, ModelProto};
use super::quantize::{quantize_columns, quantize_rows};
use crate::core::model::{Activation, BertConfig, ModelError, Task, WeightMap};

/// How the graph stores its linear layers' weights and its word embeddings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    Fp32,
    /// Dynamic quantization: int8 weights with a scale per output column; each layer's input is
    /// quantized to uint8 as it runs (`DynamicQuantizeLinear` → `MatMulInteger`). The word
    /// embeddings are int8 with a scale per token.
    Int8,
}

const BATCH: Dim = Dim::Named("batch_size");
const SEQUENCE: Dim = Dim::Named("sequence_length");

/// The graph of `BertFor{Sequence,Token}Classification` with `labels` outputs, its weights read
/// from `weights` under HF names (without the `bert.` prefix).
pub fn bert_graph(
    config: &BertConfig,
    task: Task,
    labels: usize,
    weights: &mut WeightMap,
    precision: Precision,
) -> Result<ModelProto, ModelError> {
    let mut writer = Writer { graph: GraphBuilder::default(), weights, precision, quantized_inputs: HashMap::new() };
    let ids = ["input_ids", "attention_mask", "token_type_ids"];
    for name in ids {
        writer.graph.input(name, DataType::Int64, &[BATCH, SEQUENCE]);
    }
    let mut hidden = writer.embeddings(config)?;
    let mask_bias = writer.mask_bias();
    for layer in 0..config.num_hidden_layers {
        hidden = writer.encoder_layer(config, layer, &hidden, &mask_bias)?;
    }
    let h = config.hidden_size;
    let logits = match task {
        Task::Cls => {
            let zero = writer.graph.int64s("first_token", &[], &[0]);
            let first = writer.graph.op("Gather", &[&hidden, &zero], vec![Attribute::Int("axis", 1)]);
            let pooled = match writer.weights.shape("pooler.dense.weight") {
                Some(_) => {
                    let dense = writer.linear("pooler.dense", h, h, &first)?;
                    writer.graph.op("Tanh", &[&dense], vec![])
                }
                None => first,
            };
            writer.linear_into(Some("logits"), "classifier", h, labels, &pooled)?
        }
        Task::Ner => writer.linear_into(Some("logits"), "classifier", h, labels, &hidden)?,
    };
    let logits_dims = match task {
        Task::Cls => vec![BATCH, Dim::Fixed(labels)],
        Task::Ner => vec![BATCH, SEQUENCE, Dim::Fixed(labels)],
    };
    writer.graph.output(&logits, DataType::Float, &logits_dims);
    let doc = format!("{} with {labels} labels, {precision:?} weights", task.architecture());
    Ok(writer.graph.into_model("tunelab", doc))
}

struct Writer<'a> {
    graph: GraphBuilder,
    weights: &'a mut WeightMap,
    precision: Precision,
    /// `DynamicQuantizeLinear`'s three outputs per quantized value: query, key and value share
    /// their input, so it is quantized once.
    quantized_inputs: HashMap<String, [String; 3]>,
}

impl Writer<'_> {
    fn floats(&mut self, name: &str, shape: &[usize]) -> Result<String, ModelError> {
        let tensor = self.weights.take(name, shape)?;
        Ok(self.graph.floats(name, shape, &tensor.values))
    }

    /// Word + position + token type embeddings, then LayerNorm.
    fn embeddings(&mut self, config: &BertConfig) -> Result<String, ModelError> {
        let h = config.hidden_size;
        let words = self.word_embeddings(config.vocab_size, h)?;
        let position = self.floats("embeddings.position_embeddings.weight", &[config.max_position_embeddings, h])?;
        let token_type = self.floats("embeddings.token_type_embeddings.weight", &[config.type_vocab_size, h])?;
        let types = self.graph.op("Gather", &[&token_type, "token_type_ids"], vec![]);

        let shape = self.graph.op("Shape", &["input_ids"], vec![]);
        let one = self.graph.int64s("one", &[], &[1]);
        let zero = self.graph.int64s("zero", &[], &[0]);
        let length = self.graph.op("Gather", &[&shape, &one], vec![Attribute::Int("axis", 0)]);
        let positions = self.graph.op("Range", &[&zero, &length, &one], vec![]);
        let by_position = self.graph.op("Gather", &[&position, &positions], vec![]);

        let sum = self.graph.op("Add", &[&words, &by_position], vec![]);
        let sum = self.graph.op("Add", &[&sum, &types], vec![]);
        self.layer_norm("embeddings.LayerNorm", h, config.layer_norm_eps, &sum)
    }

    /// The rows of the word-embedding table that `input_ids` names. In int8, the table (the
    /// model's largest tensor) is stored a row per token with its own scale: both are looked up,
    /// and the row is scaled back to floats.
    fn word_embeddings(&mut self, vocab: usize, h: usize) -> Result<String, ModelError> {
        let name = "embeddings.word_embeddings.weight";
        match self.precision {
            Precision::Fp32 => {
                let table = self.floats(name, &[vocab, h])?;
                Ok(self.graph.op("Gather", &[&table, "input_ids"], vec![]))
            }
            Precision::Int8 => {
                let quantized = quantize_rows(&self.weights.take(name, &[vocab, h])?);
                let table = self.graph.int8s(&format!("{name}_quantized"), &[vocab, h], &quantized.values);
                let scales = self.graph.floats(&format!("{name}_scale"), &[vocab, 1], &quantized.scales);
                let rows = self.graph.op("Gather", &[&table, "input_ids"], vec![]);
                let rows = self.graph.op("Cast", &[&rows], vec![Attribute::Int("to", DataType::Float as i64)]);
                let row_scales = self.graph.op("Gather", &[&scales, "input_ids"], vec![]);
                Ok(self.graph.op("Mul", &[&rows, &row_scales], vec![]))
            }
        }
    }

    /// `[batch, 1, 1, seq]`: 0 for tokens, the float32 minimum for padding, as HF adds it.
    fn mask_bias(&mut self) -> String {
        let mask = self.graph.op("Cast", &["attention_mask"], vec![Attribute::Int("to", DataType::Float as i64)]);
        let one = self.graph.scalar("mask_one", 1.0);
        let padding = self.graph.op("Sub", &[&one, &mask], vec![]);
        let minimum = self.graph.scalar("mask_minimum", f32::MIN);
        let bias = self.graph.op("Mul", &[&padding, &minimum], vec![]);
        let axes = self.graph.int64s("mask_axes", &[2], &[1, 2]);
        self.graph.op("Unsqueeze", &[&bias, &axes], vec![])
    }

    fn layer_norm(&mut self, prefix: &str, h: usize, epsilon: f64, x: &str) -> Result<String, ModelError> {
        let gamma = self.floats(&format!("{prefix}.weight"), &[h])?;
        let beta = self.floats(&format!("{prefix}.bias"), &[h])?;
        let attributes = vec![Attribute::Int("axis", -1), Attribute::Float("epsilon", epsilon as f32)];
        Ok(self.graph.op("LayerNormalization", &[x, &gamma, &beta], attributes))
    }

    fn encoder_layer(
        &mut self,
        config: &BertConfig,
        layer: usize,
        x: &str,
        mask_bias: &str,
    ) -> Result<String, ModelError> {
        let (h, eps) = (config.hidden_size, config.layer_norm_eps);
        let prefix = format!("encoder.layer.{layer}");
        let attention = self.self_attention(config, &prefix, x, mask_bias)?;
        let residual = self.graph.op("Add", &[&attention, x], vec![]);
        let x = self.layer_norm(&format!("{prefix}.attention.output.LayerNorm"), h, eps, &residual)?;

        let inner = config.intermediate_size;
        let up = self.linear(&format!("{prefix}.intermediate.dense"), h, inner, &x)?;
        let activated = self.activation(config.hidden_act, &up);
        let down = self.linear(&format!("{prefix}.output.dense"), inner, h, &activated)?;
        let residual = self.graph.op("Add", &[&down, &x], vec![]);
        self.layer_norm(&format!("{prefix}.output.LayerNorm"), h, eps, &residual)
    }

    fn self_attention(
        &mut self,
        config: &BertConfig,
        prefix: &str,
        x: &str,
        mask_bias: &str,
    ) -> Result<String, ModelError> {
        let (h, heads) = (config.hidden_size, config.num_attention_heads);
        let head_dim = h / heads;
        let split = self.graph.int64s(&format!("{prefix}.split_heads"), &[4], &[0, 0, heads as i64, head_dim as i64]);
        let project = |writer: &mut Self, name: &str, perm: [i64; 4]| -> Result<String, ModelError> {
            let projected = writer.linear(&format!("{prefix}.attention.self.{name}"), h, h, x)?;
            let split = writer.graph.op("Reshape", &[&projected, &split], vec![]);
            Ok(writer.graph.op("Transpose", &[&split], vec![Attribute::Ints("perm", perm.to_vec())]))
        };
        let q = project(self, "query", [0, 2, 1, 3])?;
        let k_transposed = project(self, "key", [0, 2, 3, 1])?;
        let v = project(self, "value", [0, 2, 1, 3])?;

        let scores = self.graph.op("MatMul", &[&q, &k_transposed], vec![]);
        let root = self.graph.scalar(&format!("{prefix}.score_scale"), (head_dim as f32).sqrt());
        let scores = self.graph.op("Div", &[&scores, &root], vec![]);
        let scores = self.graph.op("Add", &[&scores, mask_bias], vec![]);
        let probs = self.graph.op("Softmax", &[&scores], vec![Attribute::Int("axis", -1)]);
        let context = self.graph.op("MatMul", &[&probs, &v], vec![]);
        let context = self.graph.op("Transpose", &[&context], vec![Attribute::Ints("perm", vec![0, 2, 1, 3])]);
        let merge = self.graph.int64s(&format!("{prefix}.merge_heads"), &[3], &[0, 0, h as i64]);
        let context = self.graph.op("Reshape", &[&context, &merge], vec![]);
        self.linear(&format!("{prefix}.attention.output.dense"), h, h, &context)
    }

    /// The feed-forward activation, written as the model's config names it.
    fn activation(&mut self, activation: Activation, x: &str) -> String {
        match activation {
            Activation::Relu => self.graph.op("Relu", &[x], vec![]),
            Activation::Gelu => {
                // 0.5 · x · (1 + erf(x / √2))
                let root_two = self.graph.scalar("gelu_sqrt2", std::f32::consts::SQRT_2);
                let scaled = self.graph.op("Div", &[x, &root_two], vec![]);
                let erf = self.graph.op("Erf", &[&scaled], vec![]);
                self.half_x_one_plus(x, &erf)
            }
            Activation::GeluTanh => {
                // 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 x³)))
                let three = self.graph.scalar("gelu_three", 3.0);
                let cube = self.graph.op("Pow", &[x, &three], vec![]);
                let coefficient = self.graph.scalar("gelu_coefficient", 0.044715);
                let cube = self.graph.op("Mul", &[&cube, &coefficient], vec![]);
                let inner = self.graph.op("Add", &[x, &cube], vec![]);
                let scale = self.graph.scalar("gelu_scale", (2.0 / std::f32::consts::PI).sqrt());
                let inner = self.graph.op("Mul", &[&inner, &scale], vec![]);
                let tanh = self.graph.op("Tanh", &[&inner], vec![]);
                self.half_x_one_plus(x, &tanh)
            }
        }
    }

    fn half_x_one_plus(&mut self, x: &str, t: &str) -> String {
        let one = self.graph.scalar("gelu_one", 1.0);
        let half = self.graph.scalar("gelu_half", 0.5);
        let plus_one = self.graph.op("Add", &[t, &one], vec![]);
        let product = self.graph.op("Mul", &[x, &plus_one], vec![]);
        self.graph.op("Mul", &[&product, &half], vec![])
    }

    /// `x · Wᵀ + b` for the HF `Linear` `prefix` (`weight` `[out, in]`).
    fn linear(&mut self, prefix: &str, d_in: usize, d_out: usize, x: &str) -> Result<String, ModelError> {
        self.linear_into(None, prefix, d_in, d_out, x)
    }

    /// [`Writer::linear`] whose output is `output` when given: the graph output.
    fn linear_into(
        &mut self,
        output: Option<&str>,
        prefix: &str,
        d_in: usize,
        d_out: usize,
        x: &str,
    ) -> Result<String, ModelError> {
        let product = self.product(prefix, d_in, d_out, x)?;
        let bias = self.floats(&format!("{prefix}.bias"), &[d_out])?;
        Ok(match output {
            Some(name) => self.graph.op_as(name, "Add", &[&product, &bias], vec![]),
            None => self.graph.op("Add", &[&product, &bias], vec![]),
        })
    }

    /// `x · Wᵀ`, in the writer's precision.
    fn product(&mut self, prefix: &str, d_in: usize, d_out: usize, x: &str) -> Result<String, ModelError> {
        let name = format!("{prefix}.weight");
        let weight = self.weights.take(&name, &[d_out, d_in])?.transposed();
        match self.precision {
            Precision::Fp32 => {
                let weight = self.graph.floats(&name, &[d_in, d_out], &weight.values);
                Ok(self.graph.op("MatMul", &[x, &weight], vec![]))
            }
            Precision::Int8 => {
                let quantized = quantize_columns(&weight);
                let weight = self.graph.int8s(&format!("{name}_quantized"), &[d_in, d_out], &quantized.values);
                let zero_points = self.graph.int8s(&format!("{name}_zero_point"), &[d_out], &vec![0; d_out]);
                let scales = self.graph.floats(&format!("{name}_scale"), &[d_out], &quantized.scales);
                let [x_quantized, x_scale, x_zero_point] = self.quantized(x);
                let integers =
                    self.graph.op("MatMulInteger", &[&x_quantized, &weight, &x_zero_point, &zero_points], vec![]);
                let floats = self.graph.op("Cast", &[&integers], vec![Attribute::Int("to", DataType::Float as i64)]);
                let scale = self.graph.op("Mul", &[&x_scale, &scales], vec![]);
                Ok(self.graph.op("Mul", &[&floats, &scale], vec![]))
            }
        }
    }

    fn quantized(&mut self, x: &str) -> [String; 3] {
        if let Some(outputs) = self.quantized_inputs.get(x) {
            return outputs.clone();
        }
        let outputs = self.graph.op_n("DynamicQuantizeLinear", &[x], 3, vec![]);
        let outputs = [outputs[0].clone(), outputs[1].clone(), outputs[2].clone()];
        self.quantized_inputs.insert(x.to_string(), outputs.clone());
        outputs
    }
}
