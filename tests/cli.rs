//! The `tunelab` binary end to end on small slices of the real datasets.

use std::path::PathBuf;
use std::process::{Command, Output};

use crate::support::{conll_slice, model_dir, shared};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tunelab-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn tunelab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tunelab")).args(args).output().expect("run tunelab")
}

fn last_json(output: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "tunelab failed: {}\n{stdout}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("last line is JSON")
}

#[test]
fn ner_train_export_and_eval() {
    let dir = scratch("ner");
    let wnut = shared("data/wnut17/train.conll");
    std::fs::write(dir.join("train.conll"), conll_slice(&wnut, 0, 32)).expect("write");
    std::fs::write(dir.join("dev.conll"), conll_slice(&wnut, 32, 16)).expect("write");
    let s = |p: &str| dir.join(p).to_string_lossy().into_owned();
    let model = model_dir().to_string_lossy().into_owned();
    let out = tunelab(&[
        "train",
        "--model",
        &model,
        "--task",
        "ner",
        "--train",
        &s("train.conll"),
        "--dev",
        &s("dev.conll"),
        "--epochs",
        "1",
        "--batch",
        "8",
        "--max-len",
        "64",
        "--json",
        "--export",
        &s("export"),
    ]);
    let result = last_json(&out);
    assert_eq!(result["task"], "ner");
    assert_eq!(result["n_train"], 32);
    assert_eq!(result["n_dev"], 16);
    assert!(result["train_seconds"].as_f64().expect("seconds") > 0.0);
    assert!(result["train_tokens_per_s"].as_f64().expect("tokens/s") > 0.0);
    let f1 = result["metrics"]["entity_f1"].as_f64().expect("entity_f1");
    assert!((0.0..=1.0).contains(&f1));
    assert!(result["metrics"]["entity_f1_strict"].is_number());
    assert!(result["metrics"]["per_type"].is_object());
    for file in ["config.json", "tokenizer.json", "model.safetensors"] {
        assert!(dir.join("export").join(file).is_file(), "export lacks {file}");
    }
    let eval = last_json(&tunelab(&[
        "eval",
        "--model",
        &s("export"),
        "--data",
        &s("dev.conll"),
        "--batch",
        "16",
        "--max-len",
        "64",
        "--json",
    ]));
    assert_eq!(eval["task"], "ner");
    assert_eq!(
        eval["metrics"]["entity_f1"], result["metrics"]["entity_f1"],
        "eval of the export = the final dev evaluation"
    );
}

/// MiniLM at length 64 needs about 431 MB (MiB, as the CLI counts) for its weights, gradients
/// and moments and 12 MB more per sequence on the CPU (its own passes keep less than the
/// tensor ops' 25): under a 520 MB limit (90 % of it planned for), batch 8 becomes batch 2 with
/// 4× accumulation (batch 4 needs 480), and no limit fits batch 1 under 450 MB (it needs 443).
#[test]
fn a_memory_limit_cuts_the_batch_and_keeps_the_effective_batch() {
    let dir = scratch("memory");
    let wnut = shared("data/wnut17/train.conll");
    std::fs::write(dir.join("train.conll"), conll_slice(&wnut, 0, 16)).expect("write");
    std::fs::write(dir.join("dev.conll"), conll_slice(&wnut, 16, 4)).expect("write");
    let s = |p: &str| dir.join(p).to_string_lossy().into_owned();
    let model = model_dir().to_string_lossy().into_owned();
    let run = |limit: &str| {
        tunelab(&[
            "train",
            "--model",
            &model,
            "--task",
            "ner",
            "--train",
            &s("train.conll"),
            "--dev",
            &s("dev.conll"),
            "--epochs",
            "1",
            "--batch",
            "8",
            "--max-len",
            "64",
            "--json",
            "--memory-limit",
            limit,
        ])
    };
    let out = run("520");
    let result = last_json(&out);
    assert_eq!((result["batch"].as_u64(), result["grad_accumulation"].as_u64()), (Some(2), Some(4)));
    assert_eq!(result["steps"], 2, "16 examples at an effective batch of 8: two optimizer steps");
    let estimate = result["memory_estimate_mb"].as_f64().expect("estimate");
    assert!(estimate < 0.9 * 520.0, "the planned run fits under the limit: {estimate} MB");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("training with batch 2 and 4× gradient accumulation instead"), "{stderr}");

    let refused = run("450");
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("even batch 1 needs about") && stderr.contains("450 MB limit"), "{stderr}");
}

