//! Inference on texts and sentences, and evaluation of a dev set with the project's metrics.

use burn::prelude::*;
use burn::tensor::activation::softmax;
use serde::{Deserialize, Serialize};

use super::data::{Atom, Examples};
use super::metrics::{
    classification_report, entity_report, ClassificationReport, EntityMode, EntityReport, MetricsError,
};
use super::model::{Classifier, Task};
use super::task_model::TaskModel;
use super::tokenize::{Encoded, TokenizeError};
use super::train::batch::{collate, Sample, Target};

/// Why predictions could not be made.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error(transparent)]
    Tokenize(#[from] TokenizeError),
    #[error("reading results from the device failed: {0}")]
    Device(String),
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    #[error("this model is for {model}, the data for {data}")]
    TaskMismatch { model: Task, data: Task },
}

/// Class probabilities for one text, in label order.
pub type ClassProbabilities = Vec<f32>;

/// One predicted tag per input word with its probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WordPrediction {
    pub label: usize,
    pub probability: f32,
}

/// What the model predicted for each scored example, in the examples' order: what a page shows
/// beside the gold labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "task", content = "predictions", rename_all = "lowercase")]
pub enum Predictions {
    /// The predicted label and its probability.
    Cls(Vec<(String, f32)>),
    /// One predicted tag per word.
    Ner(Vec<Vec<String>>),
}

impl Predictions {
    /// The predictions of the first `n` examples.
    pub fn head(&self, n: usize) -> Self {
        match self {
            Predictions::Cls(p) => Predictions::Cls(p.iter().take(n).cloned().collect()),
            Predictions::Ner(p) => Predictions::Ner(p.iter().take(n).cloned().collect()),
        }
    }
}

/// Dev-set scores: scikit-learn's for classification, seqeval's (both modes) for NER.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "task", rename_all = "lowercase")]
pub enum EvalReport {
    Cls(ClassificationReport),
    Ner {
        /// seqeval's default (conlleval-compatible) mode.
        default: EntityReport,
        /// seqeval `mode="strict", scheme=IOB2`.
        strict: EntityReport,
    },
}

impl EvalReport {
    /// The figure early stopping watches: accuracy, or entity F1 in seqeval's default mode.
    pub fn headline(&self) -> f64 {
        match self {
            EvalReport::Cls(r) => r.accuracy,
            EvalReport::Ner { default, .. } => default.micro_avg.f1,
        }
    }
}

/// Runs `encoded` through the model in batches, keeping the input order, and returns per
/// example the softmax rows (one row for a sequence task, one per sub-word for a token task).
async fn probabilities(
    model: &Classifier,
    encoded: Vec<Encoded>,
    pad_id: u32,
    batch_size: usize,
    device: &Device,
) -> Result<Vec<Vec<Vec<f32>>>, EvalError> {
    let samples: Vec<Sample> =
        encoded.into_iter().map(|encoded| Sample { target: Target::Class(0), encoded }).collect();
    // Sorting by length cuts padding; results go back to input order.
    let mut order: Vec<usize> = (0..samples.len()).collect();
    order.sort_by_key(|&i| samples[i].len());
    let mut out = vec![Vec::new(); samples.len()];
    let labels = model.num_labels();
    for chunk in order.chunks(batch_size.max(1)) {
        let batch: Vec<&Sample> = chunk.iter().map(|&i| &samples[i]).collect();
        let seq = batch.iter().map(|s| s.len()).max().unwrap_or(1).max(1);
        let input = collate(&batch, pad_id, device).input;
        let probs = softmax(model.logits(input), 1);
        let data = probs.into_data_async().await.map_err(|e| EvalError::Device(e.to_string()))?;
        let values = data.try_to_vec::<f32>().map_err(|e| EvalError::Device(e.to_string()))?;
        let rows: Vec<Vec<f32>> = values.chunks(labels).map(<[f32]>::to_vec).collect();
        for (k, &i) in chunk.iter().enumerate() {
            out[i] = match model.task {
                Task::Cls => vec![rows[k].clone()],
                Task::Ner => rows[k * seq..k * seq + samples[i].len()].to_vec(),
            };
        }
    }
    Ok(out)
}

fn argmax(row: &[f32]) -> (usize, f32) {
    row.iter().enumerate().fold((0, f32::NEG_INFINITY), |best, (i, &p)| if p > best.1 { (i, p) } else { best })
}

