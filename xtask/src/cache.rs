//! The build cache that outlives a clone: one cargo target folder and one PyTorch venv per user,
//! shared by every clone (CI's fresh clones included), as CI systems cache `target/`.
//!
//! `TUNELAB_CACHE` chooses: unset, `$XDG_CACHE_HOME/tunelab` or `~/.cache/tunelab`; a path, that
//! folder; `off`, the clone's own `target/` (what a machine with an empty cache sees). An explicit
//! `CARGO_TARGET_DIR` wins for cargo's folder. The cache holds build outputs only: the tools that
//! `cargo xtask setup` installs are checked and installed whatever it holds.

use std::env;
use std::path::PathBuf;

/// The folder holding the shared `target/` and `pytorch-venv/`, or `None` for `TUNELAB_CACHE=off`.
fn cache_root() -> Option<PathBuf> {
    match env::var_os("TUNELAB_CACHE") {
        Some(v) if v == "off" => None,
        Some(v) if !v.is_empty() => Some(PathBuf::from(v)),
        _ => env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .map(|cache| cache.join("tunelab")),
    }
}

/// Cargo's output folder for every build xtask starts.
pub fn target_dir() -> PathBuf {
    if let Some(dir) = env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    cache_root().map_or_else(|| crate::root().join("target"), |root| root.join("target"))
}

/// The PyTorch + transformers virtual environment of the bench.
pub fn venv_dir() -> PathBuf {
    cache_root().map_or_else(|| crate::root().join("target"), |root| root).join("pytorch-venv")
}

/// Points every child process (cargo, Trunk, the test runners) at `target_dir()`.
pub fn export_target_dir() {
    let dir = target_dir();
    // Called first thing in main, before any thread exists.
    env::set_var("CARGO_TARGET_DIR", &dir);
}

/// Whether burn has been compiled natively in this target folder before (xtask's own build may
/// share the folder, so any artifact is not enough).
pub fn is_warm() -> bool {
    std::fs::read_dir(target_dir().join("debug").join(".fingerprint")).is_ok_and(|entries| {
        entries.filter_map(Result::ok).any(|e| e.file_name().to_string_lossy().starts_with("burn-tensor-"))
    })
}
