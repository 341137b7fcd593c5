//! Installs what the build and tests need, skipping whatever is already there.

use std::process::Command;

use crate::run_checked;

pub fn run() -> Result<(), String> {
    wasm_target()
}

fn wasm_target() -> Result<(), String> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("rustup is needed to add the wasm32 target: {e}"))?;
    if String::from_utf8_lossy(&installed.stdout).lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    run_checked(
        Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]),
        "rustup target add wasm32-unknown-unknown",
    )
}
