//! Parity with Hugging Face transformers (PyTorch) on ../shared/golden.

use std::collections::HashSet;

use burn::optim::GradientsParams;
use burn::prelude::*;
use tunelab::core::model::{BatchInput, Bert, BertConfig, Classifier, HostTensor, Task, WeightMap};
use tunelab::core::train::loss::cross_entropy;
use tunelab::core::train::{AdamW, AdamWSettings};

use crate::support::{max_abs_diff, model_files, read_f32, wgpu_device, Fixture};

fn batch(fixture: &Fixture, device: &Device) -> BatchInput {
    BatchInput {
        input_ids: fixture.int_tensor("input_ids", device),
        token_type_ids: fixture.int_tensor("token_type_ids", device),
        attention_mask: fixture.int_tensor("attention_mask", device),
    }
}

/// Last hidden state and pooler output of the padded batch, against transformers.
fn check_forward(device: &Device, tolerance: f32) {
    let files = model_files();
    let config = BertConfig::from_json_bytes(&files.config_json).expect("config");
    let mut weights = WeightMap::from_safetensors(&files.model_safetensors).expect("weights");
    let bert = Bert::load(&mut weights, &config, true, device).expect("load");
    assert!(weights.unexpected().is_empty(), "unexpected {:?}", weights.unexpected());
    let fixture = Fixture::open("forward.safetensors");
    let hidden = bert.forward(batch(&fixture, device));
    let pooled = bert.pool(hidden.clone()).expect("pooler");
    let (shape, expected) = fixture.f32("last_hidden_state");
    assert_eq!(hidden.dims().to_vec(), shape);
    let diff = max_abs_diff(&read_f32(hidden), &expected);
    eprintln!("forward parity: max |Δ| last_hidden_state = {diff:.2e}");
    assert!(diff <= tolerance, "last_hidden_state differs by {diff}");
    let (_, expected) = fixture.f32("pooler_output");
    let diff = max_abs_diff(&read_f32(pooled), &expected);
    eprintln!("forward parity: max |Δ| pooler_output = {diff:.2e}");
    assert!(diff <= tolerance, "pooler_output differs by {diff}");
}

/// Four AdamW steps on the fixture's batch with its head, dropout off, decay on every
/// parameter, constant lr, no clipping — the fixture's recipe — compared loss by loss.
fn check_steps(fixture_name: &str, task: Task, device: &Device, tolerance: f32) {
    let expected: serde_json::Value = serde_json::from_slice(
        &std::fs::read(crate::support::shared(&format!("golden/{fixture_name}.json"))).expect("fixture json"),
    )
    .expect("json");
    let expected: Vec<f32> =
        expected["losses"].as_array().expect("losses").iter().map(|v| v.as_f64().expect("number") as f32).collect();
    let files = model_files();
    let mut config = BertConfig::from_json_bytes(&files.config_json).expect("config");
    config.set_dropout(0.0);
    let fixture = Fixture::open(&format!("{fixture_name}.safetensors"));
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
        let logits = model.logits(batch(&fixture, &device));
        if step == 0 {
            let (_, want) = fixture.f32("logits_step0");
            let diff = max_abs_diff(&read_f32(logits.clone().inner()), &want);
            eprintln!("{fixture_name}: max |Δ| logits at step 0 = {diff:.2e}");
            assert!(diff <= tolerance, "{fixture_name}: logits differ by {diff}");
        }
        let loss = cross_entropy(logits, labels.clone());
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        losses.push(read_f32(loss.inner())[0]);
        model = optimizer.step(model, grads, 1e-4);
    }
    eprintln!("{fixture_name}: losses {losses:?}\n{fixture_name}: expected {expected:?}");
    for (step, (got, want)) in losses.iter().zip(&expected).enumerate() {
        assert!((got - want).abs() <= tolerance, "{fixture_name} step {step}: loss {got} vs transformers {want}");
    }
}

#[test]
fn forward_matches_transformers_on_cpu() {
    check_forward(&Device::flex(), 1e-4);
}

#[test]
fn sequence_classification_steps_match_transformers_on_cpu() {
    check_steps("seqcls", Task::Cls, &Device::flex(), 1e-3);
}

#[test]
fn token_classification_steps_match_transformers_on_cpu() {
    check_steps("tokcls", Task::Ner, &Device::flex(), 1e-3);
}

#[test]
fn golden_parity_on_wgpu() {
    let Some(device) = wgpu_device("golden parity (forward, seqcls, tokcls)") else { return };
    check_forward(&device, 1e-4);
    check_steps("seqcls", Task::Cls, &device, 1e-3);
    check_steps("tokcls", Task::Ner, &device, 1e-3);
}
