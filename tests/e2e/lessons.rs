//! The classroom flows: a teacher makes a lesson (learning rate locked, batch size hidden, a
//! goal); a student opens it in a fresh profile, sees the lock, trains, reads the guide's epoch
//! story and hands in; the teacher compares two cards; the student view at phone size.

use std::path::Path;
use std::time::Duration;

use tunelab::core::train::Field;
use tunelab::share::{decode_fragment, Access, ResultCard, RunLink};

use crate::driver::{downloaded, Chromedriver, Page};
use crate::{load_model, TRAINING};

const REASON: &str = "today we compare epochs, not learning rates";

/// Flow 1: the teacher's page (classification data loaded, one epoch) makes a lesson link.
pub async fn teacher_makes_a_lesson(page: &Page) -> Result<(String, RunLink), String> {
    page.click("#lesson-maker summary").await?;
    page.type_into("#lesson-title-input", "Sentiment in one epoch").await?;
    page.type_into("#lesson-instructions-input", "Train once and read the guide.\n\nThen hand in your card.").await?;
    page.type_into("#lesson-goal-input", "0.5").await?;
    page.select("#rule-learning-rate", "locked").await?;
    page.type_into("#reason-learning-rate", REASON).await?;
    page.select("#rule-batch-size", "hidden").await?;
    page.screenshot_at("14-teacher-lesson", "#lesson-maker").await?;
    page.click("#make-lesson-link").await?;
    let url = match page.value("#lesson-url").await {
        Ok(url) => url,
        Err(e) => return Err(format!("{e}; the page says: {}", page.errors().await)),
    };
    let fragment = url.split_once('#').map(|(_, f)| f).ok_or_else(|| format!("no # in the lesson link: {url}"))?;
    let link = decode_fragment(fragment).map_err(|e| format!("the lesson link does not decode: {e}"))?;
    let lesson = link.lesson.as_ref().ok_or("the lesson link carries no lesson")?;
    let expected = lesson.access(Field::LearningRate) == Access::Locked
        && lesson.reason(Field::LearningRate) == Some(REASON)
        && lesson.access(Field::BatchSize) == Access::Hidden
        && lesson.goal.map(|g| g.at_least) == Some(0.5)
        && lesson.paragraphs().len() == 2;
    if !expected {
        return Err(format!("the lesson is not the one made: {lesson:?}"));
    }
    page.screenshot_at("15-teacher-lesson-link", "#lesson-url").await?;
    println!("e2e: lesson link of {} characters", url.len());
    Ok((url, link))
}

/// Flow 2: a student in a fresh profile opens the link, sees the lock and no batch size,
/// trains, reads the guide's story of the epoch and hands in a card. Returns the card link.
pub async fn student_trains_and_hands_in(
    driver: &Chromedriver,
    out: &Path,
    url: &str,
    link: &RunLink,
    shots: &str,
) -> Result<String, String> {
    let student = Page::open(driver, out, 1280, 800).await?;
    let result = async {
        student.goto(url).await?;
        student.wait_for_text("the lesson", "#lesson-title", "Sentiment in one epoch", Duration::from_secs(60)).await?;
        student.wait_for_text("the lock's reason", "#learning-rate-lock", REASON, Duration::from_secs(30)).await?;
        let disabled = student.client.execute("return document.querySelector('#learning-rate').disabled", vec![]).await;
        if disabled.ok().and_then(|v| v.as_bool()) != Some(true) {
            return Err("the locked learning rate can be edited".into());
        }
        if student.count("#batch-size").await != 0 {
            return Err("the hidden batch size is shown".into());
        }
        student.wait_for_text("the guide", "#guide-step", " of 6: ", Duration::from_secs(30)).await?;
        student
            .wait_for_text("the small-data advice", "#small-data-advice", "Your data is small", Duration::from_secs(60))
            .await?;
        student.screenshot_at(&format!("16-student-lesson{shots}"), "#lesson").await?;
        student.screenshot_at(&format!("17-student-locked{shots}"), "#train-title").await?;
        load_model(&student).await?;
        student.wait_for("the lesson's data", "#split-sizes", Duration::from_secs(60)).await?;
        student.click("#train").await?;
        let finished = student.wait_for_text("the end of training", ".progress", "Finished", TRAINING).await?;
        println!("e2e: student's run (CPU device): {}", finished.text().await.unwrap_or_default().replace('\n', " "));
        let story = student
            .wait_for_text("the guide's epoch story", "#guide-epochs", "Epoch 1:", Duration::from_secs(30))
            .await?;
        let story = story.text().await.unwrap_or_default();
        student
            .wait_for_text("the goal's status", "#lesson-goal", "Goal: dev accuracy", Duration::from_secs(30))
            .await?;
        student.screenshot_at(&format!("18-student-guide{shots}"), "#lesson").await?;
        let _ = std::fs::remove_file(student.out.join("downloads").join("tunelab-result.json"));
        student.type_into("#hand-in-name", "Ada").await?;
        student.click("#hand-in").await?;
        let card_url = student.value("#card-url").await?;
        let card = ResultCard::read(&card_url).map_err(|e| format!("the card link does not read: {e}"))?;
        if card.lesson_id.as_deref() != Some(link.id().as_str()) || card.name != "Ada" || card.epochs.len() != 1 {
            return Err(format!("the card does not answer the lesson: {card:?}"));
        }
        if card.settings.learning_rate != link.settings.learning_rate
            || card.settings.batch_size != link.settings.batch_size
        {
            return Err("the card's locked settings differ from the lesson's".into());
        }
        let file = downloaded(&student.out.join("downloads"), "tunelab-result.json", Duration::from_secs(60)).await?;
        let from_file = ResultCard::read(&String::from_utf8_lossy(&file)).map_err(|e| format!("the card file: {e}"))?;
        if from_file != card {
            return Err("the card file and the card link differ".into());
        }
        student.screenshot_at(&format!("19-student-handed-in{shots}"), "#hand-in-note").await?;
        println!("e2e: student's guide: {}", story.replace('\n', " | "));
        println!("e2e: card link of {} characters, best dev {:?}", card_url.len(), card.best());
        Ok(card_url)
    }
    .await;
    student.close().await;
    result
}

