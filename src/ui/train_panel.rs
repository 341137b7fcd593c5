//! Step 3: settings, the run's controls, its progress and live curves. Training happens in
//! the worker; this panel only sends requests and draws what comes back.

use std::time::Duration;

use leptos::prelude::*;

use super::charts;
use super::format::{count, duration, percent};
use super::interrupted_run::InterruptedRun;
use super::saved;
use super::settings::{check, control, read_all, step, texts, Control};
use super::state::{t, use_state, Run};
use super::worker_link::use_worker;
use crate::core::train::{small_data_advice, Advice, Field, Setting, TrainConfig, SETTINGS};
use crate::protocol::Request;
use crate::share::Access;
use crate::tr;

/// The curves are redrawn at most this often (events may come faster on a fast GPU).
const REDRAW: Duration = Duration::from_millis(500);

/// How the open lesson shows `field`, and the teacher's reason for a lock.
fn access(state: super::state::State, field: Field) -> (Access, Option<String>) {
    state.lesson.with(|link| {
        let lesson = link.as_ref().and_then(|l| l.lesson.as_ref());
        lesson.map_or((Access::Shown, None), |l| (l.access(field), l.reason(field).map(str::to_string)))
    })
}

/// The lesson's value of every setting it locks or hides, over `config`.
fn enforce(state: super::state::State, config: &mut TrainConfig) {
    let Some(fixed) = state.lesson.with_untracked(|l| l.as_ref().map(|l| l.settings.clone())) else { return };
    for setting in SETTINGS.iter().filter(|s| access(state, s.field).0 != Access::Shown) {
        let _ = setting.apply(config, &setting.text(&fixed));
    }
}

/// The small-data suggestion for the form's values, over the settings the person may change.
fn advice(state: super::state::State, entered: &[String]) -> Option<Advice> {
    let n_train = state.dataset.with(|d| d.done().map(|d| d.n_train))?;
    let mut config = read_all(state.language.get_untracked(), entered, n_train).ok()?;
    enforce(state, &mut config);
    let mut advice = small_data_advice(&config, n_train).ok()??;
    let mut suggested = advice.suggested.clone();
    enforce(state, &mut suggested);
    (suggested != config).then(|| {
        advice.suggested_steps = suggested.plan(n_train).map_or(advice.suggested_steps, |p| p.total_steps);
        advice.suggested = suggested;
        advice
    })
}

/// One setting's field: its label, a number box or a checkbox, its help and its problem; a
/// lesson's lock greys it and says why.
fn setting_field(setting: &'static Setting, value: RwSignal<String>, locked: Option<Option<String>>) -> impl IntoView {
    let state = use_state();
    let id = setting.key;
    let disabled = locked.is_some();
    let problem = move || check(state.lang(), setting, &value.get());
    let (min, max) = setting.bounds.input_range();
    let input = match control(setting) {
        Control::Number => view! {
            <input id=id type="number" min=min max=max step=step(setting) disabled=disabled
                aria-describedby=format!("{id}-help")
                aria-invalid=move || problem().is_some().to_string()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev)) />
        }
        .into_any(),
        Control::Checkbox => view! {
            <input id=id type="checkbox" disabled=disabled
                aria-describedby=format!("{id}-help")
                prop:checked=move || value.get() == "true"
                on:change=move |ev| value.set(event_target_checked(&ev).to_string()) />
        }
        .into_any(),
    };
    let lock = locked.map(|reason| {
        let text = move || match &reason {
            Some(why) => tr!(state.lang(), "train.locked-because", why = why),
            None => tr!(state.lang(), "train.locked"),
        };
        view! { <small class="locked" id=format!("{id}-lock")>{text}</small> }
    });
    view! {
        <div class="setting" class:is-locked=disabled>
            <label for=id>{move || setting.label(state.lang())}</label>
            {input}
            {lock}
            <small id=format!("{id}-help")>{move || setting.help(state.lang())}</small>
            {move || problem().map(|p| view! { <small class="error">{p}</small> })}
        </div>
    }
}

