//! The dev examples beside what the model predicted for them after the last epoch, with the
//! mistakes marked, filterable to the mistakes alone.

use leptos::prelude::*;

use super::chips::{entity_types, sentence, spans, TagStyle};
use super::state::{t, use_state};
use crate::core::data::Examples;
use crate::core::evaluate::Predictions;
use crate::tr;

#[component]
pub fn Review() -> impl IntoView {
    let state = use_state();
    let only_mistakes = RwSignal::new(false);
    view! {
        <h3>{t("data.review-title")}</h3>
        <label class="inline">
            <input type="checkbox" id="only-mistakes" prop:checked=move || only_mistakes.get()
                on:change=move |ev| only_mistakes.set(event_target_checked(&ev)) />
            " "{t("data.only-mistakes")}
        </label>
        {move || {
            let sample = state.dataset.with(|d| d.done().and_then(|d| d.dev_sample.clone().map(|s| (s, d.labels.clone()))));
            let predictions = state.epochs.with(|e| e.last().and_then(|e| e.dev_predictions.clone()));
            let (Some((examples, labels)), Some(predictions)) = (sample, predictions) else {
                return ().into_any();
            };
            let only = only_mistakes.get();
            let lang = state.lang();
            match (examples, predictions) {
                (Examples::Cls(examples), Predictions::Cls(predicted)) => {
                    let rows = examples.into_iter().zip(predicted).filter(|(e, p)| !only || e.label != p.0).map(|(e, (label, p))| {
                        let right = e.label == label;
                        view! {
                            <tr class:mistake=!right>
                                <td translate="no">{e.text}</td>
                                <td><span class="label" translate="no">{e.label}</span></td>
                                <td><span class="label">{tr!(lang, "data.review-predicted", label = label, percent = format!("{:.0}", p * 100.0))}</span></td>
                                <td>{t(if right { "data.review-right" } else { "data.review-wrong" })}</td>
                            </tr>
                        }
                    }).collect_view();
                    view! {
                        <table class="review" id="review">
                            <thead><tr>
                                <th scope="col">{t("data.col-text")}</th><th scope="col">{t("data.gold")}</th>
                                <th scope="col">{t("data.predicted")}</th><th scope="col">""</th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    }.into_any()
                }
                (Examples::Ner(examples), Predictions::Ner(predicted)) => {
                    let types = entity_types(&labels);
                    let rows = examples.into_iter().zip(predicted).filter_map(|(e, tags)| {
                        let gold = spans(&e.tags);
                        let pred = spans(&tags);
                        let mistaken = gold != pred;
                        if only && !mistaken {
                            return None;
                        }
                        let gold_view = sentence(lang, &e.tokens, &gold, &types, |g| if pred.contains(g) { TagStyle::Gold } else { TagStyle::Missed });
                        let pred_view = sentence(lang, &e.tokens, &pred, &types, |p| if gold.contains(p) { TagStyle::Right } else { TagStyle::Wrong });
                        Some(view! {
                            <li class:mistake=mistaken>
                                <div class="side"><span class="side-label">{t("data.gold")}</span>{gold_view}</div>
                                <div class="side"><span class="side-label">{t("data.predicted")}</span>{pred_view}</div>
                            </li>
                        })
                    }).collect_view();
                    view! { <ul class="review" id="review">{rows}</ul> }.into_any()
                }
                _ => ().into_any(),
            }
        }}
    }
}
