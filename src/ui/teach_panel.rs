//! Step 7, for teachers: make a lesson from the page's data and settings (which settings the
//! students see, which are locked or hidden, the instructions, a goal and the guide's steps),
//! and compare the result cards students hand in.

use leptos::prelude::*;

use super::compare_cards::CompareCards;
use super::files;
use super::share_link::{current_link, link_url};
use super::state::{t, use_state};
use crate::core::train::SETTINGS;
use crate::i18n::Language;
use crate::share::guide::step_text;
use crate::share::{encode_file, Access, Goal, GuideStep, Lesson, LessonError, SettingRule, FILE_SUFFIX};

/// What the teacher made last.
#[derive(Clone)]
enum Made {
    Link(String),
    /// The lesson file's name.
    File(String),
}

/// Why no lesson was made.
#[derive(Clone)]
enum Problem {
    /// The goal as typed, which is not a number.
    Goal(String),
    Lesson(LessonError),
    Other(String),
}

impl From<String> for Problem {
    fn from(message: String) -> Self {
        Problem::Other(message)
    }
}

fn problem_text(language: Language, problem: Problem) -> String {
    match problem {
        Problem::Goal(goal) => crate::tr!(language, "teach.goal-not-a-number", goal = goal),
        Problem::Lesson(e) => e.words(language),
        Problem::Other(message) => message,
    }
}

fn access_name(access: Access) -> &'static str {
    match access {
        Access::Shown => "shown",
        Access::Locked => "locked",
        Access::Hidden => "hidden",
    }
}

fn access_key(access: Access) -> &'static str {
    match access {
        Access::Shown => "teach.access-shown",
        Access::Locked => "teach.access-locked",
        Access::Hidden => "teach.access-hidden",
    }
}

fn access_from(name: &str) -> Access {
    match name {
        "locked" => Access::Locked,
        "hidden" => Access::Hidden,
        _ => Access::Shown,
    }
}

