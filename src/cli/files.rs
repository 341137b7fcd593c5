//! Reading model folders and data files, and printing what the parsers found wrong.

use std::path::Path;

use super::error::CliError;
use crate::core::data::{Diagnostic, Severity};
use crate::core::graduate::ProjectFile;
use crate::core::model::{initial_weights, AdapterFiles};
use crate::core::task_model::ModelFiles;

pub fn read_model(dir: &Path) -> Result<ModelFiles, CliError> {
    let config_json = read_model_file(dir, ModelFiles::CONFIG)?;
    Ok(ModelFiles {
        tokenizer_json: read_model_file(dir, ModelFiles::TOKENIZER)?,
        model_safetensors: read_model_file(dir, ModelFiles::WEIGHTS)?,
        config_json,
    })
}

/// A model folder without its weights: they are drawn from `config.json` with `seed`.
pub fn read_model_from_config(dir: &Path, seed: u64) -> Result<ModelFiles, CliError> {
    let config_json = read_model_file(dir, ModelFiles::CONFIG)?;
    Ok(ModelFiles {
        tokenizer_json: read_model_file(dir, ModelFiles::TOKENIZER)?,
        model_safetensors: initial_weights(&config_json, seed)
            .map_err(|source| CliError::FromConfig { path: dir.join(ModelFiles::CONFIG), source })?,
        config_json,
    })
}

fn read_model_file(dir: &Path, name: &str) -> Result<Vec<u8>, CliError> {
    let path = dir.join(name);
    std::fs::read(&path).map_err(|source| CliError::ModelFile { path, source })
}

pub fn write_model(dir: &Path, files: &ModelFiles) -> Result<(), CliError> {
    write_folder(
        dir,
        [
            (ModelFiles::CONFIG, files.config_json.as_slice()),
            (ModelFiles::TOKENIZER, &files.tokenizer_json),
            (ModelFiles::WEIGHTS, &files.model_safetensors),
        ],
    )
}

/// A peft adapter folder, for `PeftModel.from_pretrained(base, dir)`.
pub fn write_adapter(dir: &Path, files: &AdapterFiles) -> Result<(), CliError> {
    write_folder(
        dir,
        [(AdapterFiles::CONFIG, files.config_json.as_slice()), (AdapterFiles::WEIGHTS, &files.adapter_safetensors)],
    )
}

/// Files under `dir`, by their paths inside it.
pub fn write_files(dir: &Path, files: &[ProjectFile]) -> Result<(), CliError> {
    write_folder(dir, files.iter().map(|f| (f.path.as_str(), f.bytes.as_slice())))
}

/// Files under `dir`, by their `/`-separated paths inside it.
pub fn write_folder<'a>(dir: &Path, files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Result<(), CliError> {
    for (path, bytes) in files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| CliError::Write { path: parent.to_path_buf(), source })?;
        }
        std::fs::write(&path, bytes).map_err(|source| CliError::Write { path: path.clone(), source })?;
    }
    Ok(())
}

/// A data file's bytes.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|source| CliError::Read { path: path.to_path_buf(), source })
}

/// Prints each diagnostic as `file:line: severity: message`.
pub fn print_diagnostics(file: &str, diagnostics: &[Diagnostic]) {
    const SHOWN: usize = 20;
    for d in diagnostics.iter().take(SHOWN) {
        let kind = match d.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        match d.line {
            0 => eprintln!("{file}: {kind}: {}", d.message),
            line => eprintln!("{file}:{line}: {kind}: {}", d.message),
        }
    }
    if diagnostics.len() > SHOWN {
        eprintln!("{file}: … and {} more problems", diagnostics.len() - SHOWN);
    }
}
