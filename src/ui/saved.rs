//! The user's data and settings in the browser's localStorage, so that a reload loses nothing.

use serde::{Deserialize, Serialize};

use super::chosen::Chosen;
use crate::core::model::Task;
use crate::core::train::TrainConfig;
use crate::i18n::{text, Language};
use crate::protocol::DataFile;
use crate::share::{ResultCard, RunLink};
use crate::tr;

const DATA_KEY: &str = "tunelab.data.v1";
const SETTINGS_KEY: &str = "tunelab.settings.v1";
const LESSON_KEY: &str = "tunelab.lesson.v1";
const RUNS_KEY: &str = "tunelab.runs.v1";
const LANGUAGE_KEY: &str = "tunelab.language";
/// localStorage holds about 5 MB per site; larger files are not kept.
const MAX_SAVED: usize = 2_000_000;

#[derive(Serialize, Deserialize)]
struct SavedFile {
    name: String,
    text: String,
}

#[derive(Serialize, Deserialize)]
struct SavedData {
    task: Task,
    train: SavedFile,
    dev: Option<SavedFile>,
    text_column: String,
    label_column: String,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn to_saved(file: &DataFile) -> Option<SavedFile> {
    let text = std::str::from_utf8(&file.bytes).ok()?;
    (text.len() <= MAX_SAVED).then(|| SavedFile { name: file.name.clone(), text: text.to_string() })
}

fn from_saved(file: SavedFile) -> DataFile {
    DataFile { name: file.name, bytes: file.text.into_bytes() }
}

/// Keeps the chosen data for the next visit; says so when it cannot (the page still has it).
pub fn save_data(language: Language, data: &Chosen) -> Result<(), String> {
    let not_kept = |why: &str| tr!(language, "page.data-not-kept", why = text(language, why, &[]));
    let storage = storage().ok_or_else(|| not_kept("page.no-storage"))?;
    let saved = to_saved(&data.train).map(|train| SavedData {
        task: data.task,
        train,
        dev: data.dev.as_ref().and_then(to_saved),
        text_column: data.text_column.clone(),
        label_column: data.label_column.clone(),
    });
    let json = saved.and_then(|s| serde_json::to_string(&s).ok());
    let stored = json.as_ref().map(|json| storage.set_item(DATA_KEY, json));
    match stored {
        Some(Ok(())) => Ok(()),
        failed => {
            let _ = storage.remove_item(DATA_KEY);
            Err(not_kept(match failed {
                None => "page.not-storable",
                Some(_) => "page.storage-full",
            }))
        }
    }
}

pub fn load_data() -> Option<Chosen> {
    let json = storage()?.get_item(DATA_KEY).ok()??;
    let saved: SavedData = serde_json::from_str(&json).ok()?;
    Some(Chosen {
        task: saved.task,
        train: from_saved(saved.train),
        dev: saved.dev.map(from_saved),
        text_column: saved.text_column,
        label_column: saved.label_column,
    })
}

pub fn save_settings(config: &TrainConfig) {
    if let (Some(storage), Ok(json)) = (storage(), serde_json::to_string(config)) {
        let _ = storage.set_item(SETTINGS_KEY, &json);
    }
}

pub fn load_settings() -> Option<TrainConfig> {
    serde_json::from_str(&storage()?.get_item(SETTINGS_KEY).ok()??).ok()
}

/// Keeps the open lesson for the next visit: a reload leaves the student in it.
pub fn save_lesson(link: Option<&RunLink>) {
    let Some(storage) = storage() else { return };
    let json = link.and_then(|l| serde_json::to_string(l).ok());
    let _ = match json {
        Some(json) => storage.set_item(LESSON_KEY, &json),
        None => storage.remove_item(LESSON_KEY),
    };
}

pub fn load_lesson() -> Option<RunLink> {
    serde_json::from_str(&storage()?.get_item(LESSON_KEY).ok()??).ok()
}

/// The runs a page before this one kept in localStorage (My runs now lives in IndexedDB,
/// with the models: `kept_store.rs`), to be moved over once.
pub fn old_runs() -> Option<Vec<ResultCard>> {
    serde_json::from_str(&storage()?.get_item(RUNS_KEY).ok()??).ok()
}

/// Forgets the old list, once it is kept in IndexedDB.
pub fn forget_old_runs() {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(RUNS_KEY);
    }
}

/// Remembers the language the person chose.
pub fn save_language(language: Language) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(LANGUAGE_KEY, language.tag());
    }
}

/// The language chosen here before, else the browser's first language with a catalogue.
pub fn load_language() -> Option<Language> {
    let chosen = storage().and_then(|s| s.get_item(LANGUAGE_KEY).ok().flatten());
    if let Some(language) = chosen.as_deref().and_then(Language::from_tag) {
        return Some(language);
    }
    let languages = web_sys::window()?.navigator().languages();
    let tags: Vec<String> = languages.iter().filter_map(|v| v.as_string()).collect();
    Language::preferred(tags.iter().map(String::as_str))
}
