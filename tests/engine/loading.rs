//! A wrong model gets a message that says what is wrong.

use burn::prelude::*;
use tunelab::core::model::{BertConfig, ModelError, Task};
use tunelab::core::task_model::{LoadError, LoadOptions, ModelFiles, TaskModel};

use crate::support::model_files;

fn options() -> LoadOptions {
    LoadOptions { task: Task::Cls, labels: Some(vec!["a".into(), "b".into()]), max_len: 32, dropout: None, seed: 1 }
}

#[test]
fn other_model_types_are_refused_by_name() {
    let err = BertConfig::from_json_bytes(br#"{"model_type": "gpt2", "vocab_size": 10}"#).expect_err("gpt2");
    assert!(err.to_string().contains("gpt2"), "{err}");
    assert!(matches!(err, ModelError::UnsupportedModelType(t) if t == "gpt2"));
}

#[test]
fn config_errors_name_the_field() {
    let err = BertConfig::from_json_bytes(br#"{"model_type": "bert", "hidden_size": 384}"#).expect_err("incomplete");
    assert!(err.to_string().contains("vocab_size"), "{err}");
    let err = BertConfig::from_json_bytes(b"{not json").expect_err("not json");
    assert!(err.to_string().contains("not valid JSON"), "{err}");
}

#[test]
fn truncated_weights_file_is_an_error_not_a_panic() {
    let mut files = model_files();
    files.model_safetensors.truncate(1000);
    let err = TaskModel::load(&files, &options(), &Device::flex()).expect_err("truncated");
    assert!(matches!(err, LoadError::Model(ModelError::Safetensors(_))), "{err}");
}

#[test]
fn weights_of_another_size_are_named() {
    let mut files = model_files();
    let mut config: serde_json::Value = serde_json::from_slice(&files.config_json).expect("json");
    config["intermediate_size"] = 1000.into();
    files.config_json = serde_json::to_vec(&config).expect("json");
    let err = TaskModel::load(&files, &options(), &Device::flex()).expect_err("shape");
    let message = err.to_string();
    assert!(message.contains("intermediate.dense.weight") && message.contains("1536"), "{message}");
}

#[test]
fn tokenizer_of_another_model_is_refused() {
    let files = model_files();
    let mut config: serde_json::Value = serde_json::from_slice(&files.config_json).expect("json");
    config["vocab_size"] = 1000.into();
    let files = ModelFiles { config_json: serde_json::to_vec(&config).expect("json"), ..files };
    let err = TaskModel::load(&files, &options(), &Device::flex()).expect_err("vocab");
    assert!(matches!(err, LoadError::VocabMismatch { .. }), "{err}");
}

#[test]
fn broken_tokenizer_json_is_an_error() {
    let files = ModelFiles { tokenizer_json: b"{}".to_vec(), ..model_files() };
    let err = TaskModel::load(&files, &options(), &Device::flex()).expect_err("tokenizer");
    assert!(err.to_string().contains("tokenizer.json"), "{err}");
}
