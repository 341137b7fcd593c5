//! The frozen options in the page: with "Train the head only" a run trains the classifier on
//! top of a frozen encoder, and the train panel says how few of the model's parameters it
//! updates, and the memory it needs. The run's data has a test split, which is scored once
//! when the run ends.

use std::path::Path;

use crate::driver::{Chromedriver, Page};
use crate::{sst2_slice_loaded, Slices, TRAINING};

/// SST-2 has two labels, so the head is 384 × 2 weights and 2 biases.
const HEAD: &str = "Training 770 of the model's 22,713,986 parameters";

pub async fn head_only_run(driver: &Chromedriver, out: &Path, url: &str, data: &Slices) -> Result<(), String> {
    Page::in_fresh_profile(driver, out, async |page| head_only(page, url, data).await).await
}

async fn head_only(page: &Page, url: &str, data: &Slices) -> Result<(), String> {
    page.goto(url).await?;
    sst2_slice_loaded(page, data).await?;
    page.click("details.settings details.settings summary").await?;
    page.click("#freeze-encoder").await?;
    page.type_into("#epochs", "1").await?;
    page.click("#train").await?;
    page.wait_for_text("the end of the head-only run", ".progress", "Finished", TRAINING).await?;
    // The data has no dev file, so a tenth of it was held out as the test split: scored once,
    // now that the run has ended.
    let test = page.wait_for("the test split's accuracy", "#test-accuracy", TRAINING).await?;
    let accuracy: f64 = test.text().await.map_err(|e| e.to_string())?.trim().parse().map_err(|e| format!("{e}"))?;
    let title = page.text("#test-title").await?;
    println!("e2e: {title}: accuracy {accuracy}");
    page.screenshot_at("test-split", "#test-title").await?;
    if !(0.0..=1.0).contains(&accuracy) || page.count("#test-confusion svg").await == 0 {
        return Err(format!("the test split's accuracy {accuracy} or its confusion matrix is missing"));
    }
    let note = page.text("#trainable-note").await?;
    println!("e2e: head only: {note}");
    page.screenshot_at("frozen-head-only", "#trainable-note").await?;
    if !note.contains(HEAD) {
        return Err(format!("the train panel does not say the head alone trains ({HEAD}): {note}"));
    }
    // The memory planner's figures: with the encoder frozen, the backward pass keeps nothing.
    let memory = page.text("#memory-note").await?;
    println!("e2e: head only: {memory}");
    if !memory.contains("Memory the run needs") || !memory.contains("what the backward pass keeps, 0 MB") {
        return Err(format!("the train panel does not give the head-only run's memory: {memory}"));
    }
    Ok(())
}