impl TaskModel {
    fn inference_model(&self) -> Classifier {
        self.model.valid()
    }

    fn pad_id(&self) -> u32 {
        self.tokenizer.pad_id()
    }

    /// Class probabilities for each text.
    pub async fn predict_texts(
        &self,
        texts: &[String],
        batch_size: usize,
    ) -> Result<Vec<ClassProbabilities>, EvalError> {
        if self.task != Task::Cls {
            return Err(EvalError::TaskMismatch { model: self.task, data: Task::Cls });
        }
        let encoded = texts.iter().map(|t| self.tokenizer.encode_text(t)).collect::<Result<Vec<_>, _>>()?;
        let model = self.inference_model();
        let device = self.device.clone().without_autodiff();
        let rows = probabilities(&model, encoded, self.pad_id(), batch_size, &device).await?;
        Ok(rows.into_iter().map(|mut r| r.pop().unwrap_or_default()).collect())
    }

    /// One tag per word, read from the word's first sub-word. Words the truncation cut off,
    /// or that produced no sub-word, are predicted `O`.
    pub async fn predict_words(
        &self,
        sentences: &[Vec<impl AsRef<str>>],
        batch_size: usize,
    ) -> Result<Vec<Vec<WordPrediction>>, EvalError> {
        if self.task != Task::Ner {
            return Err(EvalError::TaskMismatch { model: self.task, data: Task::Ner });
        }
        let encoded = sentences.iter().map(|s| self.tokenizer.encode_words(s)).collect::<Result<Vec<_>, _>>()?;
        let starts: Vec<Vec<Option<usize>>> = encoded.iter().map(|e| e.word_starts.clone()).collect();
        let model = self.inference_model();
        let device = self.device.clone().without_autodiff();
        let rows = probabilities(&model, encoded, self.pad_id(), batch_size, &device).await?;
        let outside = self.labels.iter().position(|l| l == "O").unwrap_or(0);
        Ok(sentences
            .iter()
            .zip(rows)
            .zip(starts)
            .map(|((words, rows), starts)| {
                let mut out = vec![WordPrediction { label: outside, probability: 1.0 }; words.len()];
                for (row, start) in rows.iter().zip(starts) {
                    if let Some(w) = start.filter(|&w| w < out.len()) {
                        let (label, probability) = argmax(row);
                        out[w] = WordPrediction { label, probability };
                    }
                }
                out
            })
            .collect())
    }

    /// Scores the model on labelled examples.
    pub async fn evaluate(&self, examples: &Examples, batch_size: usize) -> Result<EvalReport, EvalError> {
        Ok(self.evaluate_with_predictions(examples, batch_size).await?.0)
    }

    /// Scores the model on labelled examples and returns what it predicted for each.
    pub async fn evaluate_with_predictions(
        &self,
        examples: &Examples,
        batch_size: usize,
    ) -> Result<(EvalReport, Predictions), EvalError> {
        let label = |i: usize| self.labels.get(i).cloned().unwrap_or_default();
        match examples {
            Examples::Cls(examples) => {
                let texts: Vec<String> = examples.iter().map(|e| e.text.clone()).collect();
                let probs = self.predict_texts(&texts, batch_size).await?;
                let pred: Vec<(String, f32)> = probs
                    .iter()
                    .map(|p| {
                        let (best, probability) = argmax(p);
                        (label(best), probability)
                    })
                    .collect();
                let pred_names: Vec<&str> = pred.iter().map(|(l, _)| l.as_str()).collect();
                let gold: Vec<&str> = examples.iter().map(|e| e.label.as_str()).collect();
                Ok((EvalReport::Cls(classification_report(&gold, &pred_names)?), Predictions::Cls(pred)))
            }
            Examples::Ner(examples) => {
                let sentences: Vec<Vec<Atom>> = examples.iter().map(|e| e.tokens.clone()).collect();
                let words = self.predict_words(&sentences, batch_size).await?;
                let pred: Vec<Vec<String>> = words.iter().map(|s| s.iter().map(|w| label(w.label)).collect()).collect();
                let gold: Vec<Vec<String>> =
                    examples.iter().map(|e| e.tags.iter().map(Atom::to_string).collect()).collect();
                let report = EvalReport::Ner {
                    default: entity_report(&gold, &pred, EntityMode::Default)?,
                    strict: entity_report(&gold, &pred, EntityMode::StrictIob2)?,
                };
                Ok((report, Predictions::Ner(pred)))
            }
        }
    }
}
