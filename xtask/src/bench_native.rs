//! The native rows of the bench, through the CLI's `--json` summary: CPU (flex) and wgpu
//! (lavapipe where there is no GPU driver), and peak memory at batch 16 × length 128.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::bench_rows::{epoch_rates, step_rates, Row, Setup, DATA, MODEL};
use crate::bench_torch::{self, run_json};
use crate::{cargo, root, run_checked, target_dir};

/// Sequences of the memory run: three steps at batch 16.
const LONG_SEQUENCES: usize = 48;

fn sentences() -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(root().join(DATA)).map_err(|e| format!("{DATA}: {e}"))?;
    let mut sentences: Vec<Vec<&str>> = vec![Vec::new()];
    // Sentences end at a blank line (WNUT-17's blank lines hold a tab).
    for line in text.lines() {
        match (line.trim().is_empty(), sentences.last_mut()) {
            (true, Some(current)) if !current.is_empty() => sentences.push(Vec::new()),
            (false, Some(current)) => current.push(line),
            _ => {}
        }
    }
    Ok(sentences.into_iter().filter(|s| !s.is_empty()).map(|s| s.join("\n")).collect())
}

pub fn write(path: &Path, sentences: &[String]) -> Result<PathBuf, String> {
    std::fs::write(path, sentences.join("\n\n") + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path.to_path_buf())
}

/// The first `n` WNUT-17 sentences, the file every row trains on, and the next 16 as the
/// CLI's dev file (so that it does not split the slice; evaluation is not in the figures).
pub fn write_slice(out: &Path, n: usize) -> Result<Slice, String> {
    let all = sentences()?;
    let n = n.min(all.len());
    Ok(Slice {
        train: write(&out.join(format!("wnut17-first-{n}.conll")), &all[..n])?,
        dev: write(&out.join("wnut17-dev-16.conll"), &all[n..(n + 16).min(all.len())])?,
    })
}

pub struct Slice {
    pub train: PathBuf,
    pub dev: PathBuf,
}

/// The CLI: `--tiny` reuses the native test build's binary (the same command, so cargo finds
/// it fresh); the full bench builds it in release.
fn cli(setup: &Setup) -> Result<PathBuf, String> {
    if !setup.release {
        crate::native_build()?;
        return Ok(target_dir().join("debug").join("tunelab"));
    }
    run_checked(cargo().args(["build", "--release", "--bin", "tunelab"]), "building the CLI (release)")?;
    Ok(target_dir().join("release").join("tunelab"))
}

/// `tunelab train --json`.
fn train(
    setup: &Setup,
    data: &Slice,
    device: &str,
    epochs: usize,
    max_steps: Option<usize>,
    flags: &[&str],
) -> Result<Value, String> {
    let mut cmd = Command::new(cli(setup)?);
    cmd.current_dir(root())
        .args(["train", "--model", MODEL, "--task", "ner", "--json", "--device", device, "--train"])
        .arg(&data.train)
        .arg("--dev")
        .arg(&data.dev)
        .args(["--epochs", &epochs.to_string(), "--batch", &setup.batch.to_string()])
        .args(["--max-len", &setup.max_len.to_string()])
        .args(flags);
    if let Some(steps) = max_steps {
        cmd.args(["--max-steps", &steps.to_string()]);
    }
    run_json(&mut cmd)
}

/// The CLI on the CPU with extra `flags` (none: the same recipe as PyTorch's first row).
pub fn cpu_row(setup: &Setup, slice: &Slice, flags: &[&str]) -> Result<Row, String> {
    let variant = if flags.is_empty() { String::new() } else { format!(", {}", flags.join(" ")) };
    let name = format!("Tunelab native CPU (flex, {} threads){variant}", setup.threads);
    eprintln!("xtask: bench: {name}, {} epochs ({} measured)", setup.epochs, setup.epochs - 1);
    let result = train(setup, slice, "cpu", setup.epochs, None, flags)?;
    let epochs = result["epochs"].as_array().cloned().unwrap_or_default();
    let (tokens_per_s, sequences_per_s) = epoch_rates(&epochs, "train_seconds", "train_tokens", "train_sequences");
    Ok(Row {
        name,
        measured: crate::bench_rows::counted(epochs.len().saturating_sub(1), "epoch"),
        tokens_per_s,
        sequences_per_s,
        peak_rss_mb: result["peak_rss_mb"].as_f64(),
        detail: json!({ "epochs": epochs }),
        ..Row::default()
    })
}

