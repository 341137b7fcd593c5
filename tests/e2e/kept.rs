//! A trained model survives a reload: each run that ends is kept in the browser's IndexedDB,
//! listed in the model panel with the storage it uses, and loads back for Try it.

use std::time::Duration;

use crate::driver::Page;
use crate::try_it;

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
