//! The guide's words about a run: after each epoch, what just happened (the loss, the dev
//! metric, which entity types the model finds and which it mixes up); after a run that scored
//! zero, why and what to change. Pure functions over the run's events, tested natively.

use crate::core::data::Examples;
use crate::core::evaluate::{EvalReport, Predictions};
use crate::core::metrics::EntityReport;
use crate::core::model::Task;
use crate::core::train::EpochSummary;

use super::lesson::{metric_name, GuideStep};
use crate::i18n::{text, Language};
use crate::tr;

/// A guide step's name and what to look at while on it.
pub fn step_text(language: Language, step: GuideStep) -> (String, String) {
    let (title, hint) = match step {
        GuideStep::Data => ("guide.step.data", "guide.step.data-hint"),
        GuideStep::Settings => ("guide.step.settings", "guide.step.settings-hint"),
        GuideStep::Train => ("guide.step.train", "guide.step.train-hint"),
        GuideStep::Results => ("guide.step.results", "guide.step.results-hint"),
        GuideStep::TryIt => ("guide.step.try", "guide.step.try-hint"),
        GuideStep::HandIn => ("guide.step.hand-in", "guide.step.hand-in-hint"),
    };
    (text(language, title, &[]), text(language, hint, &[]))
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
    language: Language,
    task: Task,
    epochs: &[EpochSummary],
    first_loss: Option<f32>,
    sample: Option<&Examples>,
) -> Option<String> {
    let last = epochs.last()?;
    let previous = epochs.len().checked_sub(2).map(|i| &epochs[i]);
    let before = previous.map(|e| e.train_loss).or(first_loss);
    let two = |x: f64| format!("{x:.2}");
    let mut parts = vec![match before {
        Some(b) => {
            let (b, now) = (f64::from(b), f64::from(last.train_loss));
            match moved(b, now) {
                Move::Fell => tr!(language, "guide.loss-fell", from = two(b), to = two(now)),
                Move::Rose => tr!(language, "guide.loss-rose", from = two(b), to = two(now)),
                Move::Stayed => tr!(language, "guide.loss-stayed", from = two(b), to = two(now)),
            }
        }
        None => tr!(language, "guide.loss-is", loss = two(f64::from(last.train_loss))),
    }];
    let metric = metric_name(language, task);
    if let Some(now) = last.dev.as_ref().map(EvalReport::headline) {
        match previous.and_then(|p| p.dev.as_ref()).map(EvalReport::headline) {
            Some(then) => parts.push(match moved(then, now) {
                Move::Fell => tr!(language, "guide.dev-fell", metric = metric, from = two(then), to = two(now)),
                Move::Rose => tr!(language, "guide.dev-rose", metric = metric, from = two(then), to = two(now)),
                Move::Stayed => tr!(language, "guide.dev-stayed", metric = metric, from = two(then), to = two(now)),
            }),
            None => parts.push(tr!(language, "guide.dev-is", metric = metric, score = two(now))),
        }
    }
    if let Some(EvalReport::Ner { default, .. }) = &last.dev {
        parts.extend(entity_story(language, default, last.dev_predictions.as_ref(), sample));
    }
    let mut story = parts.join(&text(language, "guide.clause-separator", &[]));
    if let Some(first) = story.get(..1) {
        story = first.to_uppercase() + &story[1..];
    }
    Some(tr!(language, "guide.epoch", epoch = last.epoch, story = story))
}

enum Move {
    Fell,
    Rose,
    Stayed,
}

fn moved(from: f64, to: f64) -> Move {
    if to < from - 0.005 {
        Move::Fell
    } else if to > from + 0.005 {
        Move::Rose
    } else {
        Move::Stayed
    }
}

fn entity_story(
    language: Language,
    report: &EntityReport,
    predictions: Option<&Predictions>,
    sample: Option<&Examples>,
) -> Option<String> {
    if report.support > 0 && report.micro_avg.f1 == 0.0 {
        return Some(text(language, "guide.no-entities-yet", &[]));
    }
    let with_support = || report.per_type.iter().filter(|t| t.support > 0);
    let found: Vec<&str> = with_support().filter(|t| t.recall >= FOUND).map(|t| t.label.as_str()).collect();
    let missed: Vec<&str> = with_support().filter(|t| t.recall < MISSED).map(|t| t.label.as_str()).collect();
    let (found, missed) = (list(language, &found), list(language, &missed));
    let story = match (found.is_empty(), missed.is_empty()) {
        (false, true) => tr!(language, "guide.finds", found = found),
        (false, false) => tr!(language, "guide.finds-but-misses", found = found, missed = missed),
        (true, false) => tr!(language, "guide.still-misses", missed = missed),
        (true, true) => text(language, "guide.finds-some", &[]),
    };
    Some(match mix_up(predictions, sample) {
        Some((gold, predicted)) => tr!(language, "guide.confuses", story = story, gold = gold, predicted = predicted),
        None => story,
    })
}

/// `A`, `A and B`, `A, B and C` in the language's way.
fn list(language: Language, labels: &[&str]) -> String {
    match labels {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => {
            let rest = rest.join(&text(language, "guide.list-separator", &[]));
            tr!(language, "guide.list-and", rest = rest, last = last)
        }
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
pub fn zero_score_advice(language: Language, task: Task, last: &EpochSummary, steps: usize) -> Option<String> {
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
            Task::Ner => text(language, "guide.zero-ner", &[]),
            Task::Cls => text(language, "guide.zero-cls", &[]),
        };
        tr!(language, "guide.zero", what = what, steps = steps, button = text(language, "train.use-advice", &[]))
    })
}
