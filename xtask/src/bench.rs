//! `cargo xtask bench`: Tunelab against PyTorch + transformers in the same run, on the same
//! machine, model files, data slice, batch size and max length; the page's startup; and peak
//! memory at batch 16 × length 128. One table on stdout, the same as JSON in target/bench/.

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::bench_rows::{Row, Setup, DATA, MODEL};
use crate::{bench_native, bench_torch, bench_web, root, startup};

/// Which parts a run skips (`--skip cpu,wgpu,browser,webgpu,startup,memory`; `webgpu` leaves
/// the browser's CPU fallback row alone in its part).
struct Parts {
    cpu: bool,
    wgpu: bool,
    browser: bool,
    webgpu: bool,
    startup: bool,
    memory: bool,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let tiny = args.iter().any(|a| a == "--tiny");
    let setup = if tiny { Setup::tiny() } else { Setup::full() };
    let skipped: Vec<&str> = args
        .iter()
        .position(|a| a == "--skip")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.split(',').collect())
        .unwrap_or_default();
    let parts = if tiny {
        Parts { cpu: true, wgpu: false, browser: false, webgpu: false, startup: false, memory: true }
    } else {
        Parts {
            cpu: !skipped.contains(&"cpu"),
            wgpu: !skipped.contains(&"wgpu"),
            browser: !skipped.contains(&"browser"),
            webgpu: !skipped.contains(&"webgpu"),
            startup: !skipped.contains(&"startup"),
            memory: !skipped.contains(&"memory"),
        }
    };
    crate::setup::run()?;
    crate::models::run()?;
    let out = root().join("target/bench");
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let slice = bench_native::write_slice(&out, setup.sentences)?;

    // The same recipe on both sides first; then the options that cut work, PyTorch's
    // group_by_length beside Tunelab's so that like is compared with like.
    let mut rows = Vec::new();
    if parts.cpu {
        rows.push(bench_torch::row(&setup, &slice.train, &[])?);
        rows.push(bench_native::cpu_row(&setup, &slice, &[])?);
        // The same without the fused GELU, softmax and LayerNorm: what they are worth.
        rows.push(bench_native::cpu_row(&setup, &slice, &["--cpu-tensor-ops"])?);
        rows.push(bench_torch::row(&setup, &slice.train, &["--group-by-length"])?);
        rows.push(bench_native::cpu_row(&setup, &slice, &["--group-by-length"])?);
        // The frozen options, from least to most frozen: the trade-offs the settings' help quotes.
        rows.push(bench_native::cpu_row(&setup, &slice, &["--freeze-embeddings"])?);
        rows.push(bench_native::cpu_row(&setup, &slice, &["--frozen-layers", "3"])?);
        rows.push(bench_native::cpu_row(&setup, &slice, &["--freeze-encoder"])?);
    } else {
        rows.push(Row::failed("PyTorch CPU and Tunelab native CPU", "not run: --skip cpu"));
    }
    rows.push(if parts.wgpu {
        bench_native::wgpu_row(&setup, &slice)
    } else {
        Row::failed("Tunelab native wgpu", not_run(tiny, "wgpu"))
    });
    if parts.browser {
        rows.extend(bench_web::rows(&setup, parts.webgpu));
    } else {
        rows.push(Row::failed("Tunelab in Chromium, WebGPU and CPU fallback", not_run(tiny, "browser")));
    }
    let memory = if parts.memory { Some(bench_native::memory(&setup, &out)?) } else { None };
    let startup = if parts.startup { Some(startup::measure(setup.release)?) } else { None };

    let baseline = rows.first().and_then(|r| r.tokens_per_s).filter(|t| *t > 0.0);
    print_table(&setup, &rows, baseline);
    if let Some(memory) = &memory {
        print_memory(memory);
    }
    if let Some(startup) = &startup {
        startup::print(startup);
    }
    let report = json!({
        "setup": {
            "model": MODEL, "data": DATA, "sentences": setup.sentences, "batch": setup.batch,
            "max_len": setup.max_len, "epochs": setup.epochs, "warmup_epochs": 1, "slow_steps": setup.slow_steps,
            "release": setup.release, "threads": setup.threads,
        },
        "rows": rows.iter().map(|r| json!({
            "name": r.name, "measured": r.measured, "tokens_per_s": r.tokens_per_s,
            "sequences_per_s": r.sequences_per_s, "peak_rss_mb": r.peak_rss_mb,
            "device_memory_mb": r.device_memory_mb, "note": r.note,
            "ratio_to_pytorch_cpu": ratio(r, baseline), "detail": r.detail,
        })).collect::<Vec<_>>(),
        "memory": memory,
        "startup": startup,
    });
    let name = if tiny {
        "bench-tiny.json".to_string()
    } else if skipped.is_empty() {
        "bench.json".to_string()
    } else {
        format!("bench-skip-{}.json", skipped.join("-"))
    };
    let path: PathBuf = out.join(name);
    let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("xtask: wrote {}", path.display());
    // The check `cargo xtask test` makes: every CPU row, PyTorch's and Tunelab's, measured.
    if parts.cpu && rows[..5].iter().any(|r| r.tokens_per_s.is_none_or(|t| !(t > 0.0))) {
        return Err("a PyTorch or native CPU row measured nothing".into());
    }
    Ok(())
}

fn not_run(tiny: bool, part: &str) -> String {
    if tiny {
        "not run: --tiny measures the CPU rows only".into()
    } else {
        format!("not run: --skip {part}")
    }
}

fn ratio(row: &Row, baseline: Option<f64>) -> Option<f64> {
    Some(row.tokens_per_s? / baseline?)
}

fn print_table(setup: &Setup, rows: &[Row], baseline: Option<f64>) {
    let build = if setup.release { "release builds" } else { "dev builds (--tiny)" };
    println!(
        "\nbench: MiniLM-L6-H384, first {} WNUT-17 sentences, batch {}, max length {}, {} threads, {build}",
        setup.sentences, setup.batch, setup.max_len, setup.threads
    );
    println!(
        "{:<60} {:>10} {:>8} {:>9} {:>9} {:>9}  {}",
        "", "tokens/s", "seq/s", "RSS MB", "device MB", "× torch", "median of"
    );
    let cell = |v: Option<f64>, digits: usize| v.map_or("-".to_string(), |v| format!("{v:.digits$}"));
    for r in rows {
        match r.tokens_per_s {
            Some(t) => println!(
                "{:<60} {:>10.1} {:>8} {:>9} {:>9} {:>9}  {}",
                r.name,
                t,
                cell(r.sequences_per_s, 2),
                cell(r.peak_rss_mb, 0),
                cell(r.device_memory_mb, 0),
                cell(ratio(r, baseline), 3),
                r.measured
            ),
            None => println!("{:<60} {}", r.name, r.note.as_deref().unwrap_or("not measured")),
        }
    }
}

fn print_memory(memory: &Value) {
    println!("\npeak memory, training at batch 16 × length 128 (every sequence truncated to 128 sub-words)");
    for row in memory["rows"].as_array().into_iter().flatten() {
        println!(
            "{:<60} {:>9} MB RSS",
            row["name"].as_str().unwrap_or("?"),
            row["peak_rss_mb"].as_f64().map_or("-".into(), |m| format!("{m:.0}"))
        );
    }
}
