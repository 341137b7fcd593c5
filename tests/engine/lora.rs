//! LoRA as peft defines it: a fresh adapter changes nothing, a run trains the adapters and the
//! head only, and both exports (merged, and base + peft folder) give the trained outputs.

use std::path::Path;

use burn::prelude::*;
use pollster::block_on;
use safetensors::SafeTensors;
use tunelab::core::data::Examples;
use tunelab::core::model::{attach_adapter, AdapterFiles, Classifier, LoraSpec, LoraTarget, Task};
use tunelab::core::task_model::{LoadOptions, ModelFiles, TaskModel};
use tunelab::core::train::batch::{collate, Sample, Target};
use tunelab::core::train::{label_list, train, ConfigError, Field, RunToEnd, TrainConfig, TrainEvent};

use crate::support::{
    announce, last_json_line, model_dir, model_files, read_f32, reference_python, root, scratch_folder, wnut_slice,
};

fn wnut(n: usize) -> Examples {
    wnut_slice(0, n)
}

fn load(files: &ModelFiles, labels: Option<Vec<String>>, device: &Device) -> TaskModel {
    let options = LoadOptions { task: Task::Ner, labels, max_len: 32, dropout: Some(0.1), seed: 42 };
    TaskModel::load(files, &options, device).expect("load")
}

/// The logits of one sentence, without dropout.
fn logits(model: &TaskModel) -> Vec<f32> {
    let words: Vec<String> = "Angela Merkel visited Paris on Tuesday .".split(' ').map(str::to_string).collect();
    logits_of(model, &words)
}

fn logits_of(model: &TaskModel, words: &[impl AsRef<str>]) -> Vec<f32> {
    let sample = Sample { encoded: model.tokenizer.encode_words(words).expect("encode"), target: Target::Class(0) };
    let inference: Classifier = model.model.valid();
    let device = inference.classifier.weight.device();
    read_f32(inference.logits(collate(&[&sample], model.tokenizer.pad_id(), &device).input))
}

