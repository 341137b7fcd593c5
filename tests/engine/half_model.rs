//! The page's half-precision copy of the default model (`cargo xtask models`): each weight is
//! the f32 one rounded to the nearest fp16 (the `half` crate's rounding), config and tokenizer
//! are the same files, and fp16 loses less than bf16 would against transformers' outputs.

use burn::prelude::*;
use pollster::block_on;
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use tunelab::core::task_model::ModelFiles;

use super::golden::fixture;
use crate::common::golden_parity::{check_forward, f32_values};
use crate::support::{announce, model_copy_files, model_files};

fn half_files() -> ModelFiles {
    model_copy_files("-f16")
}

#[test]
fn the_half_precision_copy_is_the_original_rounded_to_nearest() {
    let (original, half) = (model_files(), half_files());
    assert_eq!(half.config_json, original.config_json);
    assert_eq!(half.tokenizer_json, original.tokenizer_json);
    let f32s = SafeTensors::deserialize(&original.model_safetensors).expect("the original");
    let f16s = SafeTensors::deserialize(&half.model_safetensors).expect("the copy");
    assert_eq!(f16s.len(), f32s.len());
    for (name, view) in f32s.tensors() {
        let copy = f16s.tensor(&name).unwrap_or_else(|_| panic!("{name} missing in the copy"));
        if view.dtype() != Dtype::F32 {
            assert_eq!((copy.dtype(), copy.data()), (view.dtype(), view.data()), "{name}: not float, kept as it is");
            continue;
        }
        assert_eq!((copy.dtype(), copy.shape()), (Dtype::F16, view.shape()), "{name}");
        let rounded = f32_values(view.data()).map(|v| half::f16::from_f32(v).to_bits());
        let written = copy.data().chunks_exact(2).map(|b| u16::from_le_bytes([b[0], b[1]]));
        assert!(rounded.eq(written), "{name}: not the nearest fp16 of each weight");
    }
    announce(format!(
        "half-precision copy: {:.1} MB for the original's {:.1} MB",
        half.model_safetensors.len() as f64 / 1e6,
        original.model_safetensors.len() as f64 / 1e6
    ));
}

/// The original's float weights rounded to bf16, as a safetensors file.
fn bf16_copy(original: &[u8]) -> Vec<u8> {
    let file = SafeTensors::deserialize(original).expect("the original");
    let tensors: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = file
        .tensors()
        .into_iter()
        .map(|(name, view)| match view.dtype() {
            Dtype::F32 => {
                let data = f32_values(view.data()).flat_map(|v| half::bf16::from_f32(v).to_le_bytes()).collect();
                (name, Dtype::BF16, view.shape().to_vec(), data)
            }
            other => (name, other, view.shape().to_vec(), view.data().to_vec()),
        })
        .collect();
    let views = tensors.iter().map(|(name, dtype, shape, data)| {
        (name.clone(), TensorView::new(*dtype, shape.clone(), data).expect("a view"))
    });
    safetensors::serialize(views, None).expect("serialises")
}

#[test]
fn fp16_loses_less_than_bf16_against_transformers() {
    let fixture = fixture("forward.safetensors");
    let device = Device::flex();
    // A loose bound: these measure the rounding's effect, the f32 model keeps the strict one.
    let (fp16_hidden, fp16_pooled) = block_on(check_forward(&half_files(), &fixture, &device, 0.5));
    let original = model_files();
    let bf16 = ModelFiles { model_safetensors: bf16_copy(&original.model_safetensors), ..original };
    let (bf16_hidden, bf16_pooled) = block_on(check_forward(&bf16, &fixture, &device, 0.5));
    announce(format!(
        "half precision against transformers, max |Δ|: fp16 last_hidden_state {fp16_hidden:.2e}, pooler \
         {fp16_pooled:.2e}; bf16 {bf16_hidden:.2e}, {bf16_pooled:.2e}"
    ));
    assert!(fp16_hidden < bf16_hidden && fp16_pooled < bf16_pooled, "fp16 should lose less than bf16");
}
