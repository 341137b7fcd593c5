//! A link that reproduces a run: the task, every setting, the model, the language and the data,
//! as JSON, deflated, in base64url, after `#` (a fragment never reaches a server).
//!
//! `v1.` starts every fragment so that a later format is told apart. A decoded link is checked
//! as a hand-edited one would need: its settings against their bounds, its size before and
//! after inflating (a small link must not inflate into gigabytes).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::lesson::{Lesson, LessonError};
use crate::core::model::Task;
use crate::core::train::{SettingError, TrainConfig};
use crate::i18n::{text, Language};
use crate::tr;

/// The longest URL the page makes: 8,000 characters. Slack (40,000 characters a message), Teams
/// (about 28,000), WhatsApp and mail keep it whole, and 8 KB is the request-line limit of common
/// servers and proxies; Telegram (4,096) and Discord (2,000) cut it. Past it, the data goes by
/// URL or in a lesson file.
pub const LINK_CAP: usize = 8_000;
/// The most JSON a fragment may inflate to.
const INFLATED_CAP: usize = 4 << 20;
const VERSION: &str = "v1.";

/// The model a link names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum SharedModel {
    /// The site's own default model.
    Default,
    /// A Hugging Face Hub repository id.
    Hub { id: String },
}

/// A data file carried in the link, as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedFile {
    pub name: String,
    pub text: String,
}

/// Where the link's data is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LinkData {
    /// In the link itself.
    Inline { train: SharedFile, dev: Option<SharedFile> },
    /// A raw CSV/CoNLL/JSONL file the page fetches (the server must allow cross-origin reads).
    Url { train: String, dev: Option<String> },
}

/// Everything a link carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunLink {
    pub task: Task,
    pub settings: TrainConfig,
    pub model: SharedModel,
    /// A BCP 47 tag of the page's language (`en`, `zh-Hans`).
    pub language: String,
    pub data: LinkData,
    /// CSV/TSV columns, when the person chose them.
    #[serde(default)]
    pub text_column: Option<String>,
    #[serde(default)]
    pub label_column: Option<String>,
    /// A teacher's frame around the run, when the link is a lesson.
    #[serde(default)]
    pub lesson: Option<Lesson>,
}

/// What a lesson file's `format` field says.
pub const FILE_FORMAT: &str = "tunelab-lesson/1";
/// How a lesson file's name ends.
pub const FILE_SUFFIX: &str = ".tunelab.json";

/// A lesson file: a link's contents as readable JSON, for data too big for a link.
#[derive(Serialize, Deserialize)]
struct LessonFile {
    format: String,
    #[serde(flatten)]
    link: RunLink,
}

/// Why a fragment is not a link the page can open.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.words(Language::English))]
pub enum LinkError {
    NotALink,
    Characters,
    Truncated,
    TooLarge,
    /// serde's reason, which stays English: it names JSON positions and Rust field names.
    Contents(String),
    Settings(#[from] SettingError),
    ModelId(String),
    Lesson(#[from] LessonError),
    NotALessonFile,
    DataUrl(String),
}

impl LinkError {
    pub fn words(&self, language: Language) -> String {
        match self {
            Self::NotALink => tr!(language, "errors.link.not-a-link", version = VERSION),
            Self::Characters => text(language, "errors.link.characters", &[]),
            Self::Truncated => text(language, "errors.link.truncated", &[]),
            Self::TooLarge => tr!(language, "errors.link.too-large", mb = INFLATED_CAP >> 20),
            Self::Contents(why) => tr!(language, "errors.link.contents", why = why),
            Self::Settings(e) => tr!(language, "errors.link.settings", why = e.words(language)),
            Self::ModelId(id) => tr!(language, "errors.link.model-id", id = id),
            Self::Lesson(e) => tr!(language, "errors.link.lesson", why = e.words(language)),
            Self::NotALessonFile => tr!(language, "errors.link.not-a-lesson-file", format = FILE_FORMAT),
            Self::DataUrl(url) => tr!(language, "errors.link.data-url", url = url),
        }
    }
}

/// The fragment (without `#`) that carries `link`.
pub fn encode_fragment(link: &RunLink) -> String {
    let json = serde_json::to_vec(link).unwrap_or_default();
    let packed = miniz_oxide::deflate::compress_to_vec(&json, 9);
    format!("{VERSION}{}", URL_SAFE_NO_PAD.encode(packed))
}

/// The link a fragment (with or without `#`) carries, checked.
pub fn decode_fragment(fragment: &str) -> Result<RunLink, LinkError> {
    let body = fragment.trim().trim_start_matches('#').strip_prefix(VERSION).ok_or(LinkError::NotALink)?;
    if body.len() > INFLATED_CAP {
        return Err(LinkError::TooLarge);
    }
    let packed = URL_SAFE_NO_PAD.decode(body).map_err(|_| LinkError::Characters)?;
    let json =
        miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, INFLATED_CAP).map_err(|e| match e.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => LinkError::TooLarge,
            _ => LinkError::Truncated,
        })?;
    let link: RunLink = serde_json::from_slice(&json).map_err(|e| LinkError::Contents(e.to_string()))?;
    link.check()?;
    Ok(link)
}

/// A lesson file's text for `link`.
pub fn encode_file(link: &RunLink) -> String {
    serde_json::to_string_pretty(&LessonFile { format: FILE_FORMAT.into(), link: link.clone() }).unwrap_or_default()
}

/// The link a lesson file carries, checked as a link is.
pub fn decode_file(bytes: &[u8]) -> Result<RunLink, LinkError> {
    if bytes.len() > INFLATED_CAP {
        return Err(LinkError::TooLarge);
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| LinkError::Contents(e.to_string()))?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FILE_FORMAT) {
        return Err(LinkError::NotALessonFile);
    }
    let file: LessonFile = serde_json::from_value(value).map_err(|e| LinkError::Contents(e.to_string()))?;
    file.link.check()?;
    Ok(file.link)
}

impl RunLink {
    /// The checks a link from elsewhere needs: settings in bounds, a real Hub id, a usable lesson.
    pub fn check(&self) -> Result<(), LinkError> {
        self.settings.validate()?;
        if let SharedModel::Hub { id } = &self.model {
            if !is_hub_id(id) {
                return Err(LinkError::ModelId(id.clone()));
            }
        }
        if let Some(lesson) = &self.lesson {
            lesson.check()?;
        }
        if let LinkData::Url { train, dev } = &self.data {
            if let Some(bad) = std::iter::once(train).chain(dev).find(|u| !is_web_url(u)) {
                return Err(LinkError::DataUrl(bad.clone()));
            }
        }
        Ok(())
    }

    /// A short id that names this run's set-up (a lesson's id on result cards): the same link
    /// gives the same id. FNV-1a over the link's JSON.
    pub fn id(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        let hash = json.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        format!("{hash:016x}")
    }
}

fn is_web_url(url: &str) -> bool {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.contains(char::is_whitespace))
}

/// A data file's name from its URL: the last path segment, without query or fragment (its
/// extension tells the parsers the format).
pub fn file_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty() && !n.contains(':'))
        .unwrap_or("data")
        .to_string()
}

/// `owner/name` or `name`: letters, digits, `-`, `_`, `.`; no path tricks.
fn is_hub_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('/').collect();
    (1..=2).contains(&parts.len())
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 96
                && !p.starts_with('.')
                && p.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
}
