//! Installs what the build and tests need, skipping whatever is already there at the right version.
//!
//! Versions are facts checked on these machines (DESIGN.md): Trunk 0.21 (0.22 needs a newer rustc),
//! wasm-bindgen-cli exactly the wasm-bindgen of Cargo.lock, npm's binaryen 132 (Debian's 108 breaks the
//! page), Debian's chromium and chromium-driver for the browser tests, and a Chinese font for
//! the e2e screenshots of the page in Chinese.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{root, run_checked};

const TRUNK: &str = "^0.21";
const BINARYEN: &str = "132";

pub fn run() -> Result<(), String> {
    wasm_target()?;
    chromium()?;
    cjk_font()?;
    binaryen()?;
    wasm_bindgen_cli()?;
    // Native wgpu tests (golden parity) and the GPU script's check run on lavapipe where there
    // is no GPU driver; without a Vulkan driver wgpu would pick its GL backend.
    vulkan_driver()?;
    trunk()
}

/// Where npm's binaryen is installed; its `node_modules/.bin` goes first on PATH for Trunk.
pub fn tools_dir() -> PathBuf {
    root().join(".tools")
}

/// PATH with the project's tools first, so Trunk finds wasm-opt 132 rather than a system one.
pub fn tool_path() -> String {
    let bin = tools_dir().join("node_modules").join(".bin");
    let cargo_bin = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo"))
        .join("bin");
    let rest = std::env::var("PATH").unwrap_or_default();
    format!("{}:{}:{rest}", bin.display(), cargo_bin.display())
}

/// The wasm-bindgen version pinned in Cargo.lock; the CLI must match it exactly.
pub fn wasm_bindgen_version() -> Result<String, String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("reading Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            if let Some(version) = lines.next().and_then(|l| l.trim().strip_prefix("version = \"")) {
                return Ok(version.trim_end_matches('"').to_string());
            }
        }
    }
    Err("Cargo.lock has no wasm-bindgen package".into())
}

fn version_of(program: &str, arg: &str) -> Option<String> {
    let out = Command::new(program).arg(arg).env("PATH", tool_path()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
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

fn chromium() -> Result<(), String> {
    if version_of("chromium", "--version").is_some() && version_of("chromedriver", "--version").is_some() {
        return Ok(());
    }
    apt_install(&["chromium", "chromium-driver"])
}

/// A font with Chinese characters (WenQuanYi Micro Hei, 4.5 MB), so that the e2e screenshots of
/// the page in Chinese show characters rather than empty boxes; people's systems have their own.
fn cjk_font() -> Result<(), String> {
    let listed = Command::new("fc-list").arg(":lang=zh").output();
    if listed.is_ok_and(|out| out.status.success() && !out.stdout.is_empty()) {
        return Ok(());
    }
    apt_install(&["fonts-wqy-microhei"])
}

/// Mesa's lavapipe, a Vulkan driver on the CPU, for the native wgpu tests and bench rows on a
/// machine without a GPU driver.
pub fn vulkan_driver() -> Result<(), String> {
    let icd = Path::new("/usr/share/vulkan/icd.d");
    let has_icd = std::fs::read_dir(icd).is_ok_and(|mut d| d.next().is_some());
    if has_icd {
        return Ok(());
    }
    apt_install(&["mesa-vulkan-drivers", "libvulkan1"])
}

/// Debian packages, through sudo unless this is root.
fn apt_install(packages: &[&str]) -> Result<(), String> {
    let apt = |args: &[&str]| {
        let root_user = Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0")).unwrap_or(false);
        let mut cmd = Command::new(if root_user { "apt-get" } else { "sudo" });
        if !root_user {
            cmd.arg("apt-get");
        }
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    run_checked(&mut apt(&["update", "-q"]), "apt-get update")?;
    let mut install = apt(&["install", "-y", "-q", "--no-install-recommends"]);
    install.args(packages);
    run_checked(&mut install, &format!("apt-get install {}", packages.join(" ")))
}

fn binaryen() -> Result<(), String> {
    let dir = tools_dir();
    let wasm_opt = dir.join("node_modules").join(".bin").join("wasm-opt");
    let have = Command::new(&wasm_opt).arg("--version").output().ok().filter(|o| o.status.success());
    if have.is_some_and(|o| String::from_utf8_lossy(&o.stdout).contains(&format!("version {BINARYEN}"))) {
        return Ok(());
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    run_checked(
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .arg(format!("binaryen@{BINARYEN}")),
        "npm install binaryen (wasm-opt)",
    )
}

fn wasm_bindgen_cli() -> Result<(), String> {
    let want = wasm_bindgen_version()?;
    if version_of("wasm-bindgen", "--version").is_some_and(|v| v == format!("wasm-bindgen {want}")) {
        return Ok(());
    }
    // Without --locked: the CLI's own lock file pins crates this rustc cannot build (DESIGN.md).
    run_checked(
        Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &format!("={want}")]),
        "cargo install wasm-bindgen-cli",
    )
}

fn trunk() -> Result<(), String> {
    if version_of("trunk", "--version").is_some_and(|v| v.starts_with("trunk 0.21")) {
        return Ok(());
    }
    run_checked(Command::new("cargo").args(["install", "trunk", "--locked", "--version", TRUNK]), "cargo install trunk")
}
