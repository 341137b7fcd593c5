//! A run interrupted by a reload goes on from its checkpoint: the worker sends one at the end
//! of the first epoch, the page keeps it in IndexedDB, and after the reload the train panel
//! offers to go on; the run then ends at the plan's last step with both epochs scored.

use std::time::Duration;

use crate::driver::Page;
use crate::{load_model, TRAINING};

pub async fn a_reloaded_run_goes_on_from_its_checkpoint(page: &Page, url: &str) -> Result<(), String> {
    page.goto("about:blank").await?;
    page.goto(url).await?;
    load_model(page).await?;
    // The classification flow's SST-2 slices: 64 to train on, batches of 16, so 4 steps an epoch.
    page.click("#task-cls").await?;
    page.upload("#train-file", &page.out.join("data/sst2-train-64.tsv")).await?;
    page.wait_for_text("the SST-2 data", "#split-sizes", "80/10/10 split of sst2", Duration::from_secs(60)).await?;
    page.upload("#dev-file", &page.out.join("data/sst2-dev-32.tsv")).await?;
    page.wait_for_text("the SST-2 dev data", "#split-sizes", "64 to train on", Duration::from_secs(60)).await?;
    page.type_into("#epochs", "2").await?;
    page.click("#train").await?;
    let note = page.wait_for_text("the first epoch's checkpoint", "#checkpoint-note", "after step 4", TRAINING).await?;
    println!("e2e: checkpoint: {}", note.text().await.unwrap_or_default());

    page.goto("about:blank").await?;
    page.goto(url).await?;
    load_model(page).await?;
    let offer = page
        .wait_for_text("the offer to go on", "#interrupted-run", "after step 4 of 8", Duration::from_secs(60))
        .await?;
    println!("e2e: after the reload: {}", offer.text().await.unwrap_or_default().replace('\n', " "));
    page.screenshot_at("interrupted-run", "#interrupted-run").await?;
    page.click("#resume-interrupted").await?;
    let done = page.wait_for_text("the end of the resumed run", ".progress", "Finished", TRAINING).await?;
    let progress = page.text("#progress-text").await?;
    if !progress.contains("step 8 of 8") || !progress.contains("Epoch 2 of 2") {
        return Err(format!("the resumed run did not end at the plan's last step: {progress}"));
    }
    page.wait_for("the dev scores", "#scores tr.label-row", Duration::from_secs(30)).await?;
    println!("e2e: resumed run: {} · {progress}", done.text().await.unwrap_or_default().replace('\n', " "));
    if page.count("#interrupted-run").await != 0 {
        return Err("the offer stayed after the run went on".into());
    }
    Ok(())
}
