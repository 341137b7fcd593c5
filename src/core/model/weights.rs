//! Reading and writing weights under Hugging Face tensor names.
//!
//! HF names, as `BertModel` / `BertFor*` save them (the `bert.` prefix is optional on load):
//!
//! | HF name                                                   | here                      |
//! |-----------------------------------------------------------|---------------------------|
//! | `embeddings.{word,position,token_type}_embeddings.weight` | `Embeddings::*`           |
//! | `embeddings.LayerNorm.{weight,bias}`                      | `Embeddings::layer_norm`  |
//! | `encoder.layer.N.attention.self.{query,key,value}.*`      | `SelfAttention::*`        |
//! | `encoder.layer.N.attention.output.dense.*`                | `SelfAttention::output`   |
//! | `encoder.layer.N.attention.output.LayerNorm.*`            | `EncoderLayer::attention_norm` |
//! | `encoder.layer.N.intermediate.dense.*`                    | `EncoderLayer::intermediate` |
//! | `encoder.layer.N.output.dense.*`                          | `EncoderLayer::output`    |
//! | `encoder.layer.N.output.LayerNorm.*`                      | `EncoderLayer::output_norm` |
//! | `pooler.dense.*`                                          | `Bert::pooler`            |
//! | `classifier.{weight,bias}`                                | the task head             |
//!
//! HF `Linear` weights are `[out, in]`; burn's are `[in, out]`, so they are transposed on the way
//! in and out. Old checkpoints name LayerNorm parameters `gamma`/`beta`; both spellings load.

use std::collections::{BTreeMap, BTreeSet};

use burn::module::Param;
use burn::nn::{Embedding, LayerNorm, LayerNormConfig, Linear};
use burn::prelude::*;
use safetensors::{Dtype, SafeTensors};

use super::ModelError;

/// A host-side float tensor: shape and row-major values.
#[derive(Debug, Clone, PartialEq)]
pub struct HostTensor {
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

impl HostTensor {
    pub fn to_device<const D: usize>(&self, device: &Device) -> Tensor<D> {
        Tensor::from_data(TensorData::new(self.values.clone(), self.shape.clone()), device)
    }

    /// `[rows, cols]` → `[cols, rows]`, for HF `Linear` weights.
    pub fn transposed(&self) -> HostTensor {
        let (rows, cols) = (self.shape[0], self.shape[1]);
        let mut values = vec![0.0; self.values.len()];
        for r in 0..rows {
            for c in 0..cols {
                values[c * rows + r] = self.values[r * cols + c];
            }
        }
        HostTensor { shape: vec![cols, rows], values }
    }
}

/// The suffix of the tensor that holds an int8 matrix's scales, one per row.
pub const ROW_SCALES: &str = ".scale";

/// A float tensor's values as f32.
fn floats(name: &str, dtype: Dtype, data: &[u8]) -> Result<Vec<f32>, ModelError> {
    Ok(match dtype {
        Dtype::F32 => data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
        Dtype::F16 => data.chunks_exact(2).map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
        Dtype::BF16 => data.chunks_exact(2).map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
        other => {
            return Err(ModelError::Safetensors(format!(
                "tensor `{name}` has dtype {other:?}; only float weights are supported"
            )))
        }
    })
}

/// An int8 matrix times its row scales: `value · scale[row]`.
fn int8_rows(file: &SafeTensors, name: &str, shape: &[usize], data: &[u8]) -> Result<Vec<f32>, ModelError> {
    let scales_name = format!("{name}{ROW_SCALES}");
    let scales = file.tensor(&scales_name).map_err(|_| {
        ModelError::Safetensors(format!("tensor `{name}` is int8 without `{scales_name}`, its scale per row"))
    })?;
    let scales = floats(&scales_name, scales.dtype(), scales.data())?;
    let &[rows, columns] = shape else {
        return Err(ModelError::Safetensors(format!("tensor `{name}` is int8 of shape {shape:?}: only matrices are")));
    };
    if scales.len() != rows || data.len() != rows * columns {
        return Err(ModelError::Safetensors(format!(
            "tensor `{name}` is int8 with {rows} rows and {} scales in `{scales_name}`: one per row is needed",
            scales.len()
        )));
    }
    Ok(data
        .chunks_exact(columns.max(1))
        .zip(&scales)
        .flat_map(|(row, &s)| row.iter().map(move |&q| q as i8 as f32 * s))
        .collect())
}

/// Buffers some checkpoints carry that are not weights.
fn is_buffer(name: &str) -> bool {
    name.ends_with("position_ids") || name.ends_with("num_batches_tracked")
}

/// Float tensors of a safetensors file by HF name, tracking which ones a model took.
#[derive(Debug)]
pub struct WeightMap {
    tensors: BTreeMap<String, HostTensor>,
    taken: BTreeSet<String>,
    missing: Vec<String>,
}

impl WeightMap {
    /// Reads every float tensor of a safetensors file (F32, F16 or BF16), dropping a leading
    /// `bert.` so that base models and fine-tuned `BertFor*` checkpoints look the same. An I8
    /// matrix comes with one scale per row under `{name}.scale` (the site's int8 copy of the
    /// default model) and is read back as floats.
    pub fn from_safetensors(bytes: &[u8]) -> Result<Self, ModelError> {
        let file = SafeTensors::deserialize(bytes).map_err(|e| ModelError::Safetensors(e.to_string()))?;
        let mut tensors = BTreeMap::new();
        for (name, view) in file.tensors() {
            let scales_an_int8_matrix = name
                .strip_suffix(ROW_SCALES)
                .is_some_and(|matrix| file.tensor(matrix).is_ok_and(|m| m.dtype() == Dtype::I8));
            if is_buffer(&name) || scales_an_int8_matrix {
                continue;
            }
            let values: Vec<f32> = match view.dtype() {
                Dtype::I8 => int8_rows(&file, &name, view.shape(), view.data())?,
                other => floats(&name, other, view.data())?,
            };
            let key = name.strip_prefix("bert.").unwrap_or(&name).to_string();
            tensors.insert(key, HostTensor { shape: view.shape().to_vec(), values });
        }
        Ok(Self { tensors, taken: BTreeSet::new(), missing: Vec::new() })
    }

