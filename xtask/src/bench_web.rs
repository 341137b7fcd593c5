//! `cargo xtask bench-web`: training speed inside headless Chromium, through the package and
//! its example page, on WebGPU and on the CPU fallback, against PyTorch on the same sentences
//! in the same run; and the size of the built .wasm files, raw and gzip.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

use crate::bench::{median, run_json, venv};
use crate::browser::{build_worker, mounts};
use crate::{pkg, root, static_server};

/// Eight steps an epoch at batch 16: the runs stop before the epoch's dev evaluation.
const SENTENCES: usize = 128;
/// Steps trained per device; the first (shader compilation, allocation) is not measured.
/// SwiftShader (WebGPU on the CPU) takes minutes per step, so it gets fewer.
const STEPS: [(&str, usize); 2] = [("webgpu", 3), ("cpu", 5)];
const TIMEOUT: Duration = Duration::from_secs(2400);

/// `--dev` measures dev-profile builds (dependencies optimised, the crate not) instead of
/// release ones: minutes of compiling less when the browser tests have just built them.
pub fn run(args: &[String]) -> Result<(), String> {
    let release = !args.iter().any(|a| a == "--dev");
    crate::models::run()?;
    let worker_dir = root().join("target/bench-web/worker");
    let worker_wasm = worker_dir.join("worker_bg.wasm");
    // `--no-build` measures the pkg/ and worker already built (wasm-opt takes minutes).
    let built = if args.iter().any(|a| a == "--no-build") {
        pkg::Built { bindgen_wasm_bytes: 0, wasm: root().join("pkg/tunelab_bg.wasm") }
    } else {
        let built = pkg::run(release)?;
        build_worker(release, &worker_dir)?;
        pkg::optimise(&worker_wasm)?;
        built
    };

    let profile = if release { "release" } else { "dev" };
    let mut sizes = vec![size_row(&format!("pkg/tunelab_bg.wasm ({profile}, wasm-opt -O)"), &built.wasm)?];
    if built.bindgen_wasm_bytes > 0 {
        sizes.push(json!({ "file": "pkg/tunelab_bg.wasm before wasm-opt", "raw_bytes": built.bindgen_wasm_bytes }));
    }
    sizes.push(size_row(&format!("worker_bg.wasm ({profile}, wasm-opt -O)"), &worker_wasm)?);

    let (server, reports) = static_server::start_on(
        "127.0.0.1:0",
        mounts(vec![("/example", root().join("web/example")), ("/pkg", root().join("pkg"))]),
    )?;
    let mut rows = Vec::new();
    let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1));
    for (device, steps) in STEPS.into_iter().filter(|(d, _)| only.is_none_or(|o| o == d)) {
        let url = format!("{server}/example/?bench={device}&sentences={SENTENCES}&steps={steps}");
        eprintln!("xtask: {device}: {url}");
        // One device failing (no WebGPU, a timeout) still leaves the other's figures.
        match in_chromium(&url, &reports).and_then(|report| browser_row(device, &report)) {
            Ok(row) => rows.push(row),
            Err(e) => {
                eprintln!("xtask: {device}: not measured: {e}");
                rows.push(json!({ "name": format!("Tunelab in Chromium, {device}: not measured ({e})") }));
            }
        }
    }
    rows.push(pytorch_row()?);

    let baseline = rows.last().and_then(|r| r["tokens_per_s"].as_f64()).unwrap_or(f64::NAN);
    println!(
        "\n{SENTENCES} WNUT-17 sentences, batch 16, max length 128; browser: median over the steps after the first"
    );
    println!("{:<58} {:>12} {:>10}", "", "tokens/s", "× PyTorch");
    for row in &mut rows {
        let tps = row["tokens_per_s"].as_f64().unwrap_or(f64::NAN);
        row["ratio_to_pytorch_cpu"] = json!(tps / baseline);
        println!("{:<58} {:>12.1} {:>10.3}", row["name"].as_str().unwrap_or("?"), tps, tps / baseline);
    }
    println!("\n{:<44} {:>12} {:>12}", "wasm", "raw MB", "gzip MB");
    for s in &sizes {
        let mb = |k: &str| s[k].as_f64().map_or("-".to_string(), |b| format!("{:.2}", b / 1e6));
        println!("{:<44} {:>12} {:>12}", s["file"].as_str().unwrap_or("?"), mb("raw_bytes"), mb("gzip_bytes"));
    }
    let out = root().join("target/bench/bench-web.json");
    std::fs::create_dir_all(out.parent().expect("a parent")).map_err(|e| e.to_string())?;
    let report = json!({ "profile": profile, "sentences": SENTENCES, "rows": rows, "wasm": sizes });
    std::fs::write(&out, serde_json::to_string_pretty(&report).unwrap_or_default()).map_err(|e| e.to_string())?;
    eprintln!("xtask: wrote {}", out.display());
    Ok(())
}

