//! Parity with Hugging Face transformers on ../shared/golden, over bytes: the native tests read
//! the fixtures from disk, the browser tests fetch them, and both run these same checks.

use std::collections::HashSet;

use burn::optim::GradientsParams;
use burn::prelude::*;
use safetensors::{Dtype, SafeTensors};
use tunelab::core::model::{BatchInput, Bert, BertConfig, Classifier, HostTensor, Task, WeightMap};
use tunelab::core::task_model::ModelFiles;
use tunelab::core::train::loss::cross_entropy;
use tunelab::core::train::{AdamW, AdamWSettings};

/// A golden fixture's tensors, read as f32 or i64.
pub struct Fixture {
    bytes: Vec<u8>,
}

impl Fixture {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self { bytes }
    }

    fn view(&self, name: &str) -> (Vec<usize>, Dtype, Vec<u8>) {
        let file = SafeTensors::deserialize(&self.bytes).expect("fixture is safetensors");
        let view = file.tensor(name).unwrap_or_else(|_| panic!("fixture has no tensor {name}"));
        (view.shape().to_vec(), view.dtype(), view.data().to_vec())
    }

    pub fn f32(&self, name: &str) -> (Vec<usize>, Vec<f32>) {
        let (shape, dtype, data) = self.view(name);
        assert_eq!(dtype, Dtype::F32, "{name}");
        (shape, f32_values(&data).collect())
    }

    pub fn i64(&self, name: &str) -> (Vec<usize>, Vec<i64>) {
        let (shape, dtype, data) = self.view(name);
        assert_eq!(dtype, Dtype::I64, "{name}");
        (shape, data.chunks_exact(8).map(|b| i64::from_le_bytes(b.try_into().expect("8 bytes"))).collect())
    }

    pub fn int_tensor<const D: usize>(&self, name: &str, device: &Device) -> Tensor<D, Int> {
        let (shape, values) = self.i64(name);
        let values: Vec<i32> = values.into_iter().map(|v| v as i32).collect();
        Tensor::from_data(TensorData::new(values, shape), device)
    }
}

/// Little-endian f32 bytes as values.
pub fn f32_values(data: &[u8]) -> impl Iterator<Item = f32> + '_ {
    data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "length");
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// A tensor's values, read asynchronously (a blocking read panics in the browser).
pub async fn read_f32_async<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data_async().await.expect("read").try_to_vec::<f32>().expect("f32")
}

/// The fixture's padded batch as the model's input.
pub fn batch(fixture: &Fixture, device: &Device) -> BatchInput {
    BatchInput {
        input_ids: fixture.int_tensor("input_ids", device),
        token_type_ids: fixture.int_tensor("token_type_ids", device),
        attention_mask: fixture.int_tensor("attention_mask", device),
    }
}

/// Last hidden state and pooler output of the padded batch against transformers; returns the
/// two max |Δ|.
pub async fn check_forward(files: &ModelFiles, fixture: &Fixture, device: &Device, tolerance: f32) -> (f32, f32) {
    let config = BertConfig::from_json_bytes(&files.config_json).expect("config");
    let mut weights = WeightMap::from_safetensors(&files.model_safetensors).expect("weights");
    let bert = Bert::load(&mut weights, &config, Some(0), device).expect("load");
    assert!(weights.unexpected().is_empty(), "unexpected {:?}", weights.unexpected());
    let hidden = bert.forward(batch(fixture, device));
    let pooled = bert.pool(hidden.clone()).expect("pooler");
    let (shape, expected) = fixture.f32("last_hidden_state");
    assert_eq!(hidden.dims().to_vec(), shape);
    let hidden_diff = max_abs_diff(&read_f32_async(hidden).await, &expected);
    assert!(hidden_diff <= tolerance, "last_hidden_state differs by {hidden_diff}");
    let (_, expected) = fixture.f32("pooler_output");
    let pooled_diff = max_abs_diff(&read_f32_async(pooled).await, &expected);
    assert!(pooled_diff <= tolerance, "pooler_output differs by {pooled_diff}");
    (hidden_diff, pooled_diff)
}

/// Four AdamW steps on the fixture's batch with its head, dropout off, decay on every
/// parameter, constant lr, no clipping (the fixture's recipe), compared loss by loss with
/// `expected_json`'s `losses`. Returns the losses.
pub async fn check_steps(
    name: &str,
    files: &ModelFiles,
    fixture: &Fixture,
    expected_json: &[u8],
    task: Task,
    device: &Device,
    tolerance: f32,
) -> Vec<f32> {
    let expected: serde_json::Value = serde_json::from_slice(expected_json).expect("fixture json");
    let expected: Vec<f32> =
        expected["losses"].as_array().expect("losses").iter().map(|v| v.as_f64().expect("number") as f32).collect();
    let mut config = BertConfig::from_json_bytes(&files.config_json).expect("config");
    config.set_dropout(0.0);
    let mut weights = WeightMap::from_safetensors(&files.model_safetensors).expect("weights");
    let (w_shape, w) = fixture.f32("classifier.weight");
    let (b_shape, b) = fixture.f32("classifier.bias");
    weights.insert("classifier.weight", HostTensor { shape: w_shape.clone(), values: w });
    weights.insert("classifier.bias", HostTensor { shape: b_shape, values: b });
    let device = device.clone().autodiff();
    let (mut model, report) =
        Classifier::load(&config, &mut weights, task, w_shape[0], true, 0, &device).expect("load");
    assert!(!report.missing.iter().any(|m| m.starts_with("classifier")), "head not loaded: {:?}", report.missing);

    let settings = AdamWSettings { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weight_decay: 0.01, max_grad_norm: 0.0 };
    let mut optimizer = AdamW::new(settings, HashSet::new());
    let (_, labels) = fixture.i64("labels");
    let n = labels.len();
    let labels: Tensor<1, Int> =
        Tensor::from_data(TensorData::new(labels.into_iter().map(|l| l as i32).collect::<Vec<_>>(), [n]), &device);
    let mut losses = Vec::new();
    for step in 0..expected.len() {
        let logits = model.logits(batch(fixture, &device));
        if step == 0 {
            let (_, want) = fixture.f32("logits_step0");
            let diff = max_abs_diff(&read_f32_async(logits.clone().inner()).await, &want);
            assert!(diff <= tolerance, "{name}: logits at step 0 differ by {diff}");
        }
        let loss = cross_entropy(logits, labels.clone());
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        losses.push(read_f32_async(loss.inner()).await[0]);
        model = optimizer.step(model, grads, 1e-4).expect("optimizer step");
    }
    for (step, (got, want)) in losses.iter().zip(&expected).enumerate() {
        assert!((got - want).abs() <= tolerance, "{name} step {step}: loss {got} vs transformers {want}");
    }
    losses
}
