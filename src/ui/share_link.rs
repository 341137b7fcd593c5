//! Share links and lesson files on the page: opening the page with one (its data and settings
//! become the page's, nothing runs until Train), and making one from the page's data, settings,
//! model and, for a lesson, the teacher's frame.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::chosen::Chosen;
use super::files;
use super::saved;
use super::state::State;
use crate::core::train::{TrainConfig, SETTINGS};
use crate::protocol::DataFile;
use crate::share::{
    decode_file, decode_fragment, encode_fragment, Lesson, LinkData, RunLink, SharedFile, SharedModel, LINK_CAP,
};

/// The page's language until the message catalogue exists.
const LANGUAGE: &str = "en";

fn location() -> Option<web_sys::Location> {
    web_sys::window().map(|w| w.location())
}

/// Reads the link in the address, if any: its data and settings are stored as the page's own
/// (so the panels start from them), and `opened_link` says what it set up. A damaged link is a
/// notice; the page works as usual. Without a link, a lesson opened before is picked up again.
pub fn open_from_location(state: State) {
    let Some(hash) = location().and_then(|l| l.hash().ok()).filter(|h| h.len() > 1) else {
        state.lesson.set(saved::load_lesson());
        return;
    };
    let opened = decode_fragment(&hash).map_err(|e| e.to_string()).inspect(|link| apply(state, link));
    match opened {
        Ok(link) => {
            state.opened_link.set(Some(summary(&link)));
            open_lesson(state, link);
        }
        Err(why) => state.notices.update(|n| {
            n.push(format!("This link could not be opened: {why}. The page works as usual; ask for the link again."))
        }),
    }
}

/// Opens a lesson file: its data, settings and lesson become the page's, which then starts
/// again from them (as a link does).
pub fn open_lesson_file(state: State, name: &str, bytes: &[u8]) {
    let opened = decode_file(bytes).map_err(|e| e.to_string()).inspect(|link| apply(state, link));
    match opened {
        Ok(link) => {
            saved::save_lesson(link.lesson.is_some().then_some(&link));
            restart_without_link();
        }
        Err(why) => state.notices.update(|n| n.push(format!("{name} could not be opened: {why}."))),
    }
}

/// Closes the lesson: the page keeps the data and settings, and shows every control again.
pub fn leave_lesson(state: State) {
    saved::save_lesson(None);
    state.lesson.set(None);
    forget_link_in_address();
}

fn open_lesson(state: State, link: RunLink) {
    let lesson = link.lesson.is_some().then_some(link);
    saved::save_lesson(lesson.as_ref());
    state.lesson.set(lesson);
}

/// Drops the `#…` from the address without a reload, so a reload does not open the link again.
fn forget_link_in_address() {
    let Some(window) = web_sys::window() else { return };
    let path = window.location().pathname().unwrap_or_default();
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
    }
}

fn restart_without_link() {
    forget_link_in_address();
    if let Some(location) = location() {
        let _ = location.reload();
    }
}

/// The data a link sets up, once its files are at hand.
fn chosen(link: &RunLink, train: DataFile, dev: Option<DataFile>) -> Chosen {
    Chosen {
        task: link.task,
        train,
        dev,
        text_column: link.text_column.clone().unwrap_or_default(),
        label_column: link.label_column.clone().unwrap_or_default(),
    }
}

fn apply(state: State, link: &RunLink) {
    saved::save_settings(&link.settings);
    state.shared_model.set(link.model.clone());
    match &link.data {
        LinkData::Inline { train, dev } => {
            let file = |f: &SharedFile| DataFile { name: f.name.clone(), bytes: f.text.clone().into_bytes() };
            if let Err(note) = saved::save_data(&chosen(link, file(train), dev.as_ref().map(file))) {
                state.notices.update(|n| n.push(note));
            }
        }
        LinkData::Url { train, dev } => {
            let (train, dev, link) = (train.clone(), dev.clone(), link.clone());
            spawn_local(async move {
                let fetched = async {
                    let train = fetch_file(&train).await?;
                    let dev = match &dev {
                        Some(url) => Some(fetch_file(url).await?),
                        None => None,
                    };
                    Ok::<_, String>((train, dev))
                };
                match fetched.await {
                    Ok((train, dev)) => state.incoming.set(Some(chosen(&link, train, dev))),
                    Err(why) => state.notices.update(|n| n.push(format!("The link's data is not here: {why}."))),
                }
            });
        }
    }
}

