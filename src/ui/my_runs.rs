//! My runs: the latest runs of this browser (settings, each epoch's scores, a sampled loss
//! curve), kept in IndexedDB with the runs' models (`kept_store.rs`), any two or more compared
//! side by side.

use std::collections::BTreeSet;

use leptos::prelude::*;

use super::compare_cards::comparison;
use super::format::{date, DateTime};
use super::kept_store::{self, MAX_RUNS};
use super::state::{t, use_state, State};
use crate::i18n::Language;
use crate::protocol::Backend;
use crate::share::ResultCard;

/// How kept runs were named before their names held only the time: "Run of 2026-12-03 14:32".
const OLD_NAME_PREFIX: &str = "Run of ";

/// The run on the page as a card, once it has a plan.
pub fn run_card(state: State) -> Option<ResultCard> {
    let plan = state.plan.get_untracked()?;
    let task = state.dataset.with_untracked(|d| d.done().map(|d| d.task))?;
    let device = state.device.get_untracked().map_or_else(
        || crate::share::card::UNKNOWN_DEVICE.to_string(),
        |d| {
            d.adapter.map_or_else(
                || match d.backend {
                    Backend::Webgpu => "WebGPU".to_string(),
                    Backend::Cpu => "CPU".to_string(),
                },
                |a| if a.description.is_empty() { a.vendor } else { a.description },
            )
        },
    );
    Some(ResultCard::new(task, plan.config, &state.steps.get_untracked(), &state.epochs.get_untracked(), device))
}

/// "2026-12-03 14:32", the browser's local time: a kept run's name, worded by [`run_name`].
pub(super) fn now_stamp() -> String {
    let d = js_sys::Date::new_0();
    format!(
        "{}-{:02}-{:02} {:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// The time in a kept run's name, new ("2026-12-03 14:32") or old ("Run of 2026-12-03 14:32").
fn name_time(name: &str) -> Option<DateTime> {
    let stamp = name.strip_prefix(OLD_NAME_PREFIX).unwrap_or(name);
    let (day, time) = stamp.split_once(' ')?;
    let mut day = day.split('-').map(str::parse::<u32>);
    let (year, month, day) = match (day.next(), day.next(), day.next(), day.next()) {
        (Some(Ok(y)), Some(Ok(m)), Some(Ok(d)), None) => (y, m, d),
        _ => return None,
    };
    let (hour, minute) = time.split_once(':')?;
    let at = DateTime { year, month, day, hour: hour.parse().ok()?, minute: minute.parse().ok()? };
    ((1..=12).contains(&at.month) && at.hour < 24 && at.minute < 60).then_some(at)
}

/// A kept run's name as people read it: "Run of 3 Dec 2026, 14:32"; a name without a time as it is.
pub(super) fn run_name(language: Language, name: &str) -> String {
    match name_time(name) {
        Some(at) => crate::tr!(language, "teach.run-of", date = date(language, at)),
        None => name.to_string(),
    }
}

/// A run's best dev figure in words, or that it has none.
pub(super) fn best_words(language: Language, best: Option<f64>) -> String {
    match best {
        Some(b) => crate::tr!(language, "teach.run-best", score = format!("{b:.3}")),
        None => crate::tr!(language, "teach.run-no-score"),
    }
}

/// Calls `then` once for each run that ends (finished, stopped or diverged), however often
/// the run's signal changes afterwards.
pub(super) fn once_per_ended_run(state: State, mut then: impl FnMut() + 'static) {
    let done_for = StoredValue::new(0.0f64);
    Effect::new(move |_| {
        let ended = state.run.get().ended();
        let started = state.run_started_at.get_untracked();
        if !ended || done_for.get_value() == started {
            return;
        }
        done_for.set_value(started);
        then();
    });
}

#[component]
pub fn MyRuns() -> impl IntoView {
    let state = use_state();
    let runs = RwSignal::new(Vec::<ResultCard>::new());
    let picked = RwSignal::new(BTreeSet::<usize>::new());
    let note = RwSignal::new(None::<String>);
    let compared = RwSignal::new(None::<Vec<ResultCard>>);
    wasm_bindgen_futures::spawn_local(async move {
        match kept_store::load_runs(state.language.get_untracked()).await {
            // A run that ended while the list was read comes first in time.
            Ok(kept) => runs.update(|r| *r = kept.into_iter().chain(r.drain(..)).collect()),
            Err(message) => note.set(Some(message)),
        }
    });
    let store = move |all: Vec<ResultCard>| {
        runs.set(all.clone());
        picked.set(BTreeSet::new());
        compared.set(None);
        wasm_bindgen_futures::spawn_local(async move {
            note.set(kept_store::save_runs(state.language.get_untracked(), &all).await.err());
        });
    };
    // Each run that ends is kept once.
    once_per_ended_run(state, move || {
        if let Some(mut card) = run_card(state).filter(|c| !c.epochs.is_empty()) {
            card.name = now_stamp();
            let mut all = runs.get_untracked();
            all.push(card);
            let excess = all.len().saturating_sub(MAX_RUNS);
            all.drain(..excess);
            store(all);
        }
    });

    view! {
        <details id="my-runs">
            <summary>{move || {
                crate::tr!(state.lang(), "teach.my-runs-summary", count = runs.with(Vec::len), max = MAX_RUNS)
            }}</summary>
            {move || note.get().map(|n| view! { <p class="warning">{n}</p> })}
            {move || runs.with(Vec::is_empty).then(|| view! { <p class="note">{t("teach.no-runs")}</p> })}
            <ul class="runs">
                {move || runs.get().into_iter().enumerate().map(|(i, card)| {
                    let language = state.lang();
                    let best = best_words(language, card.best());
                    let what = crate::tr!(
                        language,
                        "teach.run-line",
                        name = run_name(language, &card.name),
                        task = card.task.name(language),
                        rate = card.settings.learning_rate,
                        epochs = card.settings.epochs,
                        batch = card.settings.batch_size,
                        best = best,
                    );
                    view! {
                        <li>
                            <label><input type="checkbox" id=format!("run-{i}")
                                prop:checked=move || picked.with(|p| p.contains(&i))
                                on:change=move |ev| picked.update(|p| { if event_target_checked(&ev) { p.insert(i); } else { p.remove(&i); } }) />
                                " "{what}</label>
                            " "<button class="small" on:click=move |_| {
                                let mut all = runs.get_untracked();
                                if i < all.len() { all.remove(i); }
                                store(all);
                            }>{t("teach.delete-run")}</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <div class="controls">
                <button id="compare-runs" disabled=move || picked.with(|p| p.len() < 2)
                    on:click=move |_| compared.set(Some(runs.with_untracked(|r| {
                        picked.with_untracked(|p| p.iter().filter_map(|&i| r.get(i).cloned()).collect())
                    })))>{t("teach.compare-runs")}</button>
            </div>
            {move || compared.get().map(|cards| {
                let language = state.lang();
                let named = cards.into_iter().map(|card| ResultCard { name: run_name(language, &card.name), ..card }).collect();
                comparison(language, named, "runs")
            })}
        </details>
    }
}
