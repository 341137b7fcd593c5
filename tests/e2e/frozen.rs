//! The frozen options in the page: with "Train the head only" a run trains the classifier on
//! top of a frozen encoder, and the train panel says how few of the model's parameters it
//! updates.

use std::time::Duration;

use crate::driver::Page;
use crate::{load_model, Slices, TRAINING};

/// SST-2 has two labels, so the head is 384 × 2 weights and 2 biases.
const HEAD: &str = "Training 770 of the model's 22,713,986 parameters";

pub async fn head_only_run(page: &Page, url: &str, data: &Slices) -> Result<(), String> {
    page.goto("about:blank").await?;
    page.goto(url).await?;
    load_model(page).await?;
    page.click("#task-cls").await?;
    page.upload("#train-file", &data.cls_train).await?;
    page.wait_for_text("the SST-2 data", "#split-sizes", "80/10/10 split of sst2", Duration::from_secs(60)).await?;
    page.click("details.settings details.settings summary").await?;
    page.click("#freeze-encoder").await?;
    page.type_into("#epochs", "1").await?;
    page.click("#train").await?;
    page.wait_for_text("the end of the head-only run", ".progress", "Finished", TRAINING).await?;
    let note = page.text("#trainable-note").await?;
    println!("e2e: head only: {note}");
    page.screenshot_at("frozen-head-only", "#train-title").await?;
    if !note.contains(HEAD) {
        return Err(format!("the train panel does not say the head alone trains ({HEAD}): {note}"));
    }
    Ok(())
}
