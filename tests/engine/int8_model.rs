//! The site's int8 copy of the default model (`cargo xtask models`, the `-q8` folder): each
//! matrix as int8 rows with one scale per row, read back to f32 by the core on load within half
//! a quantization step of every weight; vectors stay f32.

use burn::prelude::*;
use pollster::block_on;
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use tunelab::core::model::{Bert, BertConfig, WeightMap, ROW_SCALES};
use tunelab::core::task_model::ModelFiles;

use super::golden::fixture;
use crate::common::golden_parity::{batch, f32_values, max_abs_diff, read_f32_async};
use crate::support::{announce, model_copy_files, model_files};

fn int8_files() -> ModelFiles {
    model_copy_files("-q8")
}

#[test]
fn the_int8_copy_reads_back_within_half_a_step_of_each_weight() {
    let (original, copy) = (model_files(), int8_files());
    assert_eq!(copy.config_json, original.config_json);
    assert_eq!(copy.tokenizer_json, original.tokenizer_json);
    let f32s = SafeTensors::deserialize(&original.model_safetensors).expect("the original");
    let stored = SafeTensors::deserialize(&copy.model_safetensors).expect("the copy");
    let mut read = WeightMap::from_safetensors(&copy.model_safetensors).expect("the core reads the copy");
    let mut matrices = 0;
    for (name, view) in f32s.tensors() {
        if view.dtype() != Dtype::F32 {
            continue;
        }
        let values: Vec<f32> = f32_values(view.data()).collect();
        let key = name.strip_prefix("bert.").unwrap_or(&name);
        let loaded = read.take(key, view.shape()).unwrap_or_else(|e| panic!("{name}: {e}"));
        if view.shape().len() != 2 {
            assert_eq!(loaded.values, values, "{name}: a vector stays f32");
            continue;
        }
        matrices += 1;
        assert_eq!(stored.tensor(&name).map(|t| t.dtype()).ok(), Some(Dtype::I8), "{name}: stored as int8");
        let scales = stored.tensor(&format!("{name}{ROW_SCALES}")).unwrap_or_else(|_| panic!("{name}: no scales"));
        let scales: Vec<f32> = f32_values(scales.data()).collect();
        let columns = view.shape()[1];
        for ((row, back), scale) in values.chunks_exact(columns).zip(loaded.values.chunks_exact(columns)).zip(&scales) {
            let peak = row.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            assert_eq!(*scale, if peak > 0.0 { peak / 127.0 } else { 1.0 }, "{name}: a row's scale is its peak / 127");
            for (v, b) in row.iter().zip(back) {
                assert!((v - b).abs() <= scale * 0.5001, "{name}: {v} read back as {b}, step {scale}");
            }
        }
    }
    assert_eq!(read.unexpected(), Vec::<String>::new(), "the scales are consumed with their matrices");
    announce(format!(
        "int8 copy: {:.1} MB for the original's {:.1} MB, {matrices} int8 matrices",
        copy.model_safetensors.len() as f64 / 1e6,
        original.model_safetensors.len() as f64 / 1e6
    ));
}

/// Real tokens only: a padding position's output is whatever attention over nothing gives, and
/// int8 moves it by up to 3 (transformers' own outputs there mean nothing).
#[test]
fn the_int8_copy_stays_near_transformers_outputs_on_real_tokens() {
    let (files, fixture, device) = (int8_files(), fixture("forward.safetensors"), Device::flex());
    let config = BertConfig::from_json_bytes(&files.config_json).expect("config");
    let mut weights = WeightMap::from_safetensors(&files.model_safetensors).expect("weights");
    let bert = Bert::load(&mut weights, &config, Some(0), &device).expect("load");
    let hidden = block_on(read_f32_async(bert.forward(batch(&fixture, &device))));
    let (shape, expected) = fixture.f32("last_hidden_state");
    let (_, mask) = fixture.i64("attention_mask");
    let width = shape[2];
    let (mut worst_cosine, mut worst_delta) = (1.0f32, 0.0f32);
    for ((ours, theirs), _) in
        hidden.chunks_exact(width).zip(expected.chunks_exact(width)).zip(&mask).filter(|(_, &m)| m == 1)
    {
        let dot: f32 = ours.iter().zip(theirs).map(|(a, b)| a * b).sum();
        let norm = |v: &[f32]| v.iter().map(|a| a * a).sum::<f32>().sqrt();
        worst_cosine = worst_cosine.min(dot / (norm(ours) * norm(theirs)));
        worst_delta = worst_delta.max(max_abs_diff(ours, theirs));
    }
    announce(format!(
        "int8 copy against transformers on {} real tokens: last_hidden_state max |Δ| {worst_delta:.2e}, lowest cosine {worst_cosine:.5}",
        mask.iter().filter(|&&m| m == 1).count()
    ));
    // Bounds on int8's rounding, not parity: the f32 model keeps the strict one.
    assert!(worst_cosine >= 0.99 && worst_delta <= 0.5, "int8 moved a real token's state too far");
}

#[test]
fn an_int8_matrix_without_its_scales_is_refused_by_name() {
    let data = [1u8, 2, 3, 4];
    let view = TensorView::new(Dtype::I8, vec![2, 2], &data).expect("a view");
    let file = safetensors::serialize([("encoder.w", view)], None).expect("serialises");
    let error = WeightMap::from_safetensors(&file).err().expect("refused").to_string();
    assert!(error.contains("encoder.w") && error.contains("encoder.w.scale"), "{error}");
}
