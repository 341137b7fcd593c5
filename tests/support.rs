//! Paths and loaders shared by the test modules.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use tunelab::core::data::{parse_classification, parse_ner, Examples, TableOptions};
use tunelab::core::task_model::ModelFiles;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, sorted (the source-reading tests: tidy, i18n).
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

pub fn shared(path: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared")).join(path)
}

/// The first `n` sentences of a CoNLL file.
pub fn conll_slice(path: &Path, skip: usize, n: usize) -> String {
    let text = std::fs::read_to_string(path).expect("conll");
    let mut sentences: Vec<Vec<&str>> = vec![Vec::new()];
    for line in text.lines() {
        match (line.trim().is_empty(), sentences.last_mut()) {
            (true, Some(last)) if !last.is_empty() => sentences.push(Vec::new()),
            (false, Some(last)) => last.push(line),
            _ => {}
        }
    }
    let picked: Vec<String> =
        sentences.iter().filter(|s| !s.is_empty()).skip(skip).take(n).map(|s| s.join("\n")).collect();
    picked.join("\n\n") + "\n"
}

/// The default model, put in place by `cargo xtask models` (or `TUNELAB_MODEL_DIR`).
pub fn model_dir() -> PathBuf {
    let dir = std::env::var_os("TUNELAB_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/web/models/all-MiniLM-L6-v2")));
    assert!(
        dir.join("model.safetensors").is_file(),
        "default model missing in {}: run `cargo xtask models`",
        dir.display()
    );
    dir
}

pub fn model_files() -> ModelFiles {
    let dir = model_dir();
    let read =
        |name: &str| std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()));
    ModelFiles {
        config_json: read("config.json"),
        tokenizer_json: read("tokenizer.json"),
        model_safetensors: read("model.safetensors"),
    }
}

/// A smaller copy of the default model that `cargo xtask models` writes beside it: `-f16`
/// (half precision) or `-q8` (int8 rows).
pub fn model_copy_files(suffix: &str) -> ModelFiles {
    let original = model_dir();
    let name = original.file_name().map(|n| format!("{}{suffix}", n.to_string_lossy())).unwrap_or_default();
    let dir = original.with_file_name(name);
    let read = |file: &str| {
        std::fs::read(dir.join(file))
            .unwrap_or_else(|e| panic!("{}: {e} (`cargo xtask models` writes the copy)", dir.join(file).display()))
    };
    ModelFiles {
        config_json: read("config.json"),
        tokenizer_json: read("tokenizer.json"),
        model_safetensors: read("model.safetensors"),
    }
}

/// A line on the real stderr: the test harness captures `eprintln!` of passing tests, and a
/// GPU test must say where it ran, or that it did not.
pub fn announce(line: String) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// burn's wgpu device when this machine has one; `None` with the reason printed otherwise,
/// so a run without a GPU says which tests did not run.
pub fn wgpu_device(test: &str) -> Option<Device> {
    match std::panic::catch_unwind(|| Device::wgpu_options().init()) {
        Ok(Ok(device)) => {
            let adapter = device.identity().map_or_else(|| "unknown adapter".to_string(), |i| i.name);
            announce(format!("{test}: runs on wgpu adapter {adapter}"));
            Some(device)
        }
        Ok(Err(e)) => {
            announce(format!("SKIPPED {test} on wgpu: no wgpu device ({e})"));
            None
        }
        Err(_) => {
            announce(format!("SKIPPED {test} on wgpu: wgpu initialisation panicked"));
            None
        }
    }
}

pub fn read_f32<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    pollster::block_on(t.into_data_async()).expect("read").try_to_vec::<f32>().expect("f32")
}

/// The reference venv's Python, from `TUNELAB_PYTHON` (`cargo xtask test` sets it); `None`
/// with a SKIPPED line naming `test` where it is not set.
pub fn reference_python(test: &str) -> Option<std::ffi::OsString> {
    let python = std::env::var_os("TUNELAB_PYTHON");
    if python.is_none() {
        announce(format!("SKIPPED {test}: TUNELAB_PYTHON is not set (cargo xtask test sets it to the reference venv)"));
    }
    python
}

/// A fresh scratch folder under the system's temp folder holding `files` (by relative path).
pub fn scratch_folder<'a, P: AsRef<Path>>(name: &str, files: impl IntoIterator<Item = (P, &'a [u8])>) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tunelab-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, bytes) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    dir
}

/// Runs a command of the reference venv and reads the JSON object its stdout ends with; `what`
/// names it in the failure.
pub fn last_json_line(command: &mut std::process::Command, what: &str) -> serde_json::Value {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: the reference venv's Python does not start: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{what} failed: {}", String::from_utf8_lossy(&output.stderr));
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{what}: the last line is not JSON ({e}): {last}"))
}

/// `n` WNUT-17 training sentences after the first `skip`.
pub fn wnut_slice(skip: usize, n: usize) -> Examples {
    let bytes = std::fs::read(shared("data/wnut17/train.conll")).expect("wnut17");
    Examples::Ner(parse_ner(&bytes, "train.conll").value.examples.into_iter().skip(skip).take(n).collect())
}

/// `n` SST-2 training sentences after the first `skip`.
pub fn sst2_slice(skip: usize, n: usize) -> Examples {
    let bytes = std::fs::read(shared("data/sst2/train.tsv")).expect("sst2");
    let parsed = parse_classification(&bytes, "train.tsv", &TableOptions::default());
    Examples::Cls(parsed.value.into_iter().skip(skip).take(n).collect())
}
