//! How long a visitor waits: navigation → an interactive page → the worker's device facts,
//! and the default model's load, timed in the page's own clock (`performance.now()`, which
//! starts at navigation). `cargo xtask bench` runs this against the release build.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::driver::{Chromedriver, Page};
use crate::MODEL_LOAD;

/// `performance.now()` when `condition` (a JS expression) first holds, polled over WebDriver
/// (each round trip is a few milliseconds).
async fn page_time_when(page: &Page, what: &str, condition: &str, timeout: Duration) -> Result<f64, String> {
    let script = format!("return ({condition}) ? performance.now() : null;");
    let started = Instant::now();
    loop {
        let value = page.client.execute(&script, vec![]).await.map_err(|e| format!("{what}: {e}"))?;
        if let Some(ms) = value.as_f64() {
            return Ok(ms);
        }
        if started.elapsed() > timeout {
            return Err(format!("{what}: not within {} s", timeout.as_secs()));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// One visit: a fresh profile (nothing cached), then a reload in the same profile.
async fn visit(driver: &Chromedriver, url: &str, out: &Path) -> Result<Value, String> {
    Page::in_fresh_profile(driver, out, async |page| {
        let mut visits = Vec::new();
        for cache in ["cold", "warm"] {
            page.goto(url).await?;
            let interactive = page_time_when(
                &page,
                "an interactive page",
                "(() => { const b = document.querySelector('#load-model'); return b && !b.disabled; })()",
                Duration::from_secs(120),
            )
            .await?;
            let device = page_time_when(
                &page,
                "the worker's device facts",
                "document.querySelector('#device-facts') !== null",
                Duration::from_secs(120),
            )
            .await?;
            let navigation = page
                .client
                .execute("const n = performance.getEntriesByType('navigation')[0]; return n ? n.domContentLoadedEventEnd : null;", vec![])
                .await
                .map_err(|e| e.to_string())?;
            let clicked = page
                .client
                .execute("document.querySelector('#load-model').click(); return performance.now();", vec![])
                .await
                .map_err(|e| e.to_string())?
                .as_f64()
                .ok_or("no click time")?;
            let loaded =
                page_time_when(page, "the loaded model", "document.querySelector('#model-facts') !== null", MODEL_LOAD)
                    .await?;
            visits.push(json!({
                "cache": cache,
                "dom_content_loaded_ms": navigation,
                "interactive_ms": interactive,
                "worker_ready_ms": device,
                "model_load_ms": loaded - clicked,
                "model_loaded_ms": loaded,
            }));
        }
        Ok::<_, String>(Value::Array(visits))
    })
    .await
}

/// `runs` visits, written as JSON to `path`.
pub async fn measure(driver: &Chromedriver, url: &str, out: &Path, runs: usize, path: &Path) -> Result<(), String> {
    let mut all = Vec::new();
    for run in 0..runs {
        let visits = visit(driver, url, out).await?;
        println!("e2e startup: run {}: {visits}", run + 1);
        all.push(visits);
    }
    let text = serde_json::to_string_pretty(&json!({ "url": url, "runs": all })).unwrap_or_default();
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}
