//! Reading model folders and data files, and printing what the parsers found wrong.

use std::path::Path;

use crate::core::data::Examples;
use crate::core::data::{parse_classification, parse_ner, Diagnostic, Severity, TableOptions};
use crate::core::model::Task;
use crate::core::task_model::ModelFiles;

pub fn read_model(dir: &Path) -> Result<ModelFiles, String> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path).map_err(|e| {
            format!("{}: {e} (a model folder needs config.json, tokenizer.json and model.safetensors)", path.display())
        })
    };
    Ok(ModelFiles {
        config_json: read(ModelFiles::CONFIG)?,
        tokenizer_json: read(ModelFiles::TOKENIZER)?,
        model_safetensors: read(ModelFiles::WEIGHTS)?,
    })
}

pub fn write_model(dir: &Path, files: &ModelFiles) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (name, bytes) in [
        (ModelFiles::CONFIG, &files.config_json),
        (ModelFiles::TOKENIZER, &files.tokenizer_json),
        (ModelFiles::WEIGHTS, &files.model_safetensors),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// Prints each diagnostic as `file:line: severity: message`.
pub fn print_diagnostics(path: &Path, diagnostics: &[Diagnostic]) {
    const SHOWN: usize = 20;
    for d in diagnostics.iter().take(SHOWN) {
        let kind = match d.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        match d.line {
            0 => eprintln!("{}: {kind}: {}", path.display(), d.message),
            line => eprintln!("{}:{line}: {kind}: {}", path.display(), d.message),
        }
    }
    if diagnostics.len() > SHOWN {
        eprintln!("{}: … and {} more problems", path.display(), diagnostics.len() - SHOWN);
    }
}

/// Reads a labelled file for `task`. Problems are printed; the file is refused only when
/// nothing usable was read.
pub fn read_examples(path: &Path, task: Task, table: &TableOptions) -> Result<Examples, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let (examples, diagnostics) = match task {
        Task::Cls => {
            let parsed = parse_classification(&bytes, &name, table);
            (Examples::Cls(parsed.value), parsed.diagnostics)
        }
        Task::Ner => {
            let parsed = parse_ner(&bytes, &name);
            (Examples::Ner(parsed.value.examples), parsed.diagnostics)
        }
    };
    print_diagnostics(path, &diagnostics);
    if examples.is_empty() {
        return Err(format!("{}: no usable examples (see the problems above)", path.display()));
    }
    Ok(examples)
}