#[component]
pub fn TeachPanel() -> impl IntoView {
    let state = use_state();
    let title = RwSignal::new(String::new());
    let instructions = RwSignal::new(String::new());
    let goal = RwSignal::new(String::new());
    let rules: Vec<(RwSignal<Access>, RwSignal<String>)> =
        SETTINGS.iter().map(|_| (RwSignal::new(Access::Shown), RwSignal::new(String::new()))).collect();
    let rules = StoredValue::new(rules);
    let guide: Vec<RwSignal<bool>> = GuideStep::ALL.iter().map(|_| RwSignal::new(true)).collect();
    let guide = StoredValue::new(guide);
    let made = RwSignal::new(None::<Result<Made, Problem>>);

    let lesson = move || -> Result<Lesson, Problem> {
        let goal = goal.get_untracked();
        let goal = match goal.trim() {
            "" => None,
            text => Some(Goal { at_least: text.parse().map_err(|_| Problem::Goal(text.to_string()))? }),
        };
        let rules = rules.with_value(|r| {
            SETTINGS
                .iter()
                .zip(r)
                .filter(|(_, (access, _))| access.get_untracked() != Access::Shown)
                .map(|(s, (access, reason))| SettingRule {
                    field: s.field,
                    access: access.get_untracked(),
                    reason: reason.get_untracked(),
                })
                .collect()
        });
        let guide = guide.with_value(|g| {
            GuideStep::ALL.iter().zip(g).filter(|(_, on)| on.get_untracked()).map(|(s, _)| *s).collect()
        });
        let lesson = Lesson {
            title: title.get_untracked().trim().to_string(),
            instructions: instructions.get_untracked(),
            rules,
            goal,
            guide,
        };
        lesson.check().map_err(Problem::Lesson)?;
        Ok(lesson)
    };
    let make_link = move |_| {
        let url = lesson().and_then(|l| Ok(link_url(state.language.get_untracked(), &current_link(state, Some(l))?)?));
        made.set(Some(url.map(Made::Link)));
    };
    let make_file = move |_| {
        let saved = lesson().and_then(|l| {
            let link = current_link(state, Some(l))?;
            let name = format!("lesson{FILE_SUFFIX}");
            files::save(state.language.get_untracked(), encode_file(&link).as_bytes(), &name, "application/json")?;
            Ok(Made::File(name))
        });
        made.set(Some(saved));
    };

    view! {
        <section class="panel wide" aria-labelledby="teach-title">
            <h2 id="teach-title">{t("teach.title")}</h2>
            <details id="lesson-maker">
                <summary>{t("teach.maker-summary")}</summary>
                <p class="note">{t("teach.maker-note")}</p>
                <label class="stack">{t("teach.lesson-title-label")} <input type="text" id="lesson-title-input" prop:value=move || title.get()
                    on:input=move |ev| title.set(event_target_value(&ev)) /></label>
                <label class="stack">{t("teach.instructions-label")}
                    <textarea id="lesson-instructions-input" rows="4" prop:value=move || instructions.get()
                        on:input=move |ev| instructions.set(event_target_value(&ev))></textarea></label>
                <label class="inline">{t("teach.goal-label")}" "
                    <input type="text" inputmode="decimal" id="lesson-goal-input" placeholder="0.5"
                        on:input=move |ev| goal.set(event_target_value(&ev)) /></label>
                <table class="rules">
                    <thead><tr>
                        <th scope="col">{t("teach.col-setting")}</th><th scope="col">{t("teach.col-students")}</th>
                        <th scope="col">{t("teach.col-reason")}</th>
                    </tr></thead>
                    <tbody>
                        {SETTINGS.iter().zip(rules.get_value()).map(|(s, (access, reason))| view! {
                            <tr>
                                <td>{move || s.label(state.lang())}</td>
                                <td><select id=format!("rule-{}", s.key) aria-label=move || crate::tr!(state.lang(), "teach.rule-label", setting = s.label(state.lang()))
                                    on:change=move |ev| access.set(access_from(&event_target_value(&ev)))>
                                    {[Access::Shown, Access::Locked, Access::Hidden].into_iter().map(|a| view! {
                                        <option value=access_name(a) selected=move || access.get() == a>{t(access_key(a))}</option>
                                    }).collect_view()}
                                </select></td>
                                <td><input type="text" id=format!("reason-{}", s.key) disabled=move || access.get() != Access::Locked
                                    prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev)) /></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <fieldset>
                    <legend>{t("teach.guide-legend")}</legend>
                    {GuideStep::ALL.iter().zip(guide.get_value()).enumerate().map(|(i, (step, on))| view! {
                        <label class="inline"><input type="checkbox" id=format!("guide-{i}") prop:checked=move || on.get()
                            on:change=move |ev| on.set(event_target_checked(&ev)) />{move || format!(" {} ", step_text(state.lang(), *step).0)}</label>
                    }).collect_view()}
                </fieldset>
                <div class="controls">
                    <button id="make-lesson-link" class="primary" on:click=make_link>{t("teach.make-link")}</button>
                    <button id="make-lesson-file" on:click=make_file>{t("teach.make-file")}</button>
                </div>
                {move || made.get().map(|made| match made {
                    Ok(Made::File(name)) => view! {
                        <p class="note" id="lesson-made">{crate::tr!(state.lang(), "teach.file-saved", name = name)}</p>
                    }.into_any(),
                    Ok(Made::Link(url)) => {
                        let length = url.chars().count();
                        view! {
                            <p class="note" id="lesson-length">{crate::tr!(state.lang(), "teach.link-length", count = length)}</p>
                            <input id="lesson-url" type="text" readonly=true prop:value=url aria-label=t("teach.link-label") />
                        }.into_any()
                    }
                    Err(problem) => view! {
                        <p class="error" id="lesson-error" role="alert">{problem_text(state.lang(), problem)}</p>
                    }.into_any(),
                })}
            </details>
            <CompareCards />
        </section>
    }
}
