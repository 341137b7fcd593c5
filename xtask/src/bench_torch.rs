//! The PyTorch + transformers side of the bench: bench/pytorch_train.py in a virtual
//! environment that xtask makes with pip.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::bench_rows::{epoch_rates, Row, Setup, MODEL};
use crate::{root, run_checked};

/// Trains `epochs` epochs on `data` (CoNLL) and returns the script's JSON.
pub fn train(setup: &Setup, data: &Path, sentences: usize, epochs: usize, flags: &[&str]) -> Result<Value, String> {
    let python = venv()?;
    run_json(
        Command::new(&python)
            .current_dir(root())
            .arg("bench/pytorch_train.py")
            .args(["--model", MODEL, "--data"])
            .arg(data)
            .args(["--sentences", &sentences.to_string(), "--epochs", &epochs.to_string()])
            .args(["--batch", &setup.batch.to_string(), "--max-len", &setup.max_len.to_string()])
            .args(["--threads", &setup.threads.to_string()])
            .args(flags),
    )
}

/// PyTorch's row with the script's `flags` (none: the row every Tunelab row is divided by).
pub fn row(setup: &Setup, slice: &Path, flags: &[&str]) -> Result<Row, String> {
    let variant = if flags.is_empty() { String::new() } else { format!(", {}", flags.join(" ")) };
    eprintln!("xtask: bench: PyTorch CPU{variant}, {} epochs ({} measured)", setup.epochs, setup.epochs - 1);
    let torch = train(setup, slice, setup.sentences, setup.epochs, flags)?;
    let epochs = torch["epochs"].as_array().cloned().unwrap_or_default();
    let (tokens_per_s, sequences_per_s) = epoch_rates(&epochs, "seconds", "tokens", "sequences");
    Ok(Row {
        name: format!(
            "PyTorch CPU (torch {}, {} threads){variant}",
            torch["torch"].as_str().unwrap_or("?"),
            setup.threads
        ),
        measured: crate::bench_rows::counted(epochs.len().saturating_sub(1), "epoch"),
        tokens_per_s,
        sequences_per_s,
        peak_rss_mb: torch["peak_rss_mb"].as_f64(),
        detail: torch,
        ..Row::default()
    })
}

/// Runs `cmd`, whose last stdout line must be one JSON object.
pub fn run_json(cmd: &mut Command) -> Result<Value, String> {
    let output = cmd.stderr(Stdio::inherit()).output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !output.status.success() {
        return Err(format!("{cmd:?} failed ({})", output.status));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).map_err(|e| format!("last line of {cmd:?} is not JSON ({e}): {last}"))
}

/// What the reference venv holds: PyTorch and transformers for the benchmark and the quality
/// runs, peft for the LoRA check, onnxruntime and onnx for the ONNX check, and seqeval for the
/// entity F1 of the NER projects `--export-script` writes (`quality --seeds` runs them).
const PACKAGES: [&str; 6] = ["torch", "transformers", "peft", "onnxruntime", "onnx", "seqeval"];

/// The venv's Python, if it is made and imports every one of [`PACKAGES`].
pub fn ready_venv() -> Option<PathBuf> {
    let python = crate::cache::venv_dir().join("bin").join("python");
    let ready = Command::new(&python)
        .args(["-c", &format!("import {}", PACKAGES.join(", "))])
        .output()
        .is_ok_and(|o| o.status.success());
    ready.then_some(python)
}

/// A virtual environment with [`PACKAGES`], made once per user (it is 5 GB, so it
/// lives in the user's cache rather than in each clone's target/).
pub fn venv() -> Result<PathBuf, String> {
    if let Some(python) = ready_venv() {
        return Ok(python);
    }
    let dir = crate::cache::venv_dir();
    let python = dir.join("bin").join("python");
    run_checked(Command::new("python3").args(["-m", "venv"]).arg(&dir), "creating the PyTorch venv")?;
    let packages = PACKAGES.join(" ");
    run_checked(
        Command::new(&python).args(["-m", "pip", "install", "--quiet"]).args(PACKAGES),
        &format!("pip install {packages} (about 5 GB, once)"),
    )?;
    ready_venv().ok_or_else(|| format!("{packages} do not all import in {}", dir.display()))
}