/// A data file at `url`, named after the URL's last segment (its extension picks the format).
async fn fetch_file(url: &str) -> Result<DataFile, String> {
    let bytes = files::fetch(url).await?;
    Ok(DataFile { name: crate::share::link::file_name(url), bytes })
}

/// What a link sets up, in words, shown before anything runs.
fn summary(link: &RunLink) -> String {
    let defaults = TrainConfig::default();
    let changed: Vec<String> = SETTINGS
        .iter()
        .filter(|s| s.get(&link.settings) != s.get(&defaults))
        .map(|s| format!("{} {}", s.label.to_lowercase(), s.text(&link.settings)))
        .collect();
    let data = match &link.data {
        LinkData::Inline { train, dev } => {
            let lines = train.text.lines().count();
            let dev = dev.as_ref().map_or(String::new(), |d| format!(" and {}", d.name));
            format!("{} ({lines} lines){dev}", train.name)
        }
        LinkData::Url { train, .. } => train.clone(),
    };
    let model = match &link.model {
        SharedModel::Default => "the default model".to_string(),
        SharedModel::Hub { id } => format!("the Hugging Face model {id}"),
    };
    let settings = if changed.is_empty() { "the usual recipe".to_string() } else { changed.join(", ") };
    format!(
        "This link set up a run: {} on {data}, with {model} and {settings}. Nothing runs until you press Train.",
        link.task
    )
}

/// The page's current data, settings and model, with `lesson` around them.
pub fn current_link(state: State, lesson: Option<Lesson>) -> Result<RunLink, String> {
    current_link_with(state, lesson, None)
}

/// As [`current_link`]; with `data_url`, the link names that file instead of carrying the data.
pub fn current_link_with(state: State, lesson: Option<Lesson>, data_url: Option<String>) -> Result<RunLink, String> {
    let chosen = saved::load_data().ok_or("choose data first: a link carries the data with it")?;
    let text = |f: &DataFile| String::from_utf8(f.bytes.clone()).map_err(|_| format!("{} is not UTF-8 text", f.name));
    let train = SharedFile { name: chosen.train.name.clone(), text: text(&chosen.train)? };
    let dev = chosen.dev.as_ref().map(|d| text(d).map(|t| SharedFile { name: d.name.clone(), text: t })).transpose()?;
    let optional = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let link = RunLink {
        task: chosen.task,
        settings: saved::load_settings().unwrap_or_default(),
        model: state.shared_model.get_untracked(),
        language: LANGUAGE.into(),
        data: match data_url {
            Some(url) => LinkData::Url { train: url, dev: None },
            None => LinkData::Inline { train, dev },
        },
        text_column: optional(&chosen.text_column),
        label_column: optional(&chosen.label_column),
        lesson,
    };
    link.check().map_err(|e| e.to_string())?;
    Ok(link)
}

/// The page's own address, without query or fragment: what links are built on.
pub fn page_address() -> Option<String> {
    location().and_then(|l| Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?)))
}

/// The URL that carries `link`, or why it cannot (over [`LINK_CAP`]: the data is too big).
pub fn link_url(link: &RunLink) -> Result<String, String> {
    let base = page_address().ok_or("this page has no address to link to")?;
    let url = format!("{base}#{}", encode_fragment(link));
    if url.chars().count() > LINK_CAP {
        let other = if link.lesson.is_some() {
            "Download the lesson file instead"
        } else {
            "Press \"Download it as a file\" instead"
        };
        return Err(format!(
            "The link would be {} characters, over the {LINK_CAP} that chat apps and mail keep intact: the data is too big \
             to travel in it. {other}.",
            url.chars().count()
        ));
    }
    Ok(url)
}

/// The page's current data, settings and model as a link: the URL, or why there is none.
pub fn make_link(state: State, data_url: Option<String>) -> Result<String, String> {
    link_url(&current_link_with(state, None, data_url)?)
}
