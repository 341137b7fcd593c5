//! Flow 6: the whole page in Simplified Chinese. The switch rewords every panel at once, with
//! a trained model, results and kept runs on screen; no English sentence is left outside the
//! user's own data (`translate="no"`) and what is marked `lang="en"`; the share link
//! carries the language; the choice survives a reload; and switching back restores English.

use std::path::Path;
use std::time::Duration;

use serde_json::json;
use tunelab::share::decode_fragment;

use crate::driver::{Chromedriver, Page};

const SWITCH: Duration = Duration::from_secs(30);

/// Runs of four or more English words in the page's text and its people-facing attributes,
/// outside the user's data and English-marked messages; closed `<details>` count too.
const ENGLISH_RUNS: &str = r#"
const words = /[A-Za-z][A-Za-z'’]*(?:[-\s,:;.()"“”]+[A-Za-z][A-Za-z'’]*){3,}/g;
const exempt = (el) => !el || el.closest('[translate="no"], script, style, noscript')
    || (el.closest('[lang]') && el.closest('[lang]').lang.startsWith('en'));
const found = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
    const node = walker.currentNode;
    if (exempt(node.parentElement)) continue;
    for (const m of node.textContent.matchAll(words)) found.push(m[0]);
}
for (const el of document.querySelectorAll('[placeholder], [title], [aria-label]')) {
    if (exempt(el)) continue;
    for (const name of ['placeholder', 'title', 'aria-label']) {
        for (const m of (el.getAttribute(name) || '').matchAll(words)) found.push(`${name}: ${m[0]}`);
    }
}
return [...new Set(found)];
"#;

pub(crate) async fn whole_page_in_chinese(page: &Page) -> Result<(), String> {
    page.select("#language", "zh-Hans").await?;
    page.wait_for_text("the Chinese page", "#train-title", "训练", SWITCH).await?;
    let lang = page.script("return document.documentElement.lang", vec![]).await?;
    if lang != json!("zh-Hans") {
        return Err(format!("the document's lang is {lang}, not zh-Hans"));
    }
    let english = page.script(ENGLISH_RUNS, vec![]).await?;
    let english: Vec<String> = serde_json::from_value(english).map_err(|e| e.to_string())?;
    page.screenshot("20-chinese-page").await?;
    page.screenshot_at("20-chinese-train", "#train-title").await?;
    page.screenshot_at("20-chinese-results", "#results-title").await?;
    if !english.is_empty() {
        return Err(format!("English left on the Chinese page: {english:#?}"));
    }
    page.click("#share").await?;
    let url = page.value("#share-url").await?;
    let fragment = url.split_once('#').map(|(_, f)| f).ok_or_else(|| format!("no # in the share link: {url}"))?;
    let link = decode_fragment(fragment).map_err(|e| format!("the Chinese page's link does not decode: {e}"))?;
    if link.language != "zh-Hans" {
        return Err(format!("the share link's language is {}, not zh-Hans", link.language));
    }
    page.select("#language", "en").await?;
    page.wait_for_text("the English page again", "#train-title", "3 · Train", SWITCH).await?;
    println!("e2e: the page in Chinese: no English run outside data; its link says zh-Hans; back to English");
    Ok(())
}

/// A fresh profile's choice of Chinese is kept across a reload.
pub(crate) async fn language_survives_a_reload(driver: &Chromedriver, out: &Path, url: &str) -> Result<(), String> {
    Page::in_fresh_profile(driver, out, async |page| {
        page.goto(url).await?;
        page.select("#language", "zh-Hans").await?;
        page.wait_for_text("the Chinese page", "#train-title", "训练", SWITCH).await?;
        page.goto(url).await?;
        page.wait_for_text("Chinese after a reload", "#train-title", "训练", SWITCH).await?;
        page.screenshot("21-chinese-after-reload").await
    })
    .await
}
