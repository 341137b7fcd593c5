//! A result card: what a student hands in. The lesson it answers, the settings used, each
//! epoch's scores, a sampled loss curve, the device and the timings; no data and no weights.
//! It travels as a JSON file or as a link (`#card.v1.` + base64url of deflated JSON).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::core::model::Task;
use crate::core::train::{EpochSummary, StepProgress, TrainConfig};
use crate::i18n::Language;
use crate::tr;

const CARD_PREFIX: &str = "card.v1.";
/// A card's loss curve keeps at most this many points.
pub const CURVE_POINTS: usize = 100;
/// The most JSON a card may unpack to.
const CARD_CAP: usize = 1 << 20;

/// One epoch's figures on a card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochScore {
    pub epoch: usize,
    pub train_loss: f32,
    /// The headline dev figure: accuracy, or entity F1.
    pub dev: Option<f64>,
    pub train_seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultCard {
    /// The lesson's id ([`super::RunLink::id`]) and title, when the run was a lesson's.
    pub lesson_id: Option<String>,
    pub lesson_title: Option<String>,
    /// The lesson's goal on the headline dev figure.
    #[serde(default)]
    pub goal: Option<f64>,
    /// Who hands it in, as they typed it.
    #[serde(default)]
    pub name: String,
    pub task: Task,
    pub settings: TrainConfig,
    pub epochs: Vec<EpochScore>,
    /// (step, loss), sampled evenly to at most [`CURVE_POINTS`].
    pub curve: Vec<(usize, f32)>,
    pub device: String,
    pub train_seconds: f64,
    pub tokens_per_s: f64,
}

/// A card's device when the page does not know it; worded in the reader's language on display.
pub const UNKNOWN_DEVICE: &str = "unknown";

/// Why a text is not a card.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.words(Language::English))]
pub enum CardError {
    NotACard,
    Characters,
    Truncated,
    /// serde's reason, which stays English: it names positions and field names.
    Damaged(String),
}

impl CardError {
    pub fn words(&self, language: Language) -> String {
        match self {
            Self::NotACard => tr!(language, "errors.card.not-a-card", prefix = CARD_PREFIX),
            Self::Characters => crate::i18n::text(language, "errors.card.characters", &[]),
            Self::Truncated => crate::i18n::text(language, "errors.card.truncated", &[]),
            Self::Damaged(why) => tr!(language, "errors.card.damaged", why = why),
        }
    }
}

impl ResultCard {
    /// A card from a run's events.
    pub fn new(
        task: Task,
        settings: TrainConfig,
        steps: &[StepProgress],
        epochs: &[EpochSummary],
        device: String,
    ) -> Self {
        let last = steps.last();
        let points: Vec<(usize, f32)> = steps.iter().map(|s| (s.step, s.loss)).collect();
        ResultCard {
            lesson_id: None,
            lesson_title: None,
            goal: None,
            name: String::new(),
            task,
            settings,
            epochs: epochs
                .iter()
                .map(|e| EpochScore {
                    epoch: e.epoch,
                    train_loss: e.train_loss,
                    dev: e.dev.as_ref().map(|d| d.headline()),
                    train_seconds: e.train_seconds,
                })
                .collect(),
            curve: sample(&points, CURVE_POINTS),
            device,
            train_seconds: epochs.iter().map(|e| e.train_seconds).sum(),
            tokens_per_s: last.map_or(0.0, |s| s.tokens_per_s),
        }
    }

    /// The best dev figure of the run.
    pub fn best(&self) -> Option<f64> {
        self.epochs.iter().filter_map(|e| e.dev).reduce(f64::max)
    }

    /// Whether the best dev figure meets the lesson's goal.
    pub fn goal_met(&self) -> Option<bool> {
        self.goal.map(|g| self.best().is_some_and(|b| b >= g))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The fragment (without `#`) of a card link.
    pub fn to_fragment(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        format!("{CARD_PREFIX}{}", URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(&json, 9)))
    }

    /// A card from what a teacher pastes or drops: its JSON, a card link, or its fragment.
    pub fn read(text: &str) -> Result<Self, CardError> {
        let text = text.trim();
        let damaged = |e: &dyn std::fmt::Display| CardError::Damaged(e.to_string());
        if text.starts_with('{') {
            return serde_json::from_str(text).map_err(|e| damaged(&e));
        }
        let at = text.find(CARD_PREFIX).ok_or(CardError::NotACard)?;
        let body = &text[at + CARD_PREFIX.len()..];
        let packed = URL_SAFE_NO_PAD.decode(body).map_err(|_| CardError::Characters)?;
        let json =
            miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, CARD_CAP).map_err(|_| CardError::Truncated)?;
        serde_json::from_slice(&json).map_err(|e| damaged(&e))
    }
}

/// At most `n` points of `points`, evenly spread, the first and last kept.
pub fn sample<T: Copy>(points: &[T], n: usize) -> Vec<T> {
    if points.len() <= n || n < 2 {
        return points.to_vec();
    }
    (0..n).map(|i| points[i * (points.len() - 1) / (n - 1)]).collect()
}