fn max_difference(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// The weights LoRA leaves as loaded: every linear layer of the encoder, and the embeddings.
fn encoder_weights(model: &TaskModel) -> Vec<f32> {
    let bert = &model.model.bert;
    let mut all = read_f32(bert.embeddings.word.weight.val());
    for layer in &bert.layers {
        for target in LoraTarget::ALL {
            all.extend(read_f32(layer.projection(target).linear.weight.val()));
        }
    }
    all
}

#[test]
fn a_fresh_adapter_leaves_the_outputs_as_they_were() {
    let labels = label_list(&wnut(16));
    let mut model = load(&model_files(), Some(labels), &Device::flex());
    let before = logits(&model);
    let spec = LoraSpec { rank: 4, alpha: 8.0, dropout: 0.1, targets: LoraTarget::ALL.to_vec() };
    model.model.attach_lora(&spec, 3);
    assert_eq!(logits(&model), before, "B starts at zero, so the update is zero");
    assert_eq!(model.model.lora_spec(), Some(spec));
}

#[test]
fn a_lora_run_trains_the_adapters_and_head_and_both_exports_give_its_outputs() {
    let train_set = wnut(16);
    let labels = label_list(&train_set);
    let mut model = load(&model_files(), Some(labels.clone()), &Device::flex().autodiff());
    let (encoder_before, head_before) = (encoder_weights(&model), read_f32(model.model.classifier.weight.val()));
    let config = TrainConfig {
        epochs: 1,
        batch_size: 8,
        max_len: 32,
        learning_rate: 1e-3,
        lora_rank: Some(8),
        ..TrainConfig::default()
    };
    let plan = config.plan(train_set.len()).expect("plan");
    let (mut trainable, mut parameters, before) = (None, None, model.num_params());
    let mut on_event = |event: TrainEvent| {
        if let TrainEvent::Started { trainable_parameters, parameters: all, .. } = event {
            (trainable, parameters) = (Some(trainable_parameters), Some(all));
        }
    };
    block_on(train(&mut model, &train_set, None, &plan, &mut RunToEnd, &mut on_event)).expect("train");

    // peft's count for r = 8 on query and value: 6 layers × 2 × 8 × (384 + 384), and the head.
    let head = 384 * labels.len() + labels.len();
    assert_eq!(trainable, Some(6 * 2 * 8 * (384 + 384) + head));
    assert_eq!(parameters, Some(before + 6 * 2 * 8 * (384 + 384)), "the model's count includes its adapters");
    assert!(encoder_weights(&model) == encoder_before, "a weight under LoRA changed");
    assert_ne!(read_f32(model.model.classifier.weight.val()), head_before, "the head did not train");
    for layer in &model.model.bert.layers {
        for target in LoraTarget::ALL {
            let lora = &layer.projection(target).lora;
            assert_eq!(lora.is_some(), LoraSpec::QUERY_VALUE.contains(&target), "{target:?}");
            if let Some(lora) = lora {
                assert!(read_f32(lora.up.val()).iter().any(|v| *v != 0.0), "B of {target:?} did not train");
            }
        }
    }
    let trained = logits(&model);

    let merged = block_on(model.export()).expect("export");
    let plain = load(&merged, None, &Device::flex());
    assert!(plain.model.lora_spec().is_none(), "the merged export is a plain model");
    let merged_gap = max_difference(&logits(&plain), &trained);
    assert!(merged_gap < 1e-4, "merged model's logits are {merged_gap} away");

    let adapter = block_on(model.export_adapter(Some("sentence-transformers/all-MiniLM-L6-v2")))
        .expect("adapter")
        .expect("a LoRA run has an adapter");
    let config: serde_json::Value = serde_json::from_slice(&adapter.config_json).expect("adapter_config.json");
    assert_eq!(config["peft_type"], "LORA");
    assert_eq!(config["task_type"], "TOKEN_CLS");
    assert_eq!((config["r"].as_u64(), config["lora_alpha"].as_f64()), (Some(8), Some(16.0)));
    assert_eq!(config["target_modules"], serde_json::json!(["query", "value"]));
    assert_eq!(config["modules_to_save"], serde_json::json!(["classifier"]));
    let tensors = SafeTensors::deserialize(&adapter.adapter_safetensors).expect("adapter safetensors");
    let a = "base_model.model.bert.encoder.layer.5.attention.self.value.lora_A.weight";
    let b = "base_model.model.bert.encoder.layer.5.attention.self.value.lora_B.weight";
    assert_eq!(tensors.tensor(a).expect("lora_A").shape(), &[8, 384]);
    assert_eq!(tensors.tensor(b).expect("lora_B").shape(), &[384, 8]);
    assert_eq!(tensors.tensor("base_model.model.classifier.weight").expect("head").shape(), &[labels.len(), 384]);
    assert_eq!(tensors.len(), 6 * 2 * 2 + 2, "the adapters and the head, nothing else");

    let base_files = block_on(model.export_base()).expect("base export");
    let mut base = load(&base_files, Some(labels), &Device::flex());
    assert!(encoder_weights(&base) == encoder_before, "the base export is the weights as loaded");
    attach_adapter(&mut base.model, &adapter, &Device::flex()).expect("attach");
    let adapter_gap = max_difference(&logits(&base), &trained);
    assert!(adapter_gap < 1e-5, "base + adapter logits are {adapter_gap} away");

    peft_loads_both(&model, &merged, &adapter, trainable.unwrap_or_default());
}

/// The reference venv's transformers and peft load the merged folder, and the base with the
/// adapter folder, and give Tunelab's logits on a dev slice. `TUNELAB_PYTHON` names that venv's
/// Python (`cargo xtask test` sets it); without it the check says it did not run.
fn peft_loads_both(model: &TaskModel, merged: &ModelFiles, adapter: &AdapterFiles, trainable: usize) {
    let test = "peft_loads_both";
    let Some(python) = reference_python(test) else { return };
    let dir = scratch_folder(
        "peft-check",
        [
            (Path::new("merged").join(ModelFiles::CONFIG), merged.config_json.as_slice()),
            (Path::new("merged").join(ModelFiles::TOKENIZER), &merged.tokenizer_json),
            (Path::new("merged").join(ModelFiles::WEIGHTS), &merged.model_safetensors),
            (Path::new("adapter").join(AdapterFiles::CONFIG), &adapter.config_json),
            (Path::new("adapter").join(AdapterFiles::WEIGHTS), &adapter.adapter_safetensors),
        ],
    );
    let Examples::Ner(dev) = wnut_slice(16, 24) else { unreachable!("wnut is NER") };
    let sentences: Vec<serde_json::Value> = dev
        .iter()
        .map(|e| {
            let ids = model.tokenizer.encode_words(&e.tokens).expect("encode").ids;
            serde_json::json!({ "input_ids": ids, "logits": logits_of(model, &e.tokens) })
        })
        .collect();
    let run = serde_json::json!({
        "task": "ner",
        "base": model_dir(),
        "merged": dir.join("merged"),
        "adapter": dir.join("adapter"),
        "labels": model.labels,
        "sentences": sentences,
    });
    std::fs::write(dir.join("run.json"), run.to_string()).expect("run.json");
    let report = last_json_line(
        std::process::Command::new(&python).arg(root().join("tests/python/peft_check.py")).arg(dir.join("run.json")),
        "peft_check.py",
    );
    let _ = std::fs::remove_dir_all(&dir);
    announce(format!("{test}: {report}"));
    for which in ["merged", "adapter"] {
        let gap = report[which]["max_abs_diff"].as_f64().expect("max_abs_diff");
        assert!(gap < 1e-4, "{which}: transformers' logits are {gap} from Tunelab's");
        assert_eq!(report[which]["argmax_agreement"].as_f64(), Some(1.0), "{which}: {report}");
    }
    assert_eq!(report["peft_trainable_parameters"].as_u64(), Some(trainable as u64), "peft counts otherwise");
}

#[test]
fn lora_and_training_the_head_only_are_refused_together() {
    let config = TrainConfig { lora_rank: Some(8), freeze_encoder: true, ..TrainConfig::default() };
    let error = config.plan(10).expect_err("both freeze the encoder differently");
    assert_eq!(error, ConfigError::LoraWithFrozenEncoder);
    assert_eq!(error.field(), Some(Field::Lora));
}
