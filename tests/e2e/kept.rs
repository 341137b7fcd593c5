//! A trained model survives a reload: each run that ends is kept in the browser's IndexedDB,
//! listed in the model panel with the storage it uses, and loads back for Try it. When the
//! storage is full, the page says what to delete and every model kept before stays.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;

use crate::driver::{Chromedriver, Page};
use crate::{try_it, Slices};

const KEPT: &str = "#kept-models li.kept-model";

pub async fn kept_model_survives_a_reload(page: &Page, url: &str) -> Result<(), String> {
    // The NER and the classification flows trained on this profile before.
    let started = std::time::Instant::now();
    while page.count(KEPT).await < 2 {
        if started.elapsed() > Duration::from_secs(120) {
            return Err(format!("{} kept models two minutes after the second run; 2 expected", page.count(KEPT).await));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    page.goto("about:blank").await?;
    page.goto(url).await?;
    page.wait_for("the storage figures", "#kept-usage", Duration::from_secs(60)).await?;
    let listed = page.count(KEPT).await;
    if listed < 2 {
        return Err(format!("{listed} kept models after the reload; the two trained before are expected"));
    }
    let usage = page.text("#kept-usage").await?;
    println!("e2e: kept models after a reload: {listed}; {usage}");
    let last = page.text(&format!("{KEPT}:last-child")).await?;
    if !last.contains("sequence classification") {
        return Err(format!("the last kept model is not the classifier trained last: {last}"));
    }
    page.screenshot_at("kept-models", "#kept-models").await?;
    page.click(&format!("{KEPT}:last-child .load-kept")).await?;
    page.wait_for_text("the kept model loaded", "#model-facts", "Fine-tuned for", Duration::from_secs(120)).await?;
    try_it(page, "classification (kept model)", "a gorgeous , witty and moving film", "Predicted").await
}

/// The models kept once the stopped run's keeping has ended: a model is listed or a note says
/// why not, and the "Keeping…" note has been gone for two seconds. (Quiet alone is not enough:
/// on a busy machine the export that comes before the keeping can take longer than that.)
async fn settled_count(page: &Page) -> Result<usize, String> {
    let started = std::time::Instant::now();
    let mut quiet_since = std::time::Instant::now();
    loop {
        let keeping = page.text("#kept-models").await?.contains("Keeping the trained model");
        let outcome = page.count(KEPT).await > 0 || page.count("#kept-models .warning").await > 0;
        if keeping || !outcome {
            quiet_since = std::time::Instant::now();
        } else if quiet_since.elapsed() > Duration::from_secs(2) {
            return Ok(page.count(KEPT).await);
        }
        if started.elapsed() > TIMEOUT {
            return Err("the page neither kept the stopped run's model nor said why within two minutes".into());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The bytes of the files in `dir` and below, `.gz` siblings aside.
fn folder_bytes(dir: &Path) -> Result<u64, String> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            total += folder_bytes(&path)?;
        } else if path.extension().is_none_or(|e| e != "gz") {
            total += path.metadata().map_err(|e| e.to_string())?.len();
        }
    }
    Ok(total)
}

/// A run started and stopped after its first step, which the page then keeps (or cannot).
async fn a_stopped_run(page: &Page) -> Result<(), String> {
    page.click("#train").await?;
    page.wait_for_text("the first step", "#progress-text", "step 1 of", crate::TRAINING).await?;
    page.click("#stop").await?;
    page.wait_for_text("the stop", ".progress", "Stopped after step", TIMEOUT).await.map(drop)
}

/// A fresh profile whose quota (DevTools' `Storage.overrideQuotaForOrigin`, set before the first
/// visit: Chromium fixes a site's quota when it first stores anything) holds the page's files,
/// the default model and one and a half kept models. The first run is kept; the second is not,
/// the page says the storage is full and what to delete, and after a reload the first is still
/// there.
pub async fn a_full_storage_loses_nothing_kept(
    driver: &Chromedriver,
    out: &Path,
    url: &str,
    data: &Slices,
) -> Result<(), String> {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("web/models");
    let dist = std::env::var_os("TUNELAB_E2E_DIST").map_or_else(|| out.join("dist"), PathBuf::from);
    // The page's files (the service worker keeps them decoded),
    // the default model (int8) in Cache Storage, and what a kept model weighs (the f32
    // weights the worker exports, the tokenizer and the config).
    let page_files = folder_bytes(&dist)?;
    let default_model = folder_bytes(&models.join("all-MiniLM-L6-v2-q8"))?;
    let kept_model = folder_bytes(&models.join("all-MiniLM-L6-v2"))?;
    let quota = page_files + default_model + kept_model * 3 / 2;
    let origin = url.trim_end_matches('/').split('/').take(3).collect::<Vec<_>>().join("/");
    Page::in_fresh_profile(driver, out, async |page| {
        page.devtools("Storage.overrideQuotaForOrigin", json!({ "origin": origin, "quotaSize": quota })).await?;
        page.goto(url).await?;
        crate::sst2_slice_loaded(page, data).await?;
        a_stopped_run(page).await?;
        let kept = settled_count(page).await?;
        if kept != 1 {
            return Err(format!("{kept} models kept after the first run, with room for one"));
        }
        a_stopped_run(page).await?;
        let note = page.wait_for("a note on the model not kept", "#kept-models .warning", TIMEOUT).await?;
        let note = note.text().await.unwrap_or_default();
        if !note.contains("storage for this page is full") {
            return Err(format!("the note does not say the storage is full: {note}"));
        }
        println!("e2e: with a quota of {:.0} MB: {note}", quota as f64 / 1e6);
        page.screenshot_at("kept-storage-full", "#kept-models").await?;
        page.goto("about:blank").await?;
        page.goto(url).await?;
        page.wait_for("the storage figures", "#kept-usage", TIMEOUT).await?;
        let after = page.count(KEPT).await;
        if after != 1 {
            return Err(format!(
                "{after} models kept after the reload; the one kept before the storage was full expected"
            ));
        }
        Ok(())
    })
    .await
}

const TIMEOUT: Duration = Duration::from_secs(120);
