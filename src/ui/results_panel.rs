//! Step 4: how good the model is on the dev set, after every epoch: the same numbers
//! scikit-learn and seqeval give, and the dev sentences with gold and predicted entities.

use leptos::prelude::*;

use super::charts;
use super::format::score;
use super::review::Review;
use super::state::use_state;
use crate::core::evaluate::EvalReport;
use crate::core::metrics::{ClassificationReport, EntityReport, LabelScores, Scores};

#[component]
pub fn ResultsPanel() -> impl IntoView {
    let state = use_state();
    let strict = RwSignal::new(false);
    view! {
        <section class="panel wide" aria-labelledby="results-title">
            <h2 id="results-title">"4 · Results on the dev set"</h2>
            {move || {
                let epochs = state.epochs.get();
                let Some(last) = epochs.last().cloned() else {
                    return view! { <p class="note">"Scores appear here after each epoch."</p> }.into_any();
                };
                let history = epochs.iter().map(|e| {
                    let headline = e.dev.as_ref().map(|d| score(d.headline())).unwrap_or_else(|| "–".into());
                    view! { <tr><td>{e.epoch}</td><td>{format!("{:.4}", e.train_loss)}</td><td>{headline}</td></tr> }
                }).collect_view();
                let metric = match &last.dev {
                    Some(EvalReport::Cls(_)) => "accuracy",
                    _ => "entity F1",
                };
                let body = match last.dev.clone() {
                    None => view! { <p class="note">"There is no dev set, so nothing was scored."</p> }.into_any(),
                    Some(EvalReport::Cls(report)) => view! { <ClassificationResults report /> }.into_any(),
                    Some(EvalReport::Ner { default, strict: strict_report }) => view! {
                        <label class="inline">
                            <input type="checkbox" id="strict" prop:checked=move || strict.get()
                                on:change=move |ev| strict.set(event_target_checked(&ev)) />
                            " Strict IOB2 (seqeval mode=\"strict\"): an entity must begin with B- to count"
                        </label>
                        {move || {
                            let report = if strict.get() { strict_report.clone() } else { default.clone() };
                            view! { <EntityResults report /> }
                        }}
                    }.into_any(),
                };
                view! {
                    <h3>{format!("After epoch {}", last.epoch)}</h3>
                    {body}
                    <details>
                        <summary>"Every epoch"</summary>
                        <table class="scores">
                            <thead><tr><th scope="col">"Epoch"</th><th scope="col">"Train loss"</th><th scope="col">{format!("Dev {metric}")}</th></tr></thead>
                            <tbody>{history}</tbody>
                        </table>
                    </details>
                    <Review />
                }
                .into_any()
            }}
        </section>
    }
}

fn score_rows(per: &[LabelScores], averages: [(&'static str, Scores); 3], support: usize) -> impl IntoView {
    let rows = per
        .iter()
        .map(|l| {
            view! {
                <tr class="label-row">
                    <th scope="row">{l.label.clone()}</th>
                    <td>{score(l.precision)}</td><td>{score(l.recall)}</td><td>{score(l.f1)}</td><td>{l.support}</td>
                </tr>
            }
        })
        .collect_view();
    let averages = averages
        .into_iter()
        .map(|(name, s)| {
            view! {
                <tr class="average">
                    <th scope="row">{name}</th>
                    <td>{score(s.precision)}</td><td>{score(s.recall)}</td><td>{score(s.f1)}</td><td>{support}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="scores" id="scores">
            <thead><tr><th scope="col">""</th><th scope="col">"Precision"</th><th scope="col">"Recall"</th><th scope="col">"F1"</th><th scope="col">"Support"</th></tr></thead>
            <tbody>{rows}{averages}</tbody>
        </table>
    }
}

/// Accuracy, the per-label table and the confusion matrix.
#[component]
fn ClassificationResults(
    /// scikit-learn's figures for the dev set.
    report: ClassificationReport,
) -> impl IntoView {
    let heatmap = charts::confusion_heatmap(&report.labels, &report.confusion);
    view! {
        <p class="headline">"Accuracy "<strong id="accuracy">{score(report.accuracy)}</strong>
            {format!(" on {} dev examples", report.support)}</p>
        {score_rows(
            &report.per_label,
            [("micro avg", report.micro_avg), ("macro avg", report.macro_avg), ("weighted avg", report.weighted_avg)],
            report.support,
        )}
        <div class="chart" id="confusion" inner_html=heatmap></div>
    }
}

/// Entity F1 and the per-type table.
#[component]
fn EntityResults(
    /// seqeval's figures for the dev set, in one of its two modes.
    report: EntityReport,
) -> impl IntoView {
    view! {
        <p class="headline">"Entity F1 "<strong id="entity-f1">{score(report.micro_avg.f1)}</strong>
            {format!(" ({} gold entities, seqeval {})", report.support, report.mode)}</p>
        {score_rows(
            &report.per_type,
            [("micro avg", report.micro_avg), ("macro avg", report.macro_avg), ("weighted avg", report.weighted_avg)],
            report.support,
        )}
    }
}
