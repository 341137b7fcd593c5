//! Export → load gives identical outputs, under the names transformers expects.

use burn::prelude::*;
use safetensors::SafeTensors;
use tunelab::core::model::Task;
use tunelab::core::task_model::{LoadOptions, TaskModel};

use crate::support::{model_files, read_f32};

fn round_trip(task: Task, labels: &[&str]) {
    let device = Device::flex();
    let labels: Vec<String> = labels.iter().map(|s| s.to_string()).collect();
    let options = LoadOptions { task, labels: Some(labels.clone()), max_len: 64, dropout: None, seed: 7 };
    let model = TaskModel::load(&model_files(), &options, &device).expect("load");
    assert!(model.load_report.missing.iter().all(|m| m.starts_with("classifier.")), "{:?}", model.load_report.missing);

    let exported = pollster::block_on(model.export()).expect("export");
    let config: serde_json::Value = serde_json::from_slice(&exported.config_json).expect("config json");
    assert_eq!(config["architectures"][0], task.architecture());
    assert_eq!(config["model_type"], "bert");
    for (i, label) in labels.iter().enumerate() {
        assert_eq!(config["id2label"][i.to_string()], label.as_str());
        assert_eq!(config["label2id"][label], i);
    }
    let tensors = SafeTensors::deserialize(&exported.model_safetensors).expect("safetensors");
    let names: Vec<String> = tensors.names().into_iter().map(str::to_string).collect();
    assert!(names.contains(&"bert.embeddings.word_embeddings.weight".to_string()));
    assert!(names.contains(&"bert.encoder.layer.5.output.LayerNorm.weight".to_string()));
    assert!(names.contains(&"classifier.weight".to_string()));
    assert_eq!(tensors.tensor("classifier.weight").expect("head").shape(), &[labels.len(), 384]);
    assert_eq!(
        names.iter().any(|n| n.starts_with("bert.pooler")),
        task == Task::Cls,
        "pooler only for sequence classification"
    );
    let tokenizer: serde_json::Value = serde_json::from_slice(&exported.tokenizer_json).expect("tokenizer json");
    assert!(tokenizer["model"]["vocab"].is_object());
    assert!(
        tokenizer["padding"].is_null() && tokenizer["truncation"].is_null(),
        "export carries no baked-in padding/truncation"
    );

    let reloaded = TaskModel::load(&exported, &LoadOptions { labels: None, ..options }, &device).expect("reload");
    assert_eq!(reloaded.labels, labels);
    assert!(reloaded.load_report.missing.is_empty(), "{:?}", reloaded.load_report.missing);
    assert!(reloaded.load_report.unexpected.is_empty(), "{:?}", reloaded.load_report.unexpected);
    let text = "Angela Merkel visited Paris on Tuesday.";
    let words: Vec<String> = text.split(' ').map(str::to_string).collect();
    let encoded = model.tokenizer.encode_words(&words).expect("encode");
    let sample = tunelab::core::train::batch::Sample { encoded, target: tunelab::core::train::batch::Target::Class(0) };
    let batch = |m: &TaskModel| tunelab::core::train::batch::collate(&[&sample], m.tokenizer.pad_id(), &device).input;
    let before = read_f32(model.model.logits(batch(&model)));
    let after = read_f32(reloaded.model.logits(batch(&reloaded)));
    assert_eq!(before, after, "exported weights give other outputs");
}

#[test]
fn sequence_classifier_round_trips_through_hf_folder() {
    round_trip(Task::Cls, &["negative", "neutral", "positive"]);
}

#[test]
fn token_classifier_round_trips_through_hf_folder() {
    round_trip(Task::Ner, &["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]);
}
