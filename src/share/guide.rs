//! The guide's words about a run: after each epoch, what just happened (the loss, the dev
//! metric, which entity types the model finds and which it mixes up); after a run that scored
//! zero, why and what to change. Pure functions over the run's events, tested natively.

use crate::core::data::Examples;
use crate::core::evaluate::{EvalReport, Predictions};
use crate::core::metrics::EntityReport;
use crate::core::model::Task;
use crate::core::train::EpochSummary;

use super::lesson::{metric_name, GuideStep};

/// A guide step's name and what to look at while on it.
pub fn step_text(step: GuideStep) -> (&'static str, &'static str) {
    match step {
        GuideStep::Data => (
            "Look at the data",
            "Check the preview and the counts per label in panel 2: how many examples are there, and is any label rare?",
        ),
        GuideStep::Settings => (
            "Read the settings",
            "Panel 3 lists the settings; the help under each says what it does. Locked ones are your teacher's choice.",
        ),
        GuideStep::Train => (
            "Train and watch the loss",
            "Press Train. The loss should fall; after each epoch the guide says what changed on the dev set.",
        ),
        GuideStep::Results => (
            "Read the results",
            "Panel 4 scores the model on data it never trained on: which labels or entity types does it get right?",
        ),
        GuideStep::TryIt => ("Try it", "Type a sentence of your own in panel 5 and see what the model makes of it."),
        GuideStep::HandIn => ("Hand in", "Press Hand in: it makes a small result card (settings and scores, no data) for your teacher."),
    }
}

/// A type "is found" when the model recalls at least this share of its dev entities.
const FOUND: f64 = 0.5;
/// A type "is missed" below this recall.
const MISSED: f64 = 0.2;
/// Token pairs (gold type, predicted type) needed before the guide speaks of a mix-up.
const MIX_UP: usize = 2;

/// One sentence on epoch `epochs.last()`: the loss against the epoch before (or the first
/// step), the dev metric, and for NER the types found, missed and mixed up in the dev sample.
pub fn epoch_story(
    task: Task,
    epochs: &[EpochSummary],
    first_loss: Option<f32>,
    sample: Option<&Examples>,
) -> Option<String> {
    let last = epochs.last()?;
    let previous = epochs.len().checked_sub(2).map(|i| &epochs[i]);
    let before = previous.map(|e| e.train_loss).or(first_loss);
    let mut parts = vec![match before {
        Some(b) => {
            format!("the loss {} {:.2} to {:.2}", moved(f64::from(b), f64::from(last.train_loss)), b, last.train_loss)
        }
        None => format!("the loss is {:.2}", last.train_loss),
    }];
    let metric = metric_name(task);
    if let Some(now) = last.dev.as_ref().map(EvalReport::headline) {
        match previous.and_then(|p| p.dev.as_ref()).map(EvalReport::headline) {
            Some(then) => parts.push(format!("dev {metric} {} {then:.2} to {now:.2}", moved(then, now))),
            None => parts.push(format!("dev {metric} is {now:.2}")),
        }
    }
    if let Some(EvalReport::Ner { default, .. }) = &last.dev {
        parts.extend(entity_story(default, last.dev_predictions.as_ref(), sample));
    }
    let mut text = parts.join("; ");
    if let Some(first) = text.get(..1) {
        text = first.to_uppercase() + &text[1..];
    }
    Some(format!("Epoch {}: {text}.", last.epoch))
}

fn moved(from: f64, to: f64) -> &'static str {
    if to < from - 0.005 {
        "fell from"
    } else if to > from + 0.005 {
        "rose from"
    } else {
        "stayed near"
    }
}

fn entity_story(report: &EntityReport, predictions: Option<&Predictions>, sample: Option<&Examples>) -> Option<String> {
    if report.support > 0 && report.micro_avg.f1 == 0.0 {
        return Some("the model finds no entities yet: it still tags almost every word O".into());
    }
    let with_support = || report.per_type.iter().filter(|t| t.support > 0);
    let found: Vec<&str> = with_support().filter(|t| t.recall >= FOUND).map(|t| t.label.as_str()).collect();
    let missed: Vec<&str> = with_support().filter(|t| t.recall < MISSED).map(|t| t.label.as_str()).collect();
    let mut story = match (found.is_empty(), missed.is_empty()) {
        (false, true) => format!("the model now finds most {} entities", list(&found)),
        (false, false) => {
            format!("the model now finds most {} entities but misses {}", list(&found), list(&missed))
        }
        (true, false) => format!("it still misses {}", list(&missed)),
        (true, true) => "it finds some entities of every type, but not most".into(),
    };
    if let Some((gold, predicted)) = mix_up(predictions, sample) {
        story.push_str(&format!(", and it confuses {gold} with {predicted}"));
    }
    Some(story)
}

fn list(labels: &[&str]) -> String {
    match labels {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The most frequent (gold type, predicted type) pair among dev-sample words tagged with an
/// entity in both but of different types, when it happens at least [`MIX_UP`] times.
fn mix_up(predictions: Option<&Predictions>, sample: Option<&Examples>) -> Option<(String, String)> {
    let (Some(Predictions::Ner(predicted)), Some(Examples::Ner(gold))) = (predictions, sample) else {
        return None;
    };
    let mut pairs: Vec<((String, String), usize)> = Vec::new();
    let words = gold.iter().zip(predicted).flat_map(|(g, p)| g.tags.iter().zip(p));
    for (g, p) in words {
        let (Some(g), Some(p)) = (entity_type(g), entity_type(p)) else { continue };
        if g != p {
            let key = (g.to_string(), p.to_string());
            match pairs.iter_mut().find(|(k, _)| *k == key) {
                Some((_, n)) => *n += 1,
                None => pairs.push((key, 1)),
            }
        }
    }
    pairs.into_iter().filter(|(_, n)| *n >= MIX_UP).max_by_key(|(_, n)| *n).map(|(k, _)| k)
}

fn entity_type(tag: &str) -> Option<&str> {
    tag.split_once('-').map(|(_, t)| t).filter(|_| tag != "O")
}

/// Why a finished run scored zero and what to change, or nothing when it learned something.
pub fn zero_score_advice(task: Task, last: &EpochSummary, steps: usize) -> Option<String> {
    let report = last.dev.as_ref()?;
    let zero = match report {
        EvalReport::Ner { default, .. } => default.support > 0 && default.micro_avg.f1 == 0.0,
        EvalReport::Cls(r) => {
            let predicted =
                (0..r.labels.len()).filter(|&j| r.confusion.iter().any(|row| row.get(j) > Some(&0))).count();
            r.labels.len() > 1 && predicted <= 1
        }
    };
    zero.then(|| {
        let what = match task {
            Task::Ner => "The model found no entities: it predicts O for every word, which is the most common tag.",
            Task::Cls => "The model predicts the same class for every example, the most common one.",
        };
        format!(
            "{what} With {steps} optimizer steps it has not had enough updates to learn the task. \
             Small datasets need more steps and bigger ones: press \"Suggest settings for small data\" \
             (a higher learning rate and more epochs), then train again."
        )
    })
}
