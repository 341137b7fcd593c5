//! The model for the web: a trained model's ONNX folder holds the graphs Transformers.js loads,
//! and onnxruntime gives Tunelab's logits from the fp32 graph and its labels from the int8 one.

use burn::prelude::*;
use pollster::block_on;
use prost::Message;
use tunelab::core::data::Examples;
use tunelab::core::model::{Classifier, Task};
use tunelab::core::onnx::{onnx_folder, proto::ModelProto, OnnxError};
use tunelab::core::task_model::{LoadOptions, TaskModel};
use tunelab::core::tokenize::Encoded;
use tunelab::core::train::batch::{collate, Sample, Target};
use tunelab::core::train::{label_list, train, RunToEnd, TrainConfig};

use crate::support::{
    announce, last_json_line, model_files, read_f32, reference_python, root, scratch_folder, sst2_slice, wnut_slice,
};

/// A model trained for three short epochs on `train_set`, on the CPU: enough for its labels to
/// stand apart, as a fine-tuned model's do (after four steps, near-ties flip under int8).
fn trained(train_set: &Examples) -> TaskModel {
    let options = LoadOptions {
        task: train_set.task(),
        labels: Some(label_list(train_set)),
        max_len: 48,
        dropout: Some(0.1),
        seed: 42,
    };
    let mut model = TaskModel::load(&model_files(), &options, &Device::flex().autodiff()).expect("load");
    let config = TrainConfig { epochs: 3, batch_size: 8, max_len: 48, learning_rate: 5e-4, ..TrainConfig::default() };
    let plan = config.plan(train_set.len()).expect("plan");
    block_on(train(&mut model, train_set, None, &plan, &mut RunToEnd, &mut |_| {})).expect("train");
    model
}

fn encodings(model: &TaskModel, examples: &Examples) -> Vec<Encoded> {
    match examples {
        Examples::Cls(e) => e.iter().map(|e| model.tokenizer.encode_text(&e.text).expect("encode")).collect(),
        Examples::Ner(e) => e.iter().map(|e| model.tokenizer.encode_words(&e.tokens).expect("encode")).collect(),
    }
}

/// Tunelab's logits for one sequence, without dropout.
fn logits(model: &TaskModel, encoded: &Encoded) -> Vec<f32> {
    let sample = Sample { encoded: encoded.clone(), target: Target::Class(0) };
    let inference: Classifier = model.model.valid();
    let device = inference.classifier.weight.device();
    read_f32(inference.logits(collate(&[&sample], model.tokenizer.pad_id(), &device).input))
}

fn op_count(graph: &[u8], op: &str) -> usize {
    let model = ModelProto::decode(graph).expect("an ONNX ModelProto");
    model.graph.expect("a graph").node.iter().filter(|n| n.op_type.as_deref() == Some(op)).count()
}

#[test]
fn a_base_model_without_a_head_is_refused() {
    assert!(matches!(onnx_folder(&model_files()), Err(OnnxError::NoTask)));
}

#[test]
fn a_token_classifier_runs_in_onnxruntime_as_in_tunelab() {
    check_onnx_folder("ner", &wnut_slice(0, 32), &wnut_slice(32, 24));
}

#[test]
fn a_sequence_classifier_runs_in_onnxruntime_as_in_tunelab() {
    check_onnx_folder("cls", &sst2_slice(0, 32), &sst2_slice(32, 64));
}

fn check_onnx_folder(name: &str, train_set: &Examples, dev: &Examples) {
    let model = trained(train_set);
    let exported = block_on(model.export()).expect("export");
    let folder = onnx_folder(&exported).expect("onnx folder");

    // Every linear layer of the encoder (6 per layer), the pooler for classification, the head.
    let layers = 6 * model.config.num_hidden_layers + usize::from(model.task == Task::Cls) + 1;
    assert_eq!(op_count(&folder.model_onnx, "MatMul"), layers + 2 * model.config.num_hidden_layers);
    assert_eq!(op_count(&folder.model_onnx, "MatMulInteger"), 0);
    assert_eq!(op_count(&folder.model_quantized_onnx, "MatMulInteger"), layers);
    assert!(folder.model_quantized_onnx.len() < folder.model_onnx.len(), "int8 is smaller");
    let tokenizer_config: serde_json::Value =
        serde_json::from_slice(&folder.tokenizer_config_json).expect("tokenizer_config.json");
    assert_eq!(tokenizer_config["do_lower_case"], true, "MiniLM's tokenizer lowercases");
    assert_eq!(tokenizer_config["cls_token"], "[CLS]");

    let test = format!("onnx_folder_runs_in_onnxruntime ({name})");
    let Some(python) = reference_python(&test) else { return };
    let dir = scratch_folder(&format!("onnx-{name}"), folder.files());
    let sentences: Vec<serde_json::Value> = encodings(&model, dev)
        .iter()
        .map(|e| serde_json::json!({ "input_ids": e.ids, "logits": logits(&model, e) }))
        .collect();
    let texts: Vec<serde_json::Value> = match sst2_slice(32, 8) {
        Examples::Cls(e) => e
            .iter()
            .map(|e| serde_json::json!({ "text": e.text, "input_ids": model.tokenizer.encode_text(&e.text).expect("encode").ids }))
            .collect(),
        Examples::Ner(_) => unreachable!("SST-2 is classification"),
    };
    let run = serde_json::json!({ "folder": dir, "sentences": sentences, "texts": texts });
    std::fs::write(dir.join("run.json"), run.to_string()).expect("run.json");
    let report = last_json_line(
        std::process::Command::new(&python).arg(root().join("tests/python/onnx_check.py")).arg(dir.join("run.json")),
        "onnx_check.py",
    );
    let _ = std::fs::remove_dir_all(&dir);
    announce(format!("{test}: {report}"));
    let gap = report["fp32"]["max_abs_diff"].as_f64().expect("max_abs_diff");
    assert!(gap < 1e-4, "onnxruntime's fp32 logits are {gap} from Tunelab's");
    let padded = report["padded_batch_max_abs_diff"].as_f64().expect("padded");
    assert!(padded < 1e-4, "a padded batch moves the logits by {padded}");
    let agreement = report["int8"]["argmax_agreement_with_fp32"].as_f64().expect("agreement");
    assert!(agreement >= 0.99, "int8 agrees with fp32 on {agreement} of the labels");
    assert_eq!(report["tokenizer_same_ids"], true, "transformers reads the folder's tokenizer otherwise");
}
