//! The in-browser rows of the bench: training in headless Chromium through the JS package
//! and its example page (web/example/), on WebGPU and on the CPU fallback. Both train on the
//! same shuffled slice as the native rows and stop after a few steps.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

use crate::bench_rows::{step_rates, Row, Setup};
use crate::browser::mounts;
use crate::{pkg, root, static_server};

const TIMEOUT: Duration = Duration::from_secs(2400);

/// WebGPU (when `webgpu`) trains `slow_steps` steps (SwiftShader takes minutes a step), the CPU
/// fallback twice as many. A device that fails (no WebGPU, a timeout) is a row that says why.
pub fn rows(setup: &Setup, webgpu: bool) -> Vec<Row> {
    if let Err(e) = pkg::run(setup.release) {
        return vec![Row::failed("Tunelab in Chromium", format!("not measured: the package did not build: {e}"))];
    }
    let served = static_server::start_on(
        "127.0.0.1:0",
        mounts(vec![("/example", root().join("web/example")), ("/pkg", root().join("pkg"))]),
    );
    let (server, reports) = match served {
        Ok(served) => served,
        Err(e) => return vec![Row::failed("Tunelab in Chromium", format!("not measured: {e}"))],
    };
    let mut rows = Vec::new();
    let devices = [("webgpu", setup.slow_steps), ("cpu", setup.slow_steps * 2)];
    for (device, steps) in devices.into_iter().filter(|(device, _)| webgpu || *device != "webgpu") {
        let url = format!("{server}/example/?bench={device}&sentences={}&steps={steps}", setup.sentences);
        eprintln!("xtask: bench: in Chromium, {device}: {url}");
        rows.push(match in_chromium(&url, &reports) {
            Ok(report) => browser_row(device, setup, &report),
            Err(e) => Row::failed(format!("Tunelab in Chromium, {device}"), format!("not measured: {e}")),
        });
    }
    rows
}

/// Opens `url` in a fresh headless Chromium and waits for the page's POST /report.
fn in_chromium(url: &str, reports: &std::sync::mpsc::Receiver<String>) -> Result<Value, String> {
    let profile = tempdir()?;
    let mut chromium = Command::new("chromium")
        .args([
            "--headless=new",
            "--no-sandbox",
            "--enable-unsafe-webgpu",
            "--disable-gpu-sandbox",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            // Loopback is reached directly; anything else goes to a port where nothing listens,
            // so Chromium's own calls home never leave the machine.
            "--proxy-server=http://127.0.0.1:9",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("chromium: {e} (run `cargo xtask setup`)"))?;
    let report = reports.recv_timeout(TIMEOUT);
    let _ = chromium.kill();
    let _ = chromium.wait();
    let _ = std::fs::remove_dir_all(&profile);
    let report = report.map_err(|_| format!("{url}: no report within {} s", TIMEOUT.as_secs()))?;
    let value: Value = serde_json::from_str(&report).map_err(|e| format!("unreadable report ({e}): {report}"))?;
    match value["error"].as_str() {
        Some(error) => Err(format!("{url}: {error}")),
        None => Ok(value),
    }
}

fn tempdir() -> Result<PathBuf, String> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!("tunelab-chromium-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    Ok(dir)
}

/// Median tokens/s over the steps after the first, from the page's per-step figures.
fn browser_row(device: &str, setup: &Setup, report: &Value) -> Row {
    let steps = report["steps"].as_array().cloned().unwrap_or_default();
    let points: Vec<(f64, f64)> =
        steps.iter().filter_map(|s| Some((s["elapsed_s"].as_f64()?, s["tokens"].as_f64()?))).collect();
    let (tokens_per_s, sequences_per_s) = step_rates(&points, setup.batch);
    let info = &report["device_info"];
    let adapter = &info["adapter"];
    let name = match info["backend"].as_str() {
        Some("webgpu") => format!(
            "Tunelab in Chromium, WebGPU ({} {})",
            adapter["vendor"].as_str().unwrap_or(""),
            adapter["architecture"].as_str().unwrap_or("")
        ),
        _ if device == "cpu" => "Tunelab in Chromium, CPU fallback (flex, wasm)".to_string(),
        _ => format!("Tunelab in Chromium, CPU fallback (flex, wasm; {device} was asked for)"),
    };
    let device_memory_mb = steps.iter().filter_map(|s| s["device_memory_bytes"].as_f64()).reduce(f64::max);
    Row {
        name,
        measured: crate::bench_rows::counted(points.len().saturating_sub(1), "step"),
        tokens_per_s,
        sequences_per_s,
        device_memory_mb: device_memory_mb.map(|b| b / (1024.0 * 1024.0)),
        note: tokens_per_s.is_none().then(|| format!("not measured: fewer than 2 steps: {report}")),
        detail: json!({
            "first_step_s": points.first().map(|p| p.0), "device": info, "wall_s": report["wall_s"], "steps": steps,
        }),
        ..Row::default()
    }
}
