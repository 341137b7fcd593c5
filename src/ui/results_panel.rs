//! Step 4: how good the model is on the dev set, after every epoch: the same numbers
//! scikit-learn and seqeval give, and the dev sentences with gold and predicted entities. When
//! the data has a test split, it is scored once, after the run ends, and shown apart.

use leptos::prelude::*;

use super::charts;
use super::format::score;
use super::my_runs::once_per_ended_run;
use super::review::Review;
use super::state::{t, use_state, Status};
use super::worker_link::use_worker;
use crate::core::evaluate::EvalReport;
use crate::core::metrics::{ClassificationReport, EntityMode, EntityReport, LabelScores, Scores};
use crate::protocol::{Request, Split};
use crate::tr;

#[component]
pub fn ResultsPanel() -> impl IntoView {
    let state = use_state();
    let link = use_worker();
    let strict = RwSignal::new(false);
    // The test split is held out until the run ends, then scored once.
    once_per_ended_run(state, move || {
        if state.dataset.with_untracked(|d| d.done().is_some_and(|d| d.n_test > 0)) {
            state.test_report.set(Status::Working);
            link.send(Request::Evaluate { split: Split::Test });
        }
    });
    view! {
        <section class="panel wide" aria-labelledby="results-title">
            <h2 id="results-title">{t("results.title")}</h2>
            {move || {
                let epochs = state.epochs.get();
                let Some(last) = epochs.last().cloned() else {
                    return view! { <p class="note">{t("results.empty")}</p> }.into_any();
                };
                let history = epochs.iter().map(|e| {
                    let headline = e.dev.as_ref().map(|d| score(d.headline())).unwrap_or_else(|| "–".into());
                    view! { <tr><td>{e.epoch}</td><td>{format!("{:.4}", e.train_loss)}</td><td>{headline}</td></tr> }
                }).collect_view();
                let metric = match &last.dev {
                    Some(EvalReport::Cls(_)) => "results.dev-accuracy",
                    _ => "results.dev-entity-f1",
                };
                let body = match last.dev.clone() {
                    None => view! { <p class="note">{t("results.no-dev")}</p> }.into_any(),
                    Some(EvalReport::Ner { .. }) => view! {
                        <label class="inline">
                            <input type="checkbox" id="strict" prop:checked=move || strict.get()
                                on:change=move |ev| strict.set(event_target_checked(&ev)) />
                            " "{t("results.strict")}
                        </label>
                        {report_view(last.dev.clone(), strict, "")}
                    }.into_any(),
                    Some(report) => report_view(Some(report), strict, ""),
                };
                let test = move || match state.test_report.get() {
                    Status::Empty => None,
                    Status::Working => Some(view! { <p class="note" role="status">{t("results.test-working")}</p> }.into_any()),
                    Status::Failed(message) => Some(view! { <p class="warning">{tr!(state.lang(), "results.test-failed", why = message)}</p> }.into_any()),
                    Status::Done(report) => {
                        let n = state.dataset.with(|d| d.done().map_or(0, |d| d.n_test));
                        Some(view! {
                            <h3 id="test-title">{move || tr!(state.lang(), "results.test-title", n = n)}</h3>
                            {report_view(Some(report), strict, "test-")}
                        }.into_any())
                    }
                };
                let epoch = last.epoch;
                view! {
                    <h3>{move || tr!(state.lang(), "results.after-epoch", epoch = epoch)}</h3>
                    {body}
                    {test}
                    <details>
                        <summary>{t("results.every-epoch")}</summary>
                        <table class="scores">
                            <thead><tr>
                                <th scope="col">{t("results.epoch")}</th><th scope="col">{t("results.train-loss")}</th>
                                <th scope="col">{t(metric)}</th>
                            </tr></thead>
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

/// A report's figures: ids start with `prefix`, so that the dev and the test set's can stand on
/// one page; an NER report follows the strict switch.
fn report_view(report: Option<EvalReport>, strict: RwSignal<bool>, prefix: &'static str) -> AnyView {
    match report {
        None => ().into_any(),
        Some(EvalReport::Cls(report)) => view! { <ClassificationResults report prefix /> }.into_any(),
        Some(EvalReport::Ner { default, strict: strict_report }) => (move || {
            let report = if strict.get() { strict_report.clone() } else { default.clone() };
            view! { <EntityResults report prefix /> }
        })
        .into_any(),
    }
}

/// The per-label rows and the three averages, each average named by its catalogue key.
fn score_rows(
    per: &[LabelScores],
    averages: [(&'static str, Scores); 3],
    support: usize,
    prefix: &'static str,
) -> impl IntoView {
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
                    <th scope="row">{t(name)}</th>
                    <td>{score(s.precision)}</td><td>{score(s.recall)}</td><td>{score(s.f1)}</td><td>{support}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="scores" id=format!("{prefix}scores")>
            <thead><tr>
                <th scope="col">""</th><th scope="col">{t("results.precision")}</th><th scope="col">{t("results.recall")}</th>
                <th scope="col">{t("results.f1")}</th><th scope="col">{t("results.support")}</th>
            </tr></thead>
            <tbody>{rows}{averages}</tbody>
        </table>
    }
}

/// Accuracy, the per-label table and the confusion matrix.
#[component]
fn ClassificationResults(
    /// scikit-learn's figures for the dev or the test set.
    report: ClassificationReport,
    /// Before each id: "" for the dev set, "test-" for the test set.
    prefix: &'static str,
) -> impl IntoView {
    let state = use_state();
    let (labels, confusion, support) = (report.labels.clone(), report.confusion.clone(), report.support);
    let heatmap = move || charts::confusion_heatmap(state.lang(), &labels, &confusion);
    view! {
        <p class="headline">{t("results.accuracy")}" "<strong id=format!("{prefix}accuracy")>{score(report.accuracy)}</strong>
            {move || tr!(state.lang(), "results.accuracy-on", support = support)}</p>
        {score_rows(
            &report.per_label,
            [("results.micro-avg", report.micro_avg), ("results.macro-avg", report.macro_avg), ("results.weighted-avg", report.weighted_avg)],
            report.support,
            prefix,
        )}
        <div class="chart" id=format!("{prefix}confusion") inner_html=heatmap></div>
    }
}

/// Entity F1 and the per-type table.
#[component]
fn EntityResults(
    /// seqeval's figures for the dev or the test set, in one of its two modes.
    report: EntityReport,
    /// Before each id: "" for the dev set, "test-" for the test set.
    prefix: &'static str,
) -> impl IntoView {
    let state = use_state();
    let (support, mode) = (report.support, report.mode);
    let detail = move || match mode {
        EntityMode::Default => tr!(state.lang(), "results.entity-detail-default", support = support),
        EntityMode::StrictIob2 => tr!(state.lang(), "results.entity-detail-strict", support = support),
    };
    view! {
        <p class="headline">{t("results.entity-f1")}" "<strong id=format!("{prefix}entity-f1")>{score(report.micro_avg.f1)}</strong>
            {detail}</p>
        {score_rows(
            &report.per_type,
            [("results.micro-avg", report.micro_avg), ("results.macro-avg", report.macro_avg), ("results.weighted-avg", report.weighted_avg)],
            report.support,
            prefix,
        )}
    }
}
