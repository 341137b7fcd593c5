//! The teacher's comparison of result cards: dropped or pasted, one row each (who, with which
//! settings, the best dev score, whether the goal was met), and their loss curves overlaid.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::charts;
use super::file_button::file_button;
use super::files;
use super::format::duration;
use super::palette;
use super::state::{t, use_state};
use crate::i18n::Language;
use crate::share::{CardError, ResultCard};

/// Where a card came from.
#[derive(Clone)]
enum Source {
    /// One card's JSON, pasted.
    Pasted,
    /// The pasted text's line, from 1.
    Line(usize),
    /// A card file, by its name.
    File(String),
}

/// A card that could not be added.
#[derive(Clone)]
enum Problem {
    Card(Source, CardError),
    Unread(String),
}

fn problem_text(language: Language, problem: Problem) -> String {
    match problem {
        Problem::Card(source, error) => {
            let source = match source {
                Source::Pasted => crate::tr!(language, "teach.source-pasted"),
                Source::Line(n) => crate::tr!(language, "teach.source-line", n = n),
                Source::File(name) => name,
            };
            crate::tr!(language, "teach.card-problem", source = source, error = error.words(language))
        }
        Problem::Unread(message) => message,
    }
}

#[component]
pub fn CompareCards() -> impl IntoView {
    let state = use_state();
    let cards = RwSignal::new(Vec::<ResultCard>::new());
    let problems = RwSignal::new(Vec::<Problem>::new());
    let pasted = RwSignal::new(String::new());
    let add = move |source: Source, text: &str| match ResultCard::read(text) {
        Ok(card) => cards.update(|c| c.push(card)),
        Err(e) => problems.update(|p| p.push(Problem::Card(source, e))),
    };
    let add_pasted = move |_| {
        problems.set(Vec::new());
        let text = pasted.get_untracked();
        // One card link per line, or one card's JSON.
        if text.trim_start().starts_with('{') {
            add(Source::Pasted, &text);
        } else {
            for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                add(Source::Line(i + 1), line);
            }
        }
        pasted.set(String::new());
    };
    let add_files = move |picked: Vec<web_sys::File>| {
        problems.set(Vec::new());
        spawn_local(async move {
            for file in picked {
                match files::read(state.language.get_untracked(), &file).await {
                    Ok(bytes) => add(Source::File(file.name()), &String::from_utf8_lossy(&bytes)),
                    Err(message) => problems.update(|p| p.push(Problem::Unread(message))),
                }
            }
        });
    };

    view! {
        <details id="compare-cards" open=move || !cards.with(Vec::is_empty)
            on:dragover=move |ev| ev.prevent_default()
            on:drop=move |ev| {
                ev.prevent_default();
                add_files(files::list(ev.data_transfer().and_then(|d| d.files())));
            }>
            <summary>{t("teach.compare-summary")}</summary>
            <label class="stack">{t("teach.cards-input-label")}
                <textarea id="cards-input" rows="3" prop:value=move || pasted.get()
                    on:input=move |ev| pasted.set(event_target_value(&ev))></textarea></label>
            <div class="controls">
                <button id="add-cards" on:click=add_pasted disabled=move || pasted.get().trim().is_empty()>{t("teach.add-cards")}</button>
                <span>{t("teach.card-files-label")}</span>" "
                {file_button("card-files", ".json", true, "teach.card-files-label", add_files)}
                <button on:click=move |_| { cards.set(Vec::new()); problems.set(Vec::new()); }
                    disabled=move || cards.with(Vec::is_empty)>{t("teach.clear-cards")}</button>
            </div>
            {move || problems.get().into_iter().map(|p| view! {
                <p class="error" role="alert">{problem_text(state.lang(), p)}</p>
            }).collect_view()}
            {move || (!cards.with(Vec::is_empty)).then(|| comparison(state.lang(), cards.get(), "cards"))}
        </details>
    }
}

/// Cards side by side: a table (who, settings, best dev score, goal, time, device) and the loss
/// curves overlaid, worded in `language`. `id` prefixes the table's and the chart's ids.
pub fn comparison(language: Language, cards: Vec<ResultCard>, id: &str) -> impl IntoView {
    let text = |key: &str| crate::i18n::text(language, key, &[]);
    let names: Vec<String> =
        cards
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if c.name.trim().is_empty() {
                    crate::tr!(language, "teach.card-n", n = i + 1)
                } else {
                    c.name.clone()
                }
            })
            .collect();
    let curves: Vec<Vec<(usize, f32)>> = cards.iter().map(|c| c.curve.clone()).collect();
    let chart = charts::overlaid_curves(language, &crate::tr!(language, "teach.chart-loss"), &curves);
    let legend = names.clone();
    view! {
        <table class="preview" id=format!("{id}-table")>
            <thead><tr>
                <th scope="col">{text("teach.col-who")}</th><th scope="col">{text("teach.col-lesson")}</th>
                <th scope="col">{text("teach.col-learning-rate")}</th><th scope="col">{text("teach.col-epochs")}</th>
                <th scope="col">{text("teach.col-batch")}</th><th scope="col">{text("teach.col-best-dev")}</th>
                <th scope="col">{text("teach.col-goal")}</th><th scope="col">{text("teach.col-time")}</th>
                <th scope="col">{text("teach.col-device")}</th>
            </tr></thead>
            <tbody>
                {cards.iter().zip(names).map(|(c, name)| {
                    let none = || text("teach.none");
                    let goal = match (c.goal, c.goal_met()) {
                        (Some(g), Some(true)) => crate::tr!(language, "teach.card-goal-met", goal = format!("{g:.2}")),
                        (Some(g), _) => crate::tr!(language, "teach.card-goal-not-met", goal = format!("{g:.2}")),
                        (None, _) => none(),
                    };
                    let device = if c.device == crate::share::card::UNKNOWN_DEVICE { text("teach.device-unknown") } else { c.device.clone() };
                    view! { <tr>
                        <td>{name}</td>
                        <td>{c.lesson_title.clone().unwrap_or_else(none)}</td>
                        <td>{c.settings.learning_rate}</td>
                        <td>{c.settings.epochs}</td>
                        <td>{c.settings.batch_size}</td>
                        <td>{c.best().map_or_else(none, |b| format!("{b:.3}"))}</td>
                        <td class="goal">{goal}</td>
                        <td>{duration(language, c.train_seconds)}</td>
                        <td>{device}</td>
                    </tr> }
                }).collect_view()}
            </tbody>
        </table>
        <div class="chart" id=format!("{id}-chart") inner_html=chart></div>
        <p class="legend">{legend.into_iter().enumerate().map(|(i, name)| view! {
            <span class="swatch" style=format!("background:{}", palette::color(i))></span>{format!(" {name}  ")}
        }).collect_view()}</p>
    }
}