fn size_row(name: &str, path: &Path) -> Result<Value, String> {
    let raw = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?.len();
    let gzip =
        Command::new("gzip").args(["-9", "-c"]).arg(path).output().map_err(|e| format!("gzip: {e}"))?.stdout.len();
    Ok(json!({ "file": name, "raw_bytes": raw, "gzip_bytes": gzip }))
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

/// Median tokens/s over the steps after the first, from the page's per-step timings.
fn browser_row(device: &str, report: &Value) -> Result<Value, String> {
    let steps = report["steps"].as_array().ok_or_else(|| format!("{device}: the report has no steps: {report}"))?;
    let point = |s: &Value| Some((s["elapsed_s"].as_f64()?, s["tokens"].as_f64()?));
    let points: Vec<(f64, f64)> = steps.iter().filter_map(point).collect();
    let rates: Vec<f64> = points.windows(2).map(|w| (w[1].1 - w[0].1) / (w[1].0 - w[0].0)).collect();
    let tokens_per_s = median(rates.clone()).ok_or_else(|| format!("{device}: fewer than 2 steps: {report}"))?;
    let info = &report["device_info"];
    let adapter = &info["adapter"];
    let name = match info["backend"].as_str() {
        Some("webgpu") => format!(
            "Tunelab in Chromium, WebGPU ({} {})",
            adapter["vendor"].as_str().unwrap_or(""),
            adapter["architecture"].as_str().unwrap_or("")
        ),
        _ => "Tunelab in Chromium, CPU fallback (flex, wasm)".to_string(),
    };
    Ok(json!({
        "name": name, "tokens_per_s": tokens_per_s, "per_step_tokens_per_s": rates,
        "first_step_s": points.first().map(|p| p.0), "device": info, "wall_s": report["wall_s"],
        "losses": steps.iter().map(|s| s["loss"].clone()).collect::<Vec<_>>(),
    }))
}

/// PyTorch + transformers on the same sentences: median tokens/s of the epochs after the first.
fn pytorch_row() -> Result<Value, String> {
    let python = venv()?;
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let torch = run_json(
        Command::new(&python)
            .current_dir(root())
            .arg("bench/pytorch_train.py")
            .args(["--model", "web/models/all-MiniLM-L6-v2", "--data", "../shared/data/wnut17/train.conll"])
            .args(["--sentences", &SENTENCES.to_string(), "--epochs", "4", "--batch", "16", "--max-len", "128"])
            .args(["--threads", &threads.to_string()]),
    )?;
    let epochs = torch["epochs"].as_array().ok_or("PyTorch gave no per-epoch figures")?;
    let rates: Vec<f64> =
        epochs[1..].iter().filter_map(|e| Some(e["tokens"].as_f64()? / e["seconds"].as_f64()?)).collect();
    let tokens_per_s = median(rates).ok_or("PyTorch measured no epoch")?;
    Ok(json!({
        "name": format!("PyTorch CPU ({threads} threads, torch {})", torch["torch"].as_str().unwrap_or("?")),
        "tokens_per_s": tokens_per_s,
    }))
}