#[component]
pub fn TrainPanel() -> impl IntoView {
    let state = use_state();
    let link = use_worker();
    let initial = saved::load_settings().unwrap_or_default();
    let values: Vec<RwSignal<String>> = texts(&initial).into_iter().map(RwSignal::new).collect();
    let values = StoredValue::new(values);
    let problems = RwSignal::new(Vec::<String>::new());
    // The form is kept as it is typed (when every field is valid): a reload or a share link
    // gets what the person sees, not only what last trained.
    Effect::new(move |_| {
        let entered: Vec<String> = values.with_value(|v| v.iter().map(|s| s.get()).collect());
        if let Ok(config) = read_all(state.language.get_untracked(), &entered, 1) {
            saved::save_settings(&config);
        }
    });
    let smoothing = RwSignal::new(0.6f64);

    let ready = move || {
        state.model.with(|m| m.done().is_some())
            && state.dataset.with(|d| d.done().is_some())
            && !state.run.get().active()
    };
    let train = move |_| {
        let n_train = state.dataset.with_untracked(|d| d.done().map_or(0, |d| d.n_train));
        let entered: Vec<String> = values.with_value(|v| v.iter().map(|s| s.get_untracked()).collect());
        match read_all(state.language.get_untracked(), &entered, n_train) {
            Ok(mut config) => {
                enforce(state, &mut config);
                problems.set(Vec::new());
                saved::save_settings(&config);
                state.clear_run();
                state.run_started_at.set(super::state::now());
                state.run.set(Run::Running);
                link.send(Request::Train { config });
            }
            Err(found) => problems.set(found),
        }
    };
    // Sets the form to `config`, except what a lesson locks or hides.
    let set_form = move |config: &TrainConfig| {
        values.with_value(|v| {
            for ((value, text), setting) in v.iter().zip(texts(config)).zip(SETTINGS.iter()) {
                if access(state, setting.field).0 == Access::Shown {
                    value.set(text);
                }
            }
        });
        problems.set(Vec::new());
    };
    let defaults = move |_| set_form(&TrainConfig::default());
    let entered = move || values.with_value(|v| v.iter().map(|s| s.get()).collect::<Vec<_>>());
    let suggestion = Memo::new(move |_| advice(state, &entered()));
    // A built-in sample starts from settings that learn something in the first run.
    Effect::new(move |_| {
        if state.advise_on_load.get() && state.dataset.with(|d| d.done().is_some()) {
            state.advise_on_load.set(false);
            if let Some(a) = suggestion.get_untracked() {
                set_form(&a.suggested);
            }
        }
    });
    let fields = move |advanced: bool| {
        SETTINGS
            .iter()
            .enumerate()
            .filter(move |(_, s)| s.advanced == advanced)
            .filter_map(move |(i, s)| {
                let (access, reason) = access(state, s.field);
                let locked = (access == Access::Locked).then_some(reason);
                (access != Access::Hidden).then(|| setting_field(s, values.with_value(|v| v[i]), locked))
            })
            .collect_view()
    };

    // Redraw ticks: the curves follow the steps, but no more often than REDRAW.
    let drawn = RwSignal::new(0usize);
    set_interval(
        move || {
            let n = state.steps.with_untracked(Vec::len);
            if n != drawn.get_untracked() {
                drawn.set(n);
            }
        },
        REDRAW,
    );
    let total = move || state.plan.with(|p| p.as_ref().map_or(0, |p| p.total_steps));

    view! {
        <section class="panel wide" aria-labelledby="train-title">
            <h2 id="train-title">{t("train.title")}</h2>
            <div class="columns">
            <div>
            <details class="settings" open=true>
                <summary>{t("train.settings")}</summary>
                <div class="settings-grid">{move || fields(false)}</div>
                <details class="settings">
                    <summary>{t("train.more-settings")}</summary>
                    <div class="settings-grid">{move || fields(true)}</div>
                </details>
                <button on:click=defaults>{t("train.defaults")}</button>
            </details>
            {move || suggestion.get().map(|a| {
                let n_train = state.dataset.with(|d| d.done().map_or(0, |d| d.n_train));
                let suggested = a.suggested.clone();
                view! {
                    <div class="advice" id="small-data-advice" role="note">
                        <p>{tr!(state.lang(), "train.small-data",
                            n_train = n_train, planned = a.planned_steps, min = crate::core::train::advice::MIN_STEPS,
                            lr = a.suggested.learning_rate, epochs = a.suggested.epochs, steps = a.suggested_steps
                        )}</p>
                        <button id="use-advice" on:click=move |_| set_form(&suggested)>{t("train.use-advice")}</button>
                    </div>
                }
            })}
            <div class="controls">
                <button id="train" class="primary" on:click=train disabled=move || !ready()>{t("train.train")}</button>
                <button id="pause" on:click=move |_| link.send(Request::Pause)
                    disabled=move || state.run.get() != Run::Running>{t("train.pause")}</button>
                <button id="resume" on:click=move |_| link.send(Request::Resume)
                    disabled=move || state.run.get() != Run::Paused>{t("train.resume")}</button>
                <button id="stop" on:click=move |_| link.send(Request::Stop)
                    disabled=move || !state.run.get().active()>{t("train.stop")}</button>
                {move || (!ready() && !state.run.get().active()).then(|| view! {
                    <span class="note">{t("train.not-ready")}</span>
                })}
            </div>
            {move || (!problems.get().is_empty()).then(|| view! {
                <ul class="error" role="alert">{problems.get().into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
            })}
            <Progress />
            <InterruptedRun />
            </div>
            <div>
            {move || {
                drawn.get();
                let steps = state.steps.get_untracked();
                (!steps.is_empty()).then(|| {
                    let loss = charts::loss_curve(state.lang(), &steps, smoothing.get(), total());
                    let lr = charts::learning_rate_curve(state.lang(), &steps, total());
                    view! {
                        <div class="chart" id="loss-chart" data-points=steps.len() inner_html=loss></div>
                        <label class="inline">{t("train.smoothing")}" "
                            <input type="range" min="0" max="0.99" step="0.01" prop:value=move || smoothing.get()
                                on:input=move |ev| smoothing.set(event_target_value(&ev).parse().unwrap_or(0.6)) />
                        </label>
                        <div class="chart" id="lr-chart" inner_html=lr></div>
                    }
                })
            }}
            </div>
            </div>
        </section>
    }
}

#[component]
fn Progress() -> impl IntoView {
    let state = use_state();
    view! {
        {move || {
            let run = state.run.get();
            let last = state.steps.with(|s| s.last().cloned());
            let plan = state.plan.get();
            let running = run == Run::Running;
            let lang = state.lang();
            let status = match &run {
                Run::Idle => return ().into_any(),
                Run::Running if last.is_none() => tr!(lang, "train.starting",
                    elapsed = duration(lang, state.seconds_since(state.run_started_at.get()))
                ),
                Run::Running => tr!(lang, "train.training"),
                Run::Paused => tr!(lang, "train.paused"),
                Run::Finished { steps, seconds, tokens_per_s } => tr!(lang, "train.finished",
                    steps = steps, time = duration(lang, *seconds), speed = format!("{tokens_per_s:.0}")
                ),
                Run::Stopped { step } => tr!(lang, "train.stopped", step = step),
                Run::EarlyStopped { epoch, best_epoch } => tr!(lang, "train.early-stopped", epoch = epoch, best = best_epoch),
                Run::Diverged { step, loss, learning_rate } => {
                    return view! { <p class="error" role="alert" id="train-error">{tr!(lang, "train.diverged",
                        step = step, loss = loss, rate = learning_rate
                    )}</p> }.into_any()
                }
                Run::Failed(message) => {
                    return view! { <p class="error" role="alert" id="train-error">{tr!(lang, "train.failed", message = message)}</p> }.into_any()
                }
            };
            let epochs = plan.as_ref().map_or(0, |p| p.config.epochs);
            let total = plan.as_ref().map_or(0, |p| p.total_steps);
            let truncated = state.truncated.get();
            view! {
                <div class="progress" role="status" aria-live="polite">
                    <progress id="train-progress" max=total.max(1) value=last.as_ref().map_or(0, |s| s.step)></progress>
                    <p>{status}</p>
                    {last.map(|s| {
                        // Between two steps the clock keeps moving.
                        let since = if running { state.seconds_since(state.step_seen_at.get()) } else { 0.0 };
                        view! {
                            <p id="progress-text">{tr!(lang, "train.progress",
                                epoch = s.epoch, epochs = epochs, step = s.step, total = total, loss = format!("{:.4}", s.loss),
                                speed = count(s.tokens_per_s.round() as usize),
                                elapsed = duration(lang, s.elapsed_s + since), left = duration(lang, (s.eta_s - since).max(0.0))
                            )}</p>
                        }
                    })}
                    {state.trainable.get().map(|(trainable, all)| {
                        let words = if trainable >= all {
                            tr!(lang, "train.trainable-all", all = count(all))
                        } else {
                            tr!(lang, "train.trainable", trainable = count(trainable), all = count(all),
                                share = percent(trainable, all))
                        };
                        view! { <p class="note" id="trainable-note">{words}</p> }
                    })}
                    {state.memory.get().map(|memory| {
                        let mb = |bytes: u64| count((bytes as f64 / 1e6).round() as usize);
                        let batch = plan.as_ref().map_or(0, |p| p.config.batch_size);
                        let length = plan.as_ref().map_or(0, |p| p.config.max_len);
                        let planned = tr!(lang, "train.memory", total = mb(memory.total()), weights = mb(memory.weights),
                            gradients = mb(memory.gradients), optimizer = mb(memory.optimizer_state),
                            activations = mb(memory.activations), batch = batch, length = length);
                        let measured = state.steps.with(|s| s.last().and_then(|p| p.device_memory_bytes))
                            .map(|bytes| tr!(lang, "train.memory-measured", used = mb(bytes)));
                        view! {
                            <p class="note" id="memory-note">{planned}</p>
                            {measured.map(|m| view! { <p class="note" id="memory-measured">{m}</p> })}
                        }
                    })}
                    {(truncated > 0).then(|| view! {
                        <p class="warning">{tr!(lang, "train.truncated", n = truncated)}</p>
                    })}
                    {state.checkpoint.get().filter(|_| running).map(|(step, _)| view! {
                        <p class="note" id="checkpoint-note">{tr!(lang, "train.checkpoint", step = step)}</p>
                    })}
                </div>
            }
            .into_any()
        }}
    }
}