    /// The shape of a tensor, if the file has it.
    pub fn shape(&self, name: &str) -> Option<Vec<usize>> {
        self.tensors.get(name).map(|t| t.shape.clone())
    }

    /// Takes a tensor that must be present with exactly this shape.
    pub fn take(&mut self, name: &str, shape: &[usize]) -> Result<HostTensor, ModelError> {
        match self.take_optional(name, shape)? {
            Some(t) => Ok(t),
            None => Err(ModelError::MissingWeight(name.to_string())),
        }
    }

    /// Takes a tensor that may be absent (a head not trained yet); its absence is recorded.
    pub fn take_optional(&mut self, name: &str, shape: &[usize]) -> Result<Option<HostTensor>, ModelError> {
        let found = self.tensors.get(name).or_else(|| {
            let alias = name.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta");
            self.tensors.get(&alias)
        });
        let Some(tensor) = found else {
            self.missing.push(name.to_string());
            return Ok(None);
        };
        if tensor.shape != shape {
            return Err(ModelError::WeightShape {
                name: name.to_string(),
                expected: shape.to_vec(),
                found: tensor.shape.clone(),
            });
        }
        let tensor = tensor.clone();
        self.taken.insert(name.to_string());
        self.taken
            .insert(name.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta"));
        Ok(Some(tensor))
    }

    pub fn linear(&mut self, prefix: &str, d_in: usize, d_out: usize, device: &Device) -> Result<Linear, ModelError> {
        let weight = self.take(&format!("{prefix}.weight"), &[d_out, d_in])?.transposed();
        let bias = self.take(&format!("{prefix}.bias"), &[d_out])?;
        Ok(Linear {
            weight: Param::from_tensor(weight.to_device(device)),
            bias: Some(Param::from_tensor(bias.to_device(device))),
        })
    }

    pub fn layer_norm(
        &mut self,
        prefix: &str,
        d: usize,
        epsilon: f64,
        device: &Device,
    ) -> Result<LayerNorm, ModelError> {
        let gamma = self.take(&format!("{prefix}.weight"), &[d])?;
        let beta = self.take(&format!("{prefix}.bias"), &[d])?;
        let mut norm = LayerNormConfig::new(d).with_epsilon(epsilon).init(device);
        norm.gamma = Param::from_tensor(gamma.to_device(device));
        norm.beta = Some(Param::from_tensor(beta.to_device(device)));
        Ok(norm)
    }

    pub fn embedding(&mut self, name: &str, n: usize, d: usize, device: &Device) -> Result<Embedding, ModelError> {
        let weight = self.take(name, &[n, d])?;
        Ok(Embedding { weight: Param::from_tensor(weight.to_device(device)) })
    }

    /// Adds or replaces a tensor (e.g. a head trained elsewhere).
    pub fn insert(&mut self, name: impl Into<String>, tensor: HostTensor) {
        self.tensors.insert(name.into(), tensor);
    }

    /// Records a tensor the model initialises itself even if the file has one (a new head).
    pub fn note_missing(&mut self, name: &str) {
        self.missing.push(name.to_string());
    }

    /// Names that no part of the model asked for.
    pub fn unexpected(&self) -> Vec<String> {
        self.tensors.keys().filter(|k| !self.taken.contains(*k)).cloned().collect()
    }

    /// Names the model asked for and did not find (and so initialised itself).
    pub fn missing(&self) -> Vec<String> {
        self.missing.clone()
    }
}

/// Builds a `Linear` from HF-layout values (`weight` `[out, in]`).
pub fn linear_from_hf(weight: &HostTensor, bias: &HostTensor, device: &Device) -> Linear {
    Linear {
        weight: Param::from_tensor(weight.transposed().to_device(device)),
        bias: Some(Param::from_tensor(bias.to_device(device))),
    }
}

/// Tensors in HF layout, ready to be written as safetensors. LoRA adapters are folded into
/// their weights (a plain HF model), unless the writer is [`WeightWriter::base_only`].
#[derive(Debug, Default)]
pub struct WeightWriter {
    tensors: Vec<(String, HostTensor)>,
    base_only: bool,
}

impl WeightWriter {
    /// Writes the weights as loaded, adapters left out (they travel as a peft folder).
    pub fn base_only() -> Self {
        Self { tensors: Vec::new(), base_only: true }
    }

