//! The download forms of a run: the model folder as a zip, the metrics as JSON and CSV.

use std::io::Read;

use tunelab::core::evaluate::EvalReport;
use tunelab::core::metrics::{classification_report, entity_report, EntityMode};
use tunelab::core::metrics_files::{metrics_csv, metrics_json};
use tunelab::core::model::AdapterFiles;
use tunelab::core::model_zip::{model_zip, read_model_zip, ModelZipError};
use tunelab::core::task_model::ModelFiles;
use tunelab::core::train::EpochSummary;

fn files() -> ModelFiles {
    ModelFiles {
        config_json: br#"{"model_type": "bert"}"#.to_vec(),
        tokenizer_json: b"{}".to_vec(),
        model_safetensors: (0..=255u8).cycle().take(100_000).collect(),
    }
}

#[test]
fn a_model_zip_holds_the_three_files_in_one_folder() {
    let zip = model_zip(&files(), None, "tunelab-model").expect("zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&zip)).expect("a valid zip");
    let mut names: Vec<String> = archive.file_names().map(str::to_string).collect();
    names.sort();
    assert_eq!(names, ["tunelab-model/config.json", "tunelab-model/model.safetensors", "tunelab-model/tokenizer.json"]);
    let mut weights = Vec::new();
    archive.by_name("tunelab-model/model.safetensors").expect("weights").read_to_end(&mut weights).expect("read");
    assert_eq!(weights, files().model_safetensors);
    assert_eq!(read_model_zip(&zip, "m.zip").expect("read back"), files());
}

#[test]
fn a_lora_runs_zip_carries_its_adapter_beside_the_model_and_still_loads_as_the_model() {
    let adapter =
        AdapterFiles { config_json: br#"{"peft_type": "LORA"}"#.to_vec(), adapter_safetensors: vec![7; 1000] };
    let zip = model_zip(&files(), Some(&adapter), "tunelab-model").expect("zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&zip)).expect("a valid zip");
    let mut config = Vec::new();
    archive
        .by_name("tunelab-model/adapter/adapter_config.json")
        .expect("config")
        .read_to_end(&mut config)
        .expect("read");
    assert_eq!(config, adapter.config_json);
    assert!(archive.by_name("tunelab-model/adapter/adapter_model.safetensors").is_ok());
    assert_eq!(archive.len(), 5);
    assert_eq!(read_model_zip(&zip, "m.zip").expect("read back"), files(), "the adapter is not taken for the model");
}

#[test]
fn a_zip_without_weights_or_no_zip_at_all_is_named() {
    let mut partial = files();
    partial.model_safetensors.clear();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("m/config.json", zip::write::SimpleFileOptions::default()).expect("start");
    std::io::Write::write_all(&mut zip, b"{}").expect("write");
    let bytes = zip.finish().expect("finish").into_inner();
    let err = read_model_zip(&bytes, "partial.zip").expect_err("no tokenizer");
    assert!(matches!(err, ModelZipError::Missing { file: "tokenizer.json", .. }), "{err}");
    assert!(err.to_string().contains("partial.zip"));
    let err = read_model_zip(b"not a zip", "photo.zip").expect_err("not a zip").to_string();
    assert!(err.starts_with("photo.zip is not a readable zip"), "{err}");
}

fn epoch(n: usize, dev: EvalReport) -> EpochSummary {
    EpochSummary {
        epoch: n,
        train_loss: 0.5,
        train_seconds: 1.0,
        train_tokens: 100,
        train_sequences: 10,
        dev: Some(dev),
        dev_predictions: None,
        elapsed_s: 1.5,
    }
}

#[test]
fn metrics_files_carry_every_label_and_average() {
    let cls = classification_report(&["pos", "neg", "pos"], &["pos", "pos", "pos"]).expect("report");
    let gold = vec![vec!["B-PER".to_string(), "O".into()], vec!["B-LOC".into(), "I-LOC".into()]];
    let pred = vec![vec!["B-PER".to_string(), "O".into()], vec!["O".into(), "O".into()]];
    let ner = EvalReport::Ner {
        default: entity_report(&gold, &pred, EntityMode::Default).expect("default"),
        strict: entity_report(&gold, &pred, EntityMode::StrictIob2).expect("strict"),
    };
    let epochs = [epoch(1, EvalReport::Cls(cls)), epoch(2, ner)];
    let csv = metrics_csv(&epochs);
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows[0], ["epoch", "train_loss", "scheme", "label", "precision", "recall", "f1", "support"]);
    assert!(rows.iter().all(|r| r.len() == 8), "{csv}");
    let find = |epoch: &str, scheme: &str, label: &str| {
        rows.iter()
            .find(|r| r[0] == epoch && r[2] == scheme && r[3] == label)
            .unwrap_or_else(|| panic!("{label}: {csv}"))
    };
    assert_eq!(find("1", "classification", "accuracy")[4], (2.0f64 / 3.0).to_string());
    assert_eq!(find("1", "classification", "neg")[7], "1");
    assert_eq!(find("2", "seqeval default", "PER")[6], "1");
    assert_eq!(find("2", "seqeval default", "LOC")[6], "0");
    assert_eq!(find("2", "seqeval strict IOB2", "micro avg")[5], "0.5");

    let json: serde_json::Value = serde_json::from_str(&metrics_json(&epochs)).expect("json");
    assert_eq!(json["epochs"][0]["dev"]["accuracy"], 2.0 / 3.0);
    assert_eq!(json["epochs"][1]["dev"]["task"], "ner");
}
