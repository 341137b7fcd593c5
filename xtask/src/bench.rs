//! `cargo xtask bench`: Tunelab against PyTorch + transformers in the same run, on the same
//! machine, model files, data slice, batch size and max length. One warm-up epoch, then
//! medians over the measured epochs.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

use crate::{cargo, root, run_checked};

const SENTENCES: usize = 512;
const EPOCHS: usize = 3;
const WARMUP_EPOCHS: usize = 1;
const BATCH: usize = 16;
const MAX_LEN: usize = 128;
const MODEL: &str = "web/models/all-MiniLM-L6-v2";
const DATA: &str = "../shared/data/wnut17/train.conll";

/// One measured configuration.
struct Row {
    name: String,
    tokens_per_s: f64,
    sequences_per_s: f64,
    peak_rss_mb: Option<f64>,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let with_wgpu = args.iter().any(|a| a == "--wgpu");
    crate::models::run()?;
    let python = venv()?;
    run_checked(cargo().args(["build", "--bin", "tunelab"]), "building the CLI")?;
    let out = root().join("target/bench");
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());

    let mut rows = Vec::new();
    eprintln!("xtask: PyTorch + transformers, {SENTENCES} WNUT-17 sentences, {EPOCHS} epochs ({WARMUP_EPOCHS} warm-up), {threads} threads");
    let torch = run_json(
        Command::new(&python)
            .current_dir(root())
            .arg("bench/pytorch_train.py")
            .args(["--model", MODEL, "--data", DATA])
            .args(["--sentences", &SENTENCES.to_string(), "--epochs", &EPOCHS.to_string()])
            .args([
                "--batch",
                &BATCH.to_string(),
                "--max-len",
                &MAX_LEN.to_string(),
                "--threads",
                &threads.to_string(),
            ]),
    )?;
    rows.push(row(
        format!("PyTorch CPU ({threads} threads, torch {})", torch["torch"].as_str().unwrap_or("?")),
        &torch["epochs"],
        "seconds",
        "tokens",
        "sequences",
        torch["peak_rss_mb"].as_f64(),
    )?);

    let (train, dev) = slices(&out)?;
    let mut devices = vec![("cpu", format!("Tunelab native CPU (flex, {threads} threads)"))];
    if with_wgpu {
        devices.push(("gpu", "Tunelab native wgpu".to_string()));
    }
    for (device, name) in devices {
        eprintln!("xtask: {name}");
        let result = run_json(
            Command::new(root().join("target/debug/tunelab"))
                .current_dir(root())
                .args(["train", "--model", MODEL, "--task", "ner", "--json", "--device", device])
                .arg("--train")
                .arg(&train)
                .arg("--dev")
                .arg(&dev)
                .args([
                    "--epochs",
                    &EPOCHS.to_string(),
                    "--batch",
                    &BATCH.to_string(),
                    "--max-len",
                    &MAX_LEN.to_string(),
                ]),
        )?;
        rows.push(row(
            name,
            &result["epochs"],
            "train_seconds",
            "train_tokens",
            "train_sequences",
            result["peak_rss_mb"].as_f64(),
        )?);
    }

    let baseline = rows[0].tokens_per_s;
    println!("\nbench: default model, {SENTENCES} WNUT-17 sentences, batch {BATCH}, max length {MAX_LEN}, median of {} measured epochs", EPOCHS - WARMUP_EPOCHS);
    println!("{:<48} {:>10} {:>8} {:>10} {:>9}", "", "tokens/s", "seq/s", "peak MB", "vs torch");
    for r in &rows {
        let rss = r.peak_rss_mb.map_or("-".to_string(), |m| format!("{m:.0}"));
        println!(
            "{:<48} {:>10.1} {:>8.2} {:>10} {:>8.2}×",
            r.name,
            r.tokens_per_s,
            r.sequences_per_s,
            rss,
            r.tokens_per_s / baseline
        );
    }
    if !with_wgpu {
        println!(
            "{:<48} not run: pass --wgpu (a software adapter such as llvmpipe takes hours)",
            "Tunelab native wgpu"
        );
    }
    println!("{:<48} not measured: the browser runtime is not built yet", "Tunelab in-browser WebGPU / CPU fallback");
    let report = json!({
        "sentences": SENTENCES, "batch": BATCH, "max_len": MAX_LEN, "epochs": EPOCHS, "warmup_epochs": WARMUP_EPOCHS,
        "rows": rows.iter().map(|r| json!({
            "name": r.name, "tokens_per_s": r.tokens_per_s, "sequences_per_s": r.sequences_per_s,
            "peak_rss_mb": r.peak_rss_mb, "ratio_to_pytorch_cpu": r.tokens_per_s / baseline,
        })).collect::<Vec<_>>(),
    });
    let path = out.join("bench.json");
    std::fs::write(&path, serde_json::to_string_pretty(&report).unwrap_or_default())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("xtask: wrote {}", path.display());
    Ok(())
}