    pub fn merges_adapters(&self) -> bool {
        !self.base_only
    }

    pub async fn tensor<const D: usize>(
        &mut self,
        name: impl Into<String>,
        tensor: Tensor<D>,
    ) -> Result<(), ModelError> {
        let shape = tensor.dims().to_vec();
        let data = tensor.into_data_async().await.map_err(|e| ModelError::Device(e.to_string()))?;
        let values = data.try_to_vec::<f32>().map_err(|e| ModelError::Device(e.to_string()))?;
        self.tensors.push((name.into(), HostTensor { shape, values }));
        Ok(())
    }

    /// Adds a tensor already on the host, in HF layout.
    pub fn host(&mut self, name: impl Into<String>, tensor: HostTensor) {
        self.tensors.push((name.into(), tensor));
    }

    pub async fn linear(&mut self, prefix: &str, linear: &Linear) -> Result<(), ModelError> {
        self.tensor(format!("{prefix}.weight"), linear.weight.val().transpose()).await?;
        if let Some(bias) = &linear.bias {
            self.tensor(format!("{prefix}.bias"), bias.val()).await?;
        }
        Ok(())
    }

    pub async fn layer_norm(&mut self, prefix: &str, norm: &LayerNorm) -> Result<(), ModelError> {
        self.tensor(format!("{prefix}.weight"), norm.gamma.val()).await?;
        if let Some(beta) = &norm.beta {
            self.tensor(format!("{prefix}.bias"), beta.val()).await?;
        }
        Ok(())
    }

    /// Serialises to safetensors bytes with `{"format": "pt"}` metadata, as transformers writes.
    pub fn into_safetensors(self) -> Result<Vec<u8>, ModelError> {
        let bytes: Vec<(String, Vec<u8>, Vec<usize>)> = self
            .tensors
            .into_iter()
            .map(|(name, t)| (name, t.values.iter().flat_map(|v| v.to_le_bytes()).collect(), t.shape))
            .collect();
        let views = bytes
            .iter()
            .map(|(name, data, shape)| {
                safetensors::tensor::TensorView::new(Dtype::F32, shape.clone(), data)
                    .map(|view| (name.clone(), view))
                    .map_err(|e| ModelError::Safetensors(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let metadata = Some(std::collections::HashMap::from([("format".to_string(), "pt".to_string())]));
        safetensors::serialize(views, metadata).map_err(|e| ModelError::Safetensors(e.to_string()))
    }
}
