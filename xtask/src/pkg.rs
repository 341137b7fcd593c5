//! `cargo xtask pkg`: the JS package in `pkg/` (wasm-bindgen's `--target web` output of
//! `src/api.rs`, shrunk by wasm-opt, with a package.json). Only pkg/README.md is tracked.

use std::path::PathBuf;
use std::process::Command;

use crate::browser::WASM_TARGET;
use crate::setup::tool_path;
use crate::{cargo, root, run_checked, target_dir};

/// wasm-opt flags: the features rustc's wasm32 target emits by default, and SIMD, which
/// .cargo/config.toml turns on.
pub const WASM_OPT_FEATURES: [&str; 7] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
    "--enable-simd",
];

/// `release: false` builds with the dev profile (dependencies are optimised there too), which
/// reuses the browser tests' compile; wasm-opt runs either way.
pub fn run(release: bool) -> Result<(), String> {
    let mut build = cargo();
    build.args(["rustc", "--lib", "--target", WASM_TARGET, "--features", "js-api", "--crate-type", "cdylib"]);
    if release {
        build.arg("--release");
    }
    run_checked(&mut build, "build the library for wasm32 (cdylib)")?;
    let profile = if release { "release" } else { "debug" };
    let wasm = target_dir().join(WASM_TARGET).join(profile).join("tunelab.wasm");
    let pkg = root().join("pkg");
    run_checked(
        Command::new("wasm-bindgen")
            .env("PATH", tool_path())
            .args(["--target", "web", "--out-name", "tunelab", "--out-dir"])
            .arg(&pkg)
            .arg(&wasm),
        "wasm-bindgen (pkg/)",
    )?;
    optimise(&pkg.join("tunelab_bg.wasm"))?;
    write_package_json(&pkg)?;
    eprintln!("xtask: pkg/ is ready (see pkg/README.md)");
    Ok(())
}

/// `wasm-opt -O` in place, with npm's binaryen 132 (Debian's 108 breaks the output).
pub fn optimise(wasm: &PathBuf) -> Result<(), String> {
    run_checked(
        Command::new("wasm-opt")
            .env("PATH", tool_path())
            .arg("-O")
            .args(WASM_OPT_FEATURES)
            .arg(wasm)
            .arg("-o")
            .arg(wasm),
        "wasm-opt -O",
    )
}

fn write_package_json(pkg: &std::path::Path) -> Result<(), String> {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).map_err(|e| e.to_string())?;
    let field = |name: &str| {
        manifest
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} = \"")).map(|v| v.trim_end_matches('"').to_string()))
            .unwrap_or_default()
    };
    let package = serde_json::json!({
        "name": "tunelab",
        "version": field("version"),
        "description": field("description"),
        "license": field("license"),
        "type": "module",
        "main": "tunelab.js",
        "types": "tunelab.d.ts",
        "files": ["tunelab.js", "tunelab.d.ts", "tunelab_bg.wasm", "tunelab_bg.wasm.d.ts", "README.md"],
        "sideEffects": false,
    });
    let path = pkg.join("package.json");
    std::fs::write(&path, serde_json::to_string_pretty(&package).unwrap_or_default() + "\n")
        .map_err(|e| format!("{}: {e}", path.display()))
}
