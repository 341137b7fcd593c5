//! A smaller copy of the default model for the page to download: the same config and
//! tokenizer, each weight converted (`half_model.rs`: fp16; `int8_model.rs`: int8 rows), with
//! gzip siblings for the servers that send them.

use std::fs;
use std::path::Path;

use crate::precompress;
use crate::safetensors_file::{read, write, Tensor};

/// Writes `to` from the f32 model folder `from`, each tensor through `convert` (one tensor may
/// become several). Skipped when `to` is newer than the original weights.
pub fn write_copy(from: &Path, to: &Path, convert: fn(Tensor) -> Vec<Tensor>) -> Result<(), String> {
    let weights = from.join("model.safetensors");
    let modified = |p: &Path| p.metadata().and_then(|m| m.modified()).ok();
    let target = to.join("model.safetensors");
    let fresh = matches!((modified(&target), modified(&weights)), (Some(t), Some(w)) if t >= w);
    if fresh && to.join("config.json").is_file() && to.join("tokenizer.json").is_file() {
        return Ok(());
    }
    fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for file in ["config.json", "tokenizer.json"] {
        fs::copy(from.join(file), to.join(file)).map_err(|e| format!("{}: {e}", from.join(file).display()))?;
    }
    let bytes = fs::read(&weights).map_err(|e| format!("{}: {e}", weights.display()))?;
    let tensors = read(&bytes).map_err(|e| format!("{}: {e}", weights.display()))?;
    let converted: Vec<Tensor> = tensors.into_iter().flat_map(convert).collect();
    let part = to.join("model.safetensors.part");
    fs::write(&part, write(&converted)).map_err(|e| format!("{}: {e}", part.display()))?;
    fs::rename(&part, &target).map_err(|e| format!("{}: {e}", target.display()))?;
    // Either copy's weights shrink by about 8 % under gzip.
    let written = fs::read(&target).map_err(|e| format!("{}: {e}", target.display()))?;
    let gz = precompress::gz_path(&target);
    fs::write(&gz, precompress::gzip(&written)?).map_err(|e| format!("{}: {e}", gz.display()))?;
    precompress::precompress(to)?;
    eprintln!("xtask: a copy of the default model in {}", to.display());
    Ok(())
}
