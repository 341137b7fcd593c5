//! The teacher's comparison of result cards: dropped or pasted, one row each (who, with which
//! settings, the best dev score, whether the goal was met), and their loss curves overlaid.

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::HtmlInputElement;

use super::charts;
use super::files;
use super::format::duration;
use super::palette;
use crate::share::ResultCard;

#[component]
pub fn CompareCards() -> impl IntoView {
    let cards = RwSignal::new(Vec::<ResultCard>::new());
    let problems = RwSignal::new(Vec::<String>::new());
    let pasted = RwSignal::new(String::new());
    let add = move |source: String, text: &str| match ResultCard::read(text) {
        Ok(card) => cards.update(|c| c.push(card)),
        Err(e) => problems.update(|p| p.push(format!("{source}: {e}"))),
    };
    let add_pasted = move |_| {
        problems.set(Vec::new());
        let text = pasted.get_untracked();
        // One card link per line, or one card's JSON.
        if text.trim_start().starts_with('{') {
            add("the pasted card".into(), &text);
        } else {
            for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                add(format!("pasted line {}", i + 1), line);
            }
        }
        pasted.set(String::new());
    };
    let add_files = move |picked: Vec<web_sys::File>| {
        problems.set(Vec::new());
        spawn_local(async move {
            for file in picked {
                match files::read(&file).await {
                    Ok(bytes) => add(file.name(), &String::from_utf8_lossy(&bytes)),
                    Err(message) => problems.update(|p| p.push(message)),
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
            <summary>"Compare result cards"</summary>
            <label class="stack">"Result card links (one per line) or a card's JSON; or drop card files here"
                <textarea id="cards-input" rows="3" prop:value=move || pasted.get()
                    on:input=move |ev| pasted.set(event_target_value(&ev))></textarea></label>
            <div class="controls">
                <button id="add-cards" on:click=add_pasted disabled=move || pasted.get().trim().is_empty()>"Add"</button>
                <label>"or card files (.json): "
                    <input type="file" id="card-files" accept=".json" multiple=true on:change=move |ev| {
                        let input: HtmlInputElement = event_target(&ev);
                        add_files(files::list(input.files()));
                    } /></label>
                <button on:click=move |_| { cards.set(Vec::new()); problems.set(Vec::new()); }
                    disabled=move || cards.with(Vec::is_empty)>"Clear"</button>
            </div>
            {move || problems.get().into_iter().map(|p| view! { <p class="error" role="alert">{p}</p> }).collect_view()}
            {move || (!cards.with(Vec::is_empty)).then(|| comparison(cards.get(), "cards"))}
        </details>
    }
}

/// Cards side by side: a table (who, settings, best dev score, goal, time, device) and the loss
/// curves overlaid. `id` prefixes the table's and the chart's ids.
pub fn comparison(cards: Vec<ResultCard>, id: &str) -> impl IntoView {
    let names: Vec<String> = cards
        .iter()
        .enumerate()
        .map(|(i, c)| if c.name.trim().is_empty() { format!("card {}", i + 1) } else { c.name.clone() })
        .collect();
    let curves: Vec<Vec<(usize, f32)>> = cards.iter().map(|c| c.curve.clone()).collect();
    let chart = charts::overlaid_curves(super::state::use_state().lang(), "Training loss", &curves);
    let legend = names.clone();
    view! {
        <table class="preview" id=format!("{id}-table")>
            <thead><tr>
                <th scope="col">"Who"</th><th scope="col">"Lesson"</th><th scope="col">"Learning rate"</th>
                <th scope="col">"Epochs"</th><th scope="col">"Batch"</th><th scope="col">"Best dev"</th>
                <th scope="col">"Goal"</th><th scope="col">"Training time"</th><th scope="col">"Device"</th>
            </tr></thead>
            <tbody>
                {cards.iter().zip(names).map(|(c, name)| {
                    let goal = match (c.goal, c.goal_met()) {
                        (Some(g), Some(true)) => format!("met (≥ {g:.2})"),
                        (Some(g), _) => format!("not met (≥ {g:.2})"),
                        (None, _) => "none".to_string(),
                    };
                    view! { <tr>
                        <td>{name}</td>
                        <td>{c.lesson_title.clone().unwrap_or_else(|| "none".into())}</td>
                        <td>{c.settings.learning_rate}</td>
                        <td>{c.settings.epochs}</td>
                        <td>{c.settings.batch_size}</td>
                        <td>{c.best().map_or("none".to_string(), |b| format!("{b:.3}"))}</td>
                        <td class="goal">{goal}</td>
                        <td>{duration(crate::i18n::Language::English, c.train_seconds)}</td>
                        <td>{c.device.clone()}</td>
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
