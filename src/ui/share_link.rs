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
use crate::i18n::{text, Language};
use crate::protocol::DataFile;
use crate::share::{
    decode_file, decode_fragment, encode_fragment, Lesson, LinkData, RunLink, SharedFile, SharedModel, LINK_CAP,
};
use crate::tr;

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
    let language = state.language.get_untracked();
    let opened = decode_fragment(&hash).inspect(|link| apply(state, link));
    match opened {
        Ok(link) => {
            state.opened_link.set(Some(summary(state.language.get_untracked(), &link)));
            open_lesson(state, link);
        }
        Err(why) => state.notices.update(|n| n.push(tr!(language, "page.link-not-opened", why = why.words(language)))),
    }
}

/// Opens a lesson file: its data, settings and lesson become the page's, which then starts
/// again from them (as a link does).
pub fn open_lesson_file(state: State, name: &str, bytes: &[u8]) {
    let language = state.language.get_untracked();
    let opened = decode_file(bytes).inspect(|link| apply(state, link));
    match opened {
        Ok(link) => {
            saved::save_lesson(link.lesson.is_some().then_some(&link));
            restart_without_link();
        }
        Err(why) => state
            .notices
            .update(|n| n.push(tr!(language, "page.file-not-opened", name = name, why = why.words(language)))),
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
    if let Some(language) = Language::from_tag(&link.language) {
        state.language.set(language);
        saved::save_language(language);
    }
    saved::save_settings(&link.settings);
    state.shared_model.set(link.model.clone());
    match &link.data {
        LinkData::Inline { train, dev } => {
            let file = |f: &SharedFile| DataFile { name: f.name.clone(), bytes: f.text.clone().into_bytes() };
            if let Err(note) =
                saved::save_data(state.language.get_untracked(), &chosen(link, file(train), dev.as_ref().map(file)))
            {
                state.notices.update(|n| n.push(note));
            }
        }
        LinkData::Url { train, dev } => {
            let (train, dev, link) = (train.clone(), dev.clone(), link.clone());
            let language = state.language.get_untracked();
            spawn_local(async move {
                let fetched = async {
                    let train = fetch_file(language, &train).await?;
                    let dev = match &dev {
                        Some(url) => Some(fetch_file(language, url).await?),
                        None => None,
                    };
                    Ok::<_, String>((train, dev))
                };
                match fetched.await {
                    Ok((train, dev)) => state.incoming.set(Some(chosen(&link, train, dev))),
                    Err(why) => state.notices.update(|n| n.push(tr!(language, "page.link-data-missing", why = why))),
                }
            });
        }
    }
}

/// A data file at `url`, named after the URL's last segment (its extension picks the format).
async fn fetch_file(language: Language, url: &str) -> Result<DataFile, String> {
    let bytes = files::fetch(language, url).await?;
    Ok(DataFile { name: crate::share::link::file_name(url), bytes })
}

/// What a link sets up, in words, shown before anything runs.
fn summary(language: Language, link: &RunLink) -> String {
    let defaults = TrainConfig::default();
    let changed: Vec<String> = SETTINGS
        .iter()
        .filter(|s| s.get(&link.settings) != s.get(&defaults))
        .map(|s| format!("{} {}", s.label(language).to_lowercase(), s.text(&link.settings)))
        .collect();
    let data = match &link.data {
        LinkData::Inline { train, dev: Some(dev) } => {
            tr!(language, "page.link-data-two", train = train.name, lines = train.text.lines().count(), dev = dev.name)
        }
        LinkData::Inline { train, dev: None } => {
            tr!(language, "page.link-data", train = train.name, lines = train.text.lines().count())
        }
        LinkData::Url { train, .. } => train.clone(),
    };
    let model = match &link.model {
        SharedModel::Default => text(language, "page.link-default-model", &[]),
        SharedModel::Hub { id } => tr!(language, "page.link-hub-model", id = id),
    };
    let settings = if changed.is_empty() {
        text(language, "page.link-usual-recipe", &[])
    } else {
        changed.join(text(language, "page.list-separator", &[]).as_str())
    };
    tr!(language, "page.link-summary", task = link.task.name(language), data = data, model = model, settings = settings)
}

/// The page's current data, settings and model, with `lesson` around them.
pub fn current_link(state: State, lesson: Option<Lesson>) -> Result<RunLink, String> {
    current_link_with(state, lesson, None)
}

/// As [`current_link`]; with `data_url`, the link names that file instead of carrying the data.
pub fn current_link_with(state: State, lesson: Option<Lesson>, data_url: Option<String>) -> Result<RunLink, String> {
    let language = state.language.get_untracked();
    let chosen = saved::load_data().ok_or_else(|| text(language, "page.link-needs-data", &[]))?;
    let text = |f: &DataFile| {
        String::from_utf8(f.bytes.clone()).map_err(|_| tr!(language, "page.link-not-utf8", name = f.name))
    };
    let train = SharedFile { name: chosen.train.name.clone(), text: text(&chosen.train)? };
    let dev = chosen.dev.as_ref().map(|d| text(d).map(|t| SharedFile { name: d.name.clone(), text: t })).transpose()?;
    let optional = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let link = RunLink {
        task: chosen.task,
        settings: saved::load_settings().unwrap_or_default(),
        model: state.shared_model.get_untracked(),
        language: language.tag().into(),
        data: match data_url {
            Some(url) => LinkData::Url { train: url, dev: None },
            None => LinkData::Inline { train, dev },
        },
        text_column: optional(&chosen.text_column),
        label_column: optional(&chosen.label_column),
        lesson,
    };
    link.check().map_err(|e| e.words(language))?;
    Ok(link)
}

/// The page's own address, without query or fragment: what links are built on.
pub fn page_address() -> Option<String> {
    location().and_then(|l| Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?)))
}

/// The URL that carries `link`, or why it cannot (over [`LINK_CAP`]: the data is too big).
pub fn link_url(language: Language, link: &RunLink) -> Result<String, String> {
    let base = page_address().ok_or_else(|| text(language, "page.link-no-address", &[]))?;
    let url = format!("{base}#{}", encode_fragment(link));
    let length = url.chars().count();
    if length > LINK_CAP {
        return Err(match link.lesson {
            Some(_) => tr!(language, "page.link-too-long-lesson", length = length, cap = LINK_CAP),
            None => tr!(language, "page.link-too-long", length = length, cap = LINK_CAP),
        });
    }
    Ok(url)
}

/// The page's current data, settings and model as a link: the URL, or why there is none.
pub fn make_link(state: State, data_url: Option<String>) -> Result<String, String> {
    link_url(state.language.get_untracked(), &current_link_with(state, None, data_url)?)
}