/// Two runs of one link in two fresh profiles (CPU device) give bit-identical loss curves and
/// dev scores.
pub fn same_run(first: &str, second: &str) -> Result<(), String> {
    let read = |url: &str| ResultCard::read(url).map_err(|e| e.to_string());
    let (a, b) = (read(first)?, read(second)?);
    let scores =
        |c: &ResultCard| c.epochs.iter().map(|e| (e.train_loss.to_bits(), e.dev.map(f64::to_bits))).collect::<Vec<_>>();
    let curve = |c: &ResultCard| c.curve.iter().map(|&(step, loss)| (step, loss.to_bits())).collect::<Vec<_>>();
    if curve(&a) != curve(&b) || scores(&a) != scores(&b) {
        return Err(format!("two runs of one link differ: {:?} vs {:?}", a.curve, b.curve));
    }
    println!(
        "e2e: two fresh profiles, one link: {} loss points and {} epochs bit-identical",
        a.curve.len(),
        a.epochs.len()
    );
    Ok(())
}

/// Flow 3: the teacher compares the student's card with a second one.
pub async fn teacher_compares_cards(page: &Page, card_url: &str) -> Result<(), String> {
    let mut other = ResultCard::read(card_url).map_err(|e| e.to_string())?;
    other.name = "Grace".into();
    other.settings.epochs = 3;
    for epoch in &mut other.epochs {
        epoch.dev = Some(0.9);
    }
    page.click("#compare-cards summary").await?;
    page.type_into("#cards-input", &format!("{card_url}\n#{}", other.to_fragment())).await?;
    page.click("#add-cards").await?;
    page.wait_for_text("the cards table", "#cards-table", "Grace", Duration::from_secs(30)).await?;
    let rows = page.count("#cards-table tbody tr").await;
    let table = page.text("#cards-table").await?;
    if rows != 2
        || !table.contains("Ada")
        || !table.contains("met (≥ 0.50)")
        || page.count("#cards-chart svg").await != 1
    {
        return Err(format!("the comparison lacks a card, the goal or the chart ({rows} rows): {table}"));
    }
    page.screenshot_at("20-teacher-compares", "#compare-cards").await
}

/// Flow 7: the student view at phone size does not scroll sideways.
pub async fn student_on_a_phone(driver: &Chromedriver, out: &Path, url: &str) -> Result<(), String> {
    let phone = Page::open_phone(driver, out, 390, 844).await?;
    let result = async {
        phone.goto(url).await?;
        phone.wait_for("the lesson", "#lesson", Duration::from_secs(60)).await?;
        phone.wait_for("the lock", "#learning-rate-lock", Duration::from_secs(30)).await?;
        let wide = phone.scrolls_sideways().await?;
        phone.screenshot("21-student-phone").await?;
        if wide {
            return Err("the student view scrolls sideways at 390 px".into());
        }
        Ok(())
    }
    .await;
    phone.close().await;
    result
}

/// The same lesson as a file: the teacher downloads it, a student in a fresh profile opens it
/// with the Data panel's picker and gets the lesson, its lock and its data.
pub async fn lesson_by_file(page: &Page, driver: &Chromedriver, out: &Path, url: &str) -> Result<(), String> {
    let downloads = out.join("downloads");
    let _ = std::fs::remove_file(downloads.join("lesson.tunelab.json"));
    page.click("#make-lesson-file").await?;
    downloaded(&downloads, "lesson.tunelab.json", Duration::from_secs(60)).await?;
    let student = Page::open(driver, out, 1280, 800).await?;
    let result = async {
        student.goto(url).await?;
        student.wait_for("the data panel", "#lesson-file", Duration::from_secs(60)).await?;
        student.upload("#lesson-file", &downloads.join("lesson.tunelab.json")).await?;
        student
            .wait_for_text(
                "the lesson from the file",
                "#lesson-title",
                "Sentiment in one epoch",
                Duration::from_secs(60),
            )
            .await?;
        student.wait_for("the lock", "#learning-rate-lock", Duration::from_secs(30)).await?;
        student
            .wait_for_text("the lesson's data", "#split-sizes", "sst2-train-64.tsv", Duration::from_secs(60))
            .await?;
        student.screenshot_at("22-student-lesson-file", "#lesson").await
    }
    .await;
    student.close().await;
    result
}
