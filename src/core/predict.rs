//! A person's text in, a prediction they can read out: class probabilities, or a tag per word
//! with the entities the tags form, located by code-point offsets into the text.

use serde::{Deserialize, Serialize};

use super::data::split_words;
use super::evaluate::EvalError;
use super::metrics::{extract_entities, EntityMode, MetricsError, Side};
use super::model::Task;
use super::task_model::TaskModel;

/// One word of a sentence with its predicted tag; offsets count code points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaggedWord {
    pub text: String,
    pub start: usize,
    pub end: usize,
    pub tag: String,
    pub probability: f32,
}

/// An entity read from the tags (IOB2), with code-point offsets into the text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntitySpan {
    pub label: String,
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// A prediction for one text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "task", rename_all = "lowercase")]
pub enum Prediction {
    Cls {
        label: String,
        /// In the order of `labels`.
        labels: Vec<String>,
        probabilities: Vec<f32>,
    },
    Ner {
        words: Vec<TaggedWord>,
        entities: Vec<EntitySpan>,
    },
}

impl TaskModel {
    /// The model's prediction for one text, as its task reads it.
    pub async fn predict(&self, text: &str) -> Result<Prediction, EvalError> {
        match self.task {
            Task::Cls => self.predict_class(text).await,
            Task::Ner => self.predict_entities(text).await,
        }
    }

    async fn predict_class(&self, text: &str) -> Result<Prediction, EvalError> {
        let probabilities = self.predict_texts(&[text.to_string()], 1).await?.pop().unwrap_or_default();
        let best = probabilities.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(i, _)| i);
        Ok(Prediction::Cls {
            label: self.labels.get(best).cloned().unwrap_or_default(),
            labels: self.labels.clone(),
            probabilities,
        })
    }

    /// The text split into words as the span format splits it, a tag per word, and the
    /// entities those tags form (seqeval's default reading).
    async fn predict_entities(&self, text: &str) -> Result<Prediction, EvalError> {
        let words = split_words(text);
        let tokens: Vec<String> = words.iter().map(|w| w.text.to_string()).collect();
        let tags = self.predict_words(&[tokens], 1).await?.pop().unwrap_or_default();
        let tagged: Vec<TaggedWord> = words
            .iter()
            .zip(&tags)
            .map(|(w, p)| TaggedWord {
                text: w.text.to_string(),
                start: w.start,
                end: w.end,
                tag: self.labels.get(p.label).cloned().unwrap_or_else(|| "O".into()),
                probability: p.probability,
            })
            .collect();
        let tag_names: Vec<&str> = tagged.iter().map(|w| w.tag.as_str()).collect();
        let entities = extract_entities(&[tag_names], EntityMode::Default)
            .map_err(|source| MetricsError::InvalidTag { side: Side::Pred, source })?
            .into_iter()
            .filter(|e| e.start < e.end && e.end <= tagged.len())
            .map(|e| {
                let (start, end) = (tagged[e.start].start, tagged[e.end - 1].end);
                EntitySpan { label: e.kind, start, end, text: text.chars().skip(start).take(end - start).collect() }
            })
            .collect();
        Ok(Prediction::Ner { words: tagged, entities })
    }
}