/// Median tokens/s and sequences/s over the epochs after the warm-up.
fn row(
    name: String,
    epochs: &Value,
    seconds: &str,
    tokens: &str,
    sequences: &str,
    peak_rss_mb: Option<f64>,
) -> Result<Row, String> {
    let epochs = epochs.as_array().ok_or_else(|| format!("{name}: no per-epoch figures"))?;
    let measured = &epochs[WARMUP_EPOCHS.min(epochs.len())..];
    let rate = |key: &str| {
        median(measured.iter().filter_map(|e| Some(e[key].as_f64()? / e[seconds].as_f64()?)).collect())
            .ok_or_else(|| format!("{name}: no measured epochs with `{key}`"))
    };
    Ok(Row { tokens_per_s: rate(tokens)?, sequences_per_s: rate(sequences)?, name, peak_rss_mb })
}

pub fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

pub fn run_json(cmd: &mut Command) -> Result<Value, String> {
    let output = cmd.stderr(Stdio::inherit()).output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !output.status.success() {
        return Err(format!("{cmd:?} failed ({})", output.status));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).map_err(|e| format!("last line of {cmd:?} is not JSON ({e}): {last}"))
}

/// The first `SENTENCES` sentences of the data as Tunelab's training file, and a 16-sentence
/// dev file (the CLI splits the training file when it has no dev file; evaluation time is
/// not counted in the per-epoch figures).
fn slices(out: &Path) -> Result<(PathBuf, PathBuf), String> {
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(root().join(DATA)).map_err(|e| format!("{DATA}: {e}"))?;
    let mut sentences: Vec<Vec<&str>> = vec![Vec::new()];
    for line in text.lines() {
        if line.trim().is_empty() {
            if sentences.last().is_some_and(|s| !s.is_empty()) {
                sentences.push(Vec::new());
            }
        } else if let Some(last) = sentences.last_mut() {
            last.push(line);
        }
    }
    let join = |s: &[Vec<&str>]| s.iter().map(|s| s.join("\n")).collect::<Vec<_>>().join("\n\n") + "\n";
    let train = out.join("wnut17-512.conll");
    let dev = out.join("wnut17-dev16.conll");
    let n = SENTENCES.min(sentences.len());
    std::fs::write(&train, join(&sentences[..n])).map_err(|e| e.to_string())?;
    std::fs::write(&dev, join(&sentences[n..(n + 16).min(sentences.len())])).map_err(|e| e.to_string())?;
    Ok((train, dev))
}

/// A virtual environment with torch and transformers under target/bench, made once.
pub fn venv() -> Result<PathBuf, String> {
    let dir = root().join("target/bench/venv");
    let python = dir.join("bin/python");
    let ready = |p: &Path| {
        Command::new(p).args(["-c", "import torch, transformers"]).output().is_ok_and(|o| o.status.success())
    };
    if ready(&python) {
        return Ok(python);
    }
    run_checked(Command::new("python3").args(["-m", "venv"]).arg(&dir), "creating the PyTorch venv")?;
    run_checked(
        Command::new(&python).args(["-m", "pip", "install", "--quiet", "torch", "transformers"]),
        "pip install torch transformers",
    )?;
    if ready(&python) {
        Ok(python)
    } else {
        Err("torch and transformers do not import in target/bench/venv".into())
    }
}
