//! My runs: the latest runs of this browser (settings, each epoch's scores, a sampled loss
//! curve; no weights), kept in localStorage, any two or more compared side by side.

use std::collections::BTreeSet;

use leptos::prelude::*;

use super::compare_cards::comparison;
use super::saved;
use super::state::{use_state, State};
use crate::protocol::Backend;
use crate::share::ResultCard;

/// The run on the page as a card, once it has a plan.
pub fn run_card(state: State) -> Option<ResultCard> {
    let plan = state.plan.get_untracked()?;
    let task = state.dataset.with_untracked(|d| d.done().map(|d| d.task))?;
    let device = state.device.get_untracked().map_or_else(
        || "unknown".to_string(),
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

/// "2026-12-03 14:32", the browser's local time.
fn now_label() -> String {
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

#[component]
pub fn MyRuns() -> impl IntoView {
    let state = use_state();
    let runs = RwSignal::new(saved::load_runs());
    let picked = RwSignal::new(BTreeSet::<usize>::new());
    let note = RwSignal::new(None::<String>);
    let compared = RwSignal::new(None::<Vec<ResultCard>>);
    let store = move |all: Vec<ResultCard>| {
        note.set(saved::save_runs(&all).err());
        runs.set(all);
        picked.set(BTreeSet::new());
        compared.set(None);
    };
    // Each run that ends is kept once.
    let kept_for = StoredValue::new(0.0f64);
    Effect::new(move |_| {
        let ended = state.run.get().ended();
        let started = state.run_started_at.get_untracked();
        if !ended || kept_for.get_value() == started {
            return;
        }
        kept_for.set_value(started);
        if let Some(mut card) = run_card(state).filter(|c| !c.epochs.is_empty()) {
            card.name = format!("Run of {}", now_label());
            let mut all = runs.get_untracked();
            all.push(card);
            let excess = all.len().saturating_sub(saved::MAX_RUNS);
            all.drain(..excess);
            store(all);
        }
    });

    view! {
        <details id="my-runs">
            <summary>{move || format!("My runs ({}; the latest {} are kept in this browser)", runs.with(Vec::len), saved::MAX_RUNS)}</summary>
            {move || note.get().map(|n| view! { <p class="warning">{n}</p> })}
            {move || runs.with(Vec::is_empty).then(|| view! { <p class="note">"Runs appear here when they end."</p> })}
            <ul class="runs">
                {move || runs.get().into_iter().enumerate().map(|(i, card)| {
                    let best = card.best().map_or("no dev score".to_string(), |b| format!("best dev {b:.3}"));
                    let what = format!(
                        " {} · {} · lr {} · {} epochs · batch {} · {best}",
                        card.name, card.task, card.settings.learning_rate, card.settings.epochs, card.settings.batch_size
                    );
                    view! {
                        <li>
                            <label><input type="checkbox" id=format!("run-{i}")
                                prop:checked=move || picked.with(|p| p.contains(&i))
                                on:change=move |ev| picked.update(|p| { if event_target_checked(&ev) { p.insert(i); } else { p.remove(&i); } }) />
                                {what}</label>
                            " "<button class="small" on:click=move |_| {
                                let mut all = runs.get_untracked();
                                if i < all.len() { all.remove(i); }
                                store(all);
                            }>"Delete"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <div class="controls">
                <button id="compare-runs" disabled=move || picked.with(|p| p.len() < 2)
                    on:click=move |_| compared.set(Some(runs.with_untracked(|r| {
                        picked.with_untracked(|p| p.iter().filter_map(|&i| r.get(i).cloned()).collect())
                    })))>"Compare the ticked runs"</button>
            </div>
            {move || compared.get().map(|cards| comparison(cards, "runs"))}
        </details>
    }
}