#[test]
fn classification_without_dev_file_is_split() {
    let dir = scratch("cls");
    let sst = std::fs::read_to_string(shared("data/sst2/train.tsv")).expect("sst2");
    let slice: String = sst.lines().take(41).map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.join("train.tsv"), slice).expect("write");
    let model = model_dir().to_string_lossy().into_owned();
    let train = dir.join("train.tsv").to_string_lossy().into_owned();
    let out = tunelab(&[
        "train",
        "--model",
        &model,
        "--task",
        "cls",
        "--train",
        &train,
        "--epochs",
        "1",
        "--batch",
        "8",
        "--max-len",
        "32",
        "--json",
    ]);
    let result = last_json(&out);
    assert_eq!(result["task"], "cls");
    assert_eq!(
        result["n_train"].as_u64().expect("n")
            + result["n_dev"].as_u64().expect("n")
            + result["n_test"].as_u64().expect("n"),
        40
    );
    assert!(result["metrics"]["accuracy"].is_number() && result["metrics"]["macro_f1"].is_number());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no --dev given: split"));
}

#[test]
fn a_lora_run_exports_a_merged_model_and_a_peft_adapter() {
    let dir = scratch("lora");
    let sst = std::fs::read_to_string(shared("data/sst2/train.tsv")).expect("sst2");
    let slice: String = sst.lines().take(25).map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.join("train.tsv"), slice).expect("write");
    let model = model_dir().to_string_lossy().into_owned();
    let (train, export) = (dir.join("train.tsv").to_string_lossy().into_owned(), dir.join("export"));
    let run = |extra: &[&str]| {
        let mut args = vec!["train", "--model", &model, "--task", "cls", "--train", &train, "--epochs", "1"];
        args.extend(["--batch", "8", "--max-len", "32"]);
        args.extend(extra);
        tunelab(&args)
    };
    let project = dir.join("project");
    let out = run(&[
        "--lora",
        "4,8",
        "--json",
        "--export",
        &export.to_string_lossy(),
        "--export-script",
        &project.to_string_lossy(),
    ]);
    let result = last_json(&out);
    assert_eq!(result["trainable_parameters"], 37634);
    for file in
        ["train.py", "requirements.txt", "README.md", "tokenizer.json", "data/train.jsonl", "initial_head.safetensors"]
    {
        assert!(project.join(file).is_file(), "the Python project lacks {file}");
    }
    let script = std::fs::read_to_string(project.join("train.py")).expect("train.py");
    assert!(script.contains(r#""lora_rank": 4"#) && script.contains(r#""lora_alpha": 8.0"#), "{script}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // 6 layers × query and value × 4 × (384 + 384), and the head: 384 × 2 + 2.
    assert!(stderr.contains("training 37634 parameters: LoRA adapters (r = 4, alpha = 8)"), "{stderr}");
    assert!(export.join("model.safetensors").is_file(), "the merged model");
    let config = std::fs::read(export.join("adapter/adapter_config.json")).expect("adapter_config.json");
    let config: serde_json::Value = serde_json::from_slice(&config).expect("json");
    assert_eq!((config["r"].as_u64(), config["lora_alpha"].as_f64()), (Some(4), Some(8.0)));
    assert_eq!(config["task_type"], "SEQ_CLS");
    let base = std::fs::canonicalize(model_dir()).expect("model dir");
    assert_eq!(config["base_model_name_or_path"].as_str(), Some(&*base.to_string_lossy()));
    assert!(export.join("adapter/adapter_model.safetensors").is_file());

    let refused = run(&["--lora", "4,0"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && stderr.contains("LoRA alpha"), "{stderr}");
    let refused = run(&["--lora", "8", "--freeze-encoder"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && stderr.contains("choose one"), "{stderr}");
}

#[test]
fn bad_inputs_get_messages_with_file_and_line() {
    let dir = scratch("bad");
    std::fs::write(dir.join("bad.conll"), "Paris\tB-LOC\nis\n\nRome\tX-LOC\n").expect("write");
    let model = model_dir().to_string_lossy().into_owned();
    let bad = dir.join("bad.conll").to_string_lossy().into_owned();
    let out = tunelab(&[
        "train", "--model", &model, "--task", "ner", "--train", &bad, "--dev", &bad, "--epochs", "1", "--json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.conll:2:"), "{stderr}");
    assert!(stderr.contains("bad.conll:4:"), "{stderr}");

    let out = tunelab(&["train", "--model", &dir.to_string_lossy(), "--task", "ner", "--train", &bad]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("config.json") && !stderr.contains("panicked"), "{stderr}");

    let out = tunelab(&["train", "--model", &model, "--task", "ner", "--train", &bad, "--batch", "0"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--batch-size") && stderr.contains("from 1 to 1024"), "{stderr}");
}
