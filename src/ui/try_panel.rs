//! Step 5: type anything and see what the trained model makes of it, as you type.

use std::time::Duration;

use leptos::prelude::*;

use super::charts;
use super::chips::{chip, entity_types, TagStyle};
use super::state::{t, use_state, Status};
use super::worker_link::use_worker;
use crate::i18n::Language;
use crate::protocol::{Prediction, Request};
use crate::tr;

/// Typing pauses this long before a prediction is asked for.
const DEBOUNCE: Duration = Duration::from_millis(200);

#[component]
pub fn TryPanel() -> impl IntoView {
    let state = use_state();
    let link = use_worker();
    let text = RwSignal::new(String::new());
    // The worker answers one request at a time: while one is out, only the latest text waits.
    let waiting = StoredValue::new(None::<String>);
    let typed = RwSignal::new(0u64);

    let ask = move |value: String| {
        if value.trim().is_empty() {
            return;
        }
        if state.prediction.with_untracked(|p| p.is_working()) {
            waiting.set_value(Some(value));
        } else {
            state.prediction.set(Status::Working);
            link.send(Request::Predict { text: value });
        }
    };
    Effect::new(move |_| {
        if !state.prediction.with(|p| p.is_working()) {
            if let Some(next) = waiting.try_update_value(Option::take).flatten() {
                ask(next);
            }
        }
    });
    let on_input = move |ev| {
        let value = event_target_value(&ev);
        text.set(value.clone());
        let ticket = typed.get_untracked() + 1;
        typed.set(ticket);
        set_timeout(
            move || {
                if typed.get_untracked() == ticket && state.trained() && !state.run.get_untracked().active() {
                    ask(value);
                }
            },
            DEBOUNCE,
        );
    };

    view! {
        <section class="panel" aria-labelledby="try-title">
            <h2 id="try-title">{t("try.title")}</h2>
            <label class="stack">
                {t("try.label")}
                <textarea id="try-text" rows="3" prop:value=move || text.get() on:input=on_input
                    disabled=move || !state.trained() || state.run.get().active()
                    placeholder=t("try.placeholder")></textarea>
            </label>
            {move || (!state.trained()).then(|| view! { <p class="note">{t("try.not-trained")}</p> })}
            {move || match state.prediction.get() {
                Status::Empty => ().into_any(),
                Status::Working => view! { <p class="note" role="status">{t("try.thinking")}</p> }.into_any(),
                Status::Failed(message) => view! { <p class="error" role="alert" lang="en">{message}</p> }.into_any(),
                Status::Done((text, prediction)) => {
                    let lang = state.lang();
                    view! { <Answer text prediction lang /> }.into_any()
                }
            }}
        </section>
    }
}

/// The model's answer for one text.
#[component]
fn Answer(
    /// The text the prediction is for.
    text: String,
    prediction: Prediction,
    /// The page's language.
    lang: Language,
) -> impl IntoView {
    let state = use_state();
    match prediction {
        Prediction::Cls { label, labels, probabilities } => {
            let rows: Vec<(String, f64)> = labels.into_iter().zip(probabilities.iter().map(|&p| p as f64)).collect();
            let chart = charts::bars(lang, &tr!(lang, "try.chart-title"), &rows, true);
            view! {
                <div id="answer">
                    <p>{t("try.predicted")}" "<strong class="label">{label}</strong></p>
                    <div class="chart" inner_html=chart></div>
                </div>
            }
            .into_any()
        }
        Prediction::Ner { words, entities } => {
            // The dataset's labels, or a loaded fine-tuned model's own.
            let labels = state
                .dataset
                .with_untracked(|d| d.done().map(|d| d.labels.clone()))
                .or_else(|| state.model.with_untracked(|m| m.done().map(|m| m.labels.clone())))
                .unwrap_or_default();
            let types = entity_types(&labels);
            let chars: Vec<char> = text.chars().collect();
            let slice = |a: usize, b: usize| chars[a.min(chars.len())..b.min(chars.len())].iter().collect::<String>();
            let mut parts = Vec::new();
            let mut at = 0;
            for e in &entities {
                if e.start < at {
                    continue;
                }
                parts.push(view! { <span>{slice(at, e.start)}</span> }.into_any());
                let inside: Vec<f32> =
                    words.iter().filter(|w| w.start >= e.start && w.end <= e.end).map(|w| w.probability).collect();
                let confidence = inside.iter().sum::<f32>() / inside.len().max(1) as f32;
                let percent = format!("{:.0}", confidence * 100.0);
                let title = tr!(lang, "try.confidence", label = e.label, percent = percent);
                parts.push(chip(lang, slice(e.start, e.end), &e.label, &types, TagStyle::Gold, Some(title)));
                at = e.end;
            }
            parts.push(view! { <span>{slice(at, chars.len())}</span> }.into_any());
            let summary = if entities.is_empty() {
                tr!(lang, "try.no-entities")
            } else {
                tr!(lang, "try.entities-found", n = entities.len())
            };
            view! {
                <div id="answer">
                    <p class="sentence" translate="no">{parts}</p>
                    <p class="note">{summary}</p>
                </div>
            }
            .into_any()
        }
    }
}
