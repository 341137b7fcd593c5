//! The page's startup figures: the .wasm files Trunk builds (raw and gzip), and the time from
//! navigation to an interactive page, to the worker's device, and to a loaded default model in
//! headless Chromium, timed by tests/e2e/startup.rs against the page served on loopback.

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

use crate::bench_rows::median;
use crate::browser::chromedriver;
use crate::{cargo, page, root, run_checked, static_server};

/// Fresh-profile visits; each also reloads once with the model in Cache Storage.
const RUNS: usize = 3;

pub fn measure(release: bool) -> Result<Value, String> {
    let dist = root().join("target/bench/dist");
    page::build(release, &dist)?;
    let sizes =
        ["page_bg.wasm", "worker_bg.wasm"].iter().map(|file| size(&dist.join(file))).collect::<Result<Vec<_>, _>>()?;
    let server = static_server::start(page::mounts(&dist))?;
    let out = root().join("target/bench/startup.json");
    run_checked(
        cargo()
            .args(["test", "--test", "e2e"])
            .env("TUNELAB_E2E_URL", format!("{server}/"))
            .env("TUNELAB_E2E_OUT", root().join("target/bench/e2e"))
            .env("TUNELAB_E2E_BUILD", if release { "release" } else { "dev" })
            .env("TUNELAB_E2E_STARTUP", &out)
            .env("TUNELAB_E2E_STARTUP_RUNS", RUNS.to_string())
            .env("CHROMEDRIVER", chromedriver()),
        "timing the page's startup in headless Chromium",
    )?;
    let text = std::fs::read_to_string(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let runs: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", out.display()))?;
    let visits: Vec<&Value> =
        runs["runs"].as_array().into_iter().flatten().flat_map(|r| r.as_array().into_iter().flatten()).collect();
    let medians = ["cold", "warm"]
        .iter()
        .map(|cache| {
            let of = |key: &str| {
                median(visits.iter().filter(|v| v["cache"] == *cache).filter_map(|v| v[key].as_f64()).collect())
            };
            json!({
                "cache": cache,
                "interactive_ms": of("interactive_ms"),
                "worker_ready_ms": of("worker_ready_ms"),
                "model_load_ms": of("model_load_ms"),
                "model_loaded_ms": of("model_loaded_ms"),
            })
        })
        .collect::<Vec<_>>();
    // What a first and a second visit transfer, counted by the server (tests/e2e/transfer.rs).
    let transfer_path = root().join("target/bench/e2e/transfer.json");
    let transfer: Value = std::fs::read_to_string(&transfer_path)
        .map_err(|e| format!("{}: {e}", transfer_path.display()))
        .and_then(|t| serde_json::from_str(&t).map_err(|e| format!("{}: {e}", transfer_path.display())))?;
    Ok(json!({ "release": release, "wasm": sizes, "medians": medians, "runs": runs["runs"], "transfer": transfer }))
}

fn size(path: &Path) -> Result<Value, String> {
    let raw = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?.len();
    let gzip = Command::new("gzip").args(["-9", "-c"]).arg(path).output().map_err(|e| format!("gzip: {e}"))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(json!({ "file": name, "raw_bytes": raw, "gzip_bytes": gzip.stdout.len() }))
}

pub fn print(startup: &Value) {
    let build = if startup["release"].as_bool() == Some(true) { "release, wasm-opt -Oz" } else { "dev" };
    println!("\nthe page's .wasm ({build})          raw MB   gzip MB");
    let mut total = (0.0, 0.0);
    for s in startup["wasm"].as_array().into_iter().flatten() {
        let (raw, gzip) = (s["raw_bytes"].as_f64().unwrap_or(0.0) / 1e6, s["gzip_bytes"].as_f64().unwrap_or(0.0) / 1e6);
        total = (total.0 + raw, total.1 + gzip);
        println!("{:<36} {raw:>8.2} {gzip:>9.2}", s["file"].as_str().unwrap_or("?"));
    }
    println!("{:<36} {:>8.2} {:>9.2}", "page + worker", total.0, total.1);
    println!(
        "\nstartup in headless Chromium, median of {RUNS} (ms from navigation)  interactive  worker ready  model loaded  (load alone)"
    );
    for m in startup["medians"].as_array().into_iter().flatten() {
        let ms = |k: &str| m[k].as_f64().map_or("-".to_string(), |v| format!("{v:.0}"));
        println!(
            "{:<66} {:>11} {:>13} {:>13} {:>13}",
            format!(
                "{} (model {})",
                m["cache"].as_str().unwrap_or("?"),
                if m["cache"] == "cold" { "fetched over loopback" } else { "from Cache Storage" }
            ),
            ms("interactive_ms"),
            ms("worker_ready_ms"),
            ms("model_loaded_ms"),
            ms("model_load_ms")
        );
    }
    let t = &startup["transfer"];
    let mb = |k: &str| t[k].as_f64().map_or("-".to_string(), |v| format!("{:.1} MB", v / 1e6));
    println!(
        "\ntransfer, from navigation to a loaded model: first visit {} in {} responses, second visit {} in {} responses",
        mb("first_visit_bytes"),
        t["first_visit_responses"],
        mb("second_visit_bytes"),
        t["second_visit_responses"]
    );
}