/// Native wgpu. A software adapter takes minutes a step, so this row trains `slow_steps`
/// steps on the same shuffled slice; a failure to get a device is a row that says why.
pub fn wgpu_row(setup: &Setup, slice: &Slice) -> Row {
    let name = "Tunelab native wgpu";
    eprintln!("xtask: bench: {name}, {} steps", setup.slow_steps);
    if let Err(e) = crate::setup::vulkan_driver() {
        return Row::failed(name, format!("not measured: no Vulkan driver ({e})"));
    }
    match train(setup, slice, "gpu", 1, Some(setup.slow_steps), &[]) {
        Ok(result) => step_row(name, setup, &result),
        Err(e) => Row::failed(name, format!("not measured: {e}")),
    }
}

fn step_row(name: &str, setup: &Setup, result: &Value) -> Row {
    let steps = result["step_times"].as_array().cloned().unwrap_or_default();
    let points: Vec<(f64, f64)> =
        steps.iter().filter_map(|s| Some((s["elapsed_s"].as_f64()?, s["tokens"].as_f64()?))).collect();
    let (tokens_per_s, sequences_per_s) = step_rates(&points, setup.batch);
    Row {
        name: match result["device_name"].as_str() {
            Some(adapter) => format!("{name} ({adapter})"),
            None => name.to_string(),
        },
        measured: crate::bench_rows::counted(points.len().saturating_sub(1), "step"),
        tokens_per_s,
        sequences_per_s,
        peak_rss_mb: result["peak_rss_mb"].as_f64(),
        device_memory_mb: result["device_memory_peak_mb"].as_f64(),
        note: tokens_per_s.is_none().then(|| "not measured: fewer than 2 steps".to_string()),
        detail: json!({ "first_step_s": points.first().map(|p| p.0), "steps": steps }),
    }
}

/// `n` sequences of WNUT-17 sentences joined until each has at least 130 words, so that
/// every one fills 128 sub-word positions; the sentences are taken again from the start when
/// the file runs out.
pub fn long_sequences(n: usize) -> Result<Vec<String>, String> {
    let all = sentences()?;
    let mut long = Vec::with_capacity(n);
    let mut current: Vec<&str> = Vec::new();
    for sentence in all.iter().cycle() {
        current.push(sentence);
        // A word is at least one sub-word: 130 words fill 128 positions after [CLS] and [SEP].
        if current.iter().map(|s| s.lines().count()).sum::<usize>() >= 130 {
            long.push(current.join("\n"));
            current.clear();
            if long.len() == n {
                break;
            }
        }
    }
    Ok(long)
}

/// Peak memory training at batch 16 × length 128: WNUT-17 sentences joined until each
/// sequence is longer than 128 sub-words, three steps, Tunelab's CPU row against PyTorch's.
pub fn memory(setup: &Setup, out: &Path) -> Result<Value, String> {
    let long = long_sequences(LONG_SEQUENCES)?;
    let path = write(&out.join("wnut17-long.conll"), &long)?;
    let data = Slice { train: path.clone(), dev: write(&out.join("wnut17-long-dev.conll"), &long[..1])? };
    eprintln!("xtask: bench: peak memory at batch {} × length {}", setup.batch, setup.max_len);
    let torch = bench_torch::train(setup, &path, LONG_SEQUENCES, 1, &[])?;
    let tunelab = train(setup, &data, "cpu", 1, Some(LONG_SEQUENCES / setup.batch), &[])?;
    Ok(json!({
        "batch": setup.batch, "max_len": setup.max_len, "steps": LONG_SEQUENCES / setup.batch,
        "rows": [
            { "name": "PyTorch CPU", "peak_rss_mb": torch["peak_rss_mb"] },
            { "name": "Tunelab native CPU (flex)", "peak_rss_mb": tunelab["peak_rss_mb"] },
        ],
    }))
}
