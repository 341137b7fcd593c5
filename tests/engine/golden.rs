//! Parity with Hugging Face transformers (PyTorch) on ../shared/golden, natively. The checks
//! themselves are in common/golden_parity.rs, shared with the browser tests.

use burn::prelude::*;
use pollster::block_on;
use tunelab::core::model::Task;

use crate::common::golden_parity::{check_forward, check_steps, Fixture};
use crate::support::{announce, model_files, shared, wgpu_device};

pub(crate) fn fixture(name: &str) -> Fixture {
    let path = shared(&format!("golden/{name}"));
    Fixture::new(std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

fn expected(name: &str) -> Vec<u8> {
    let path = shared(&format!("golden/{name}.json"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn forward(device: &Device, tolerance: f32) {
    let (hidden, pooled) = block_on(check_forward(&model_files(), &fixture("forward.safetensors"), device, tolerance));
    announce(format!("forward parity: max |Δ| last_hidden_state {hidden:.2e}, pooler_output {pooled:.2e}"));
}

fn steps(name: &str, task: Task, device: &Device, tolerance: f32) {
    let files = model_files();
    let losses = block_on(check_steps(
        name,
        &files,
        &fixture(&format!("{name}.safetensors")),
        &expected(name),
        task,
        device,
        tolerance,
    ));
    announce(format!("{name}: losses {losses:?}"));
}

#[test]
fn forward_matches_transformers_on_cpu() {
    forward(&Device::flex(), 1e-4);
}

#[test]
fn sequence_classification_steps_match_transformers_on_cpu() {
    steps("seqcls", Task::Cls, &Device::flex(), 1e-3);
}

#[test]
fn token_classification_steps_match_transformers_on_cpu() {
    steps("tokcls", Task::Ner, &Device::flex(), 1e-3);
}

#[test]
fn golden_parity_on_wgpu() {
    let Some(device) = wgpu_device("golden parity (forward, seqcls, tokcls)") else { return };
    forward(&device, 1e-4);
    steps("seqcls", Task::Cls, &device, 1e-3);
    steps("tokcls", Task::Ner, &device, 1e-3);
}
