//! Installs what the build and tests need, skipping whatever is already there.

use std::process::Command;

use crate::run_checked;

pub fn run() -> Result<(), String> {
    wasm_target()?;
    vulkan_software_driver();
    Ok(())
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

/// Mesa's lavapipe gives the native wgpu tests a Vulkan device on machines without a GPU.
/// Best effort: without it those tests say they did not run.
fn vulkan_software_driver() {
    let have = |pkg: &str| Command::new("dpkg").args(["-s", pkg]).output().is_ok_and(|o| o.status.success());
    if have("mesa-vulkan-drivers") && have("libvulkan1") {
        return;
    }
    if Command::new("apt-get").arg("--version").output().is_err() {
        eprintln!("xtask: no apt-get here; install a Vulkan driver yourself to run the wgpu tests");
        return;
    }
    let quiet = |args: &[&str]| {
        Command::new("apt-get").args(args).env("DEBIAN_FRONTEND", "noninteractive").status().is_ok_and(|s| s.success())
    };
    eprintln!("xtask: installing mesa-vulkan-drivers libvulkan1 (software Vulkan for the wgpu tests)");
    if !(quiet(&["update", "-qq"]) && quiet(&["install", "-y", "-qq", "mesa-vulkan-drivers", "libvulkan1"])) {
        eprintln!("xtask: could not install the Vulkan driver; the wgpu tests will report that they did not run");
    }
}
