//! The browser side of `cargo xtask test`: builds the worker bundle, serves it with the model
//! and ../shared on 127.0.0.1, and runs tests/browser.rs in headless Chromium through
//! wasm-bindgen-test-runner (flags in webdriver.json).

use std::path::PathBuf;
use std::process::Command;

use crate::phases::Phases;
use crate::setup::tool_path;
use crate::{cargo, root, run_checked, static_server, target_dir};

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Where browser-test artifacts go.
pub fn out_dir() -> PathBuf {
    root().join("target").join("browser-tests")
}

/// `cargo build` of the worker binary for wasm32, then wasm-bindgen's no-modules glue, as
/// `worker.js` + `worker_bg.wasm` in `out`. Returns the wasm file.
pub fn build_worker(release: bool, out: &PathBuf) -> Result<PathBuf, String> {
    let mut build = cargo();
    build.args(["build", "--target", WASM_TARGET, "--bin", "worker"]);
    if release {
        build.arg("--release");
    }
    run_checked(&mut build, "build the worker for wasm32")?;
    let profile = if release { "release" } else { "debug" };
    let wasm = target_dir().join(WASM_TARGET).join(profile).join("worker.wasm");
    run_checked(
        Command::new("wasm-bindgen")
            .env("PATH", tool_path())
            .args(["--target", "no-modules", "--no-typescript", "--out-name", "worker", "--out-dir"])
            .arg(out)
            .arg(&wasm),
        "wasm-bindgen (worker glue)",
    )?;
    Ok(out.join("worker_bg.wasm"))
}

/// Model folders the fetch tests must refuse (a GPT-2 config, a folder without weights), and
/// the small BERT the worker round trip trains.
fn write_fixtures() -> Result<PathBuf, String> {
    let dir = out_dir().join("fixtures");
    let model = root().join("web").join("models").join("all-MiniLM-L6-v2");
    let write = |path: PathBuf, bytes: &[u8]| {
        std::fs::create_dir_all(path.parent().expect("a parent")).map_err(|e| e.to_string())?;
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))
    };
    write(dir.join("gpt2/config.json"), br#"{"model_type": "gpt2", "vocab_size": 50257, "n_embd": 768}"#)?;
    for file in ["config.json", "tokenizer.json"] {
        let bytes = std::fs::read(model.join(file)).map_err(|e| format!("{}: {e}", model.join(file).display()))?;
        write(dir.join("no-weights").join(file), &bytes)?;
    }
    crate::tiny_model::write(&dir.join("tiny-bert"), &model)?;
    Ok(dir)
}

/// The mounts every browser run serves.
pub fn mounts(extra: Vec<(&'static str, PathBuf)>) -> static_server::Mounts {
    let mut mounts = vec![
        ("/models", root().join("web").join("models")),
        ("/shared", root().join("..").join("shared")),
        ("/fixtures", out_dir().join("fixtures")),
    ];
    mounts.extend(extra);
    mounts
}

/// The browser tests' environment: wasm-bindgen-test-runner driving headless Chromium.
fn browser_tests(server: &str) -> Command {
    let mut cmd = cargo();
    cmd.args(["test", "--target", WASM_TARGET, "--test", "browser"])
        .env("PATH", tool_path())
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner")
        .env("CHROMEDRIVER", chromedriver())
        .env("WASM_BINDGEN_TEST_TIMEOUT", "3600")
        .env("TUNELAB_TEST_SERVER", server);
    cmd
}

pub fn run_tests(phases: &mut Phases) -> Result<(), String> {
    let worker_dir = out_dir().join("worker");
    let worker = phases.run("wasm32 build: worker", || build_worker(false, &worker_dir).map(drop));
    let tests = phases.run_after(&worker, "wasm32 build: browser tests", || {
        write_fixtures()?;
        run_checked(browser_tests("").arg("--no-run"), "build the browser tests for wasm32")
    });
    phases.run_after(&tests, "browser tests", || {
        let server = static_server::start(mounts(vec![("/worker", worker_dir.clone())]))?;
        eprintln!("xtask: serving the model, ../shared and the worker at {server}");
        run_checked(
            browser_tests(&server).args(["--", "--nocapture"]),
            "browser tests (headless Chromium, WebGPU through SwiftShader where there is no GPU)",
        )
    })
}

pub fn chromedriver() -> String {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .iter()
        .find(|p| std::path::Path::new(p).is_file())
        .map_or_else(|| "chromedriver".to_string(), |p| p.to_string())
}

/// The browser tests' file server on its own, for running a browser test by hand.
pub fn serve_until_killed() -> Result<(), String> {
    write_fixtures()?;
    let (server, _reports) =
        static_server::start_on("127.0.0.1:8787", mounts(vec![("/worker", out_dir().join("worker"))]))?;
    eprintln!("xtask: serving at {server} (TUNELAB_TEST_SERVER={server}); Ctrl-C stops");
    loop {
        std::thread::park();
    }
}
