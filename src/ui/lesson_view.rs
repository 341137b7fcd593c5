//! The student's view of a lesson: the teacher's title and instructions, the goal (met or not
//! yet), the guide (step n of m, and after each epoch what happened, in words), and Hand in.

use leptos::prelude::*;

use super::files;
use super::my_runs::run_card;
use super::state::{t, use_state, Run, State, Status};
use crate::i18n::Language;
use crate::share::guide::{epoch_story, step_text, zero_score_advice};
use crate::share::lesson::metric_name;
use crate::share::{Lesson, Progress, ResultCard, RunLink};

fn progress(state: State) -> Progress {
    let run = state.run.get();
    Progress {
        data_loaded: state.dataset.with(|d| d.done().is_some()),
        run_started: run != Run::Idle || state.epochs.with(|e| !e.is_empty()),
        run_ended: run.ended(),
        tried: matches!(state.prediction.get(), Status::Done(_)),
        handed_in: state.handed_in.get(),
    }
}

/// The best dev figure of the run so far.
fn best(state: State) -> Option<f64> {
    state.epochs.with(|e| e.iter().filter_map(|e| e.dev.as_ref().map(|d| d.headline())).reduce(f64::max))
}

/// The run as a card for the teacher.
fn card(state: State, link: &RunLink, lesson: &Lesson, name: String) -> Option<ResultCard> {
    let mut card = run_card(state)?;
    card.lesson_id = Some(link.id());
    card.lesson_title = Some(lesson.title.clone());
    card.goal = lesson.goal.map(|g| g.at_least);
    card.name = name;
    Some(card)
}

/// Why nothing was handed in.
#[derive(Clone)]
enum NotHanded {
    /// No run to make a card of.
    NoRun,
    Failed(String),
}

fn not_handed_text(language: Language, why: NotHanded) -> String {
    match why {
        NotHanded::NoRun => crate::tr!(language, "teach.hand-in-train-first"),
        NotHanded::Failed(message) => message,
    }
}

#[component]
pub fn LessonView() -> impl IntoView {
    let state = use_state();
    move || {
        let link = state.lesson.get()?;
        let lesson = link.lesson.clone()?;
        Some(view! { <LessonFrame link lesson /> })
    }
}

#[component]
fn LessonFrame(link: RunLink, lesson: Lesson) -> impl IntoView {
    let state = use_state();
    let task = link.task;
    let steps = lesson.steps();
    let goal = lesson.clone();
    let guide = lesson.clone();
    let name = RwSignal::new(String::new());
    let handed = RwSignal::new(None::<Result<String, NotHanded>>);
    let stored = StoredValue::new((link, lesson.clone()));
    let hand_in = move |_| {
        let made = stored.with_value(|(link, lesson)| card(state, link, lesson, name.get_untracked()));
        let Some(card) = made else {
            handed.set(Some(Err(NotHanded::NoRun)));
            return;
        };
        let saved = files::save(
            state.language.get_untracked(),
            card.to_json().as_bytes(),
            "tunelab-result.json",
            "application/json",
        );
        let base = super::share_link::page_address().unwrap_or_default();
        handed.set(Some(saved.map(|()| format!("{base}#{}", card.to_fragment())).map_err(NotHanded::Failed)));
        state.handed_in.set(true);
    };

    let title = lesson.title.clone();

    view! {
        <section class="panel wide lesson" id="lesson" aria-labelledby="lesson-title">
            <h2 id="lesson-title">{move || crate::tr!(state.lang(), "teach.lesson-heading", title = title)}</h2>
            <div id="lesson-instructions" translate="no">
                {lesson.paragraphs().into_iter().map(|p| view! { <p>{p}</p> }).collect_view()}
            </div>
            {move || goal.goal.map(|g| {
                let best = best(state);
                let met = goal.goal_met(best) == Some(true);
                let language = state.lang();
                let status = match (met, best) {
                    (true, Some(b)) => crate::tr!(language, "teach.goal-met", score = format!("{b:.2}")),
                    (false, Some(b)) => crate::tr!(language, "teach.goal-not-met-best", score = format!("{b:.2}")),
                    _ => crate::tr!(language, "teach.goal-no-score"),
                };
                let at_least = format!("{:.2}", g.at_least);
                view! {
                    <p id="lesson-goal" class:met=met class:unmet=!met>
                        {crate::tr!(language, "teach.goal-status", metric = metric_name(language, task), goal = at_least, status = status)}
                    </p>
                }
            })}
            {move || {
                let at = guide.current_step(progress(state));
                let (title, hint) = step_text(state.lang(), steps[at]);
                view! {
                    <ol class="guide-steps">
                        {steps.iter().enumerate().map(|(i, s)| view! {
                            <li class:current=i == at class:done=i < at>{step_text(state.lang(), *s).0}</li>
                        }).collect_view()}
                    </ol>
                    <p id="guide-step"><strong>
                        {crate::tr!(state.lang(), "teach.guide-step", n = at + 1, total = steps.len(), title = title)}" "
                    </strong>{hint}</p>
                }
            }}
            <ul id="guide-epochs">
                {move || {
                    let epochs = state.epochs.get();
                    let first = state.steps.with(|s| s.first().map(|s| s.loss));
                    let sample = state.dataset.with(|d| d.done().and_then(|d| d.dev_sample.clone()));
                    (1..=epochs.len())
                        .filter_map(|n| epoch_story(state.lang(), task, &epochs[..n], first, sample.as_ref()))
                        .map(|story| view! { <li>{story}</li> })
                        .collect_view()
                }}
            </ul>
            {move || {
                let ended = state.run.get().ended();
                let steps = state.steps.with(|s| s.last().map_or(0, |s| s.step));
                state.epochs.with(|e| e.last().and_then(|last| zero_score_advice(state.lang(), task, last, steps)))
                    .filter(|_| ended)
                    .map(|advice| view! { <p class="warning" id="guide-zero">{advice}</p> })
            }}
            <div class="controls">
                <label class="inline">{t("teach.your-name")}" "
                    <input type="text" id="hand-in-name" prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev)) /></label>
                <button id="hand-in" class="primary" on:click=hand_in
                    disabled=move || state.epochs.with(Vec::is_empty) || state.run.get().active()>{t("teach.hand-in")}</button>
                <button id="leave-lesson" on:click=move |_| super::share_link::leave_lesson(state)>{t("teach.leave-lesson")}</button>
            </div>
            {move || handed.get().map(|made| match made {
                Ok(url) => view! {
                    <p class="note" id="hand-in-note">{t("teach.hand-in-saved")}</p>
                    <input id="card-url" type="text" readonly=true prop:value=url aria-label=t("teach.card-link-label") />
                }.into_any(),
                Err(why) => view! { <p class="error" role="alert">{not_handed_text(state.lang(), why)}</p> }.into_any(),
            })}
        </section>
    }
}
