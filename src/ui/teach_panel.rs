//! Step 7, for teachers: make a lesson from the page's data and settings (which settings the
//! students see, which are locked or hidden, the instructions, a goal and the guide's steps),
//! and compare the result cards students hand in.

use leptos::prelude::*;

use super::compare_cards::CompareCards;
use super::files;
use super::share_link::{current_link, link_url};
use super::state::use_state;
use crate::core::train::SETTINGS;
use crate::share::guide::step_text;
use crate::share::{encode_file, Access, Goal, GuideStep, Lesson, SettingRule, FILE_SUFFIX};

/// What the teacher made last.
#[derive(Clone)]
enum Made {
    Link(String),
    File(String),
}

fn access_name(access: Access) -> &'static str {
    match access {
        Access::Shown => "shown",
        Access::Locked => "locked",
        Access::Hidden => "hidden",
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
    let made = RwSignal::new(None::<Result<Made, String>>);

    let lesson = move || -> Result<Lesson, String> {
        let goal = goal.get_untracked();
        let goal = match goal.trim() {
            "" => None,
            text => Some(Goal { at_least: text.parse().map_err(|_| format!("the goal `{text}` is not a number"))? }),
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
        lesson.check().map_err(|e| e.to_string())?;
        Ok(lesson)
    };
    let make_link = move |_| {
        made.set(Some(
            lesson()
                .and_then(|l| link_url(state.language.get_untracked(), &current_link(state, Some(l))?))
                .map(Made::Link),
        ))
    };
    let make_file = move |_| {
        let saved = lesson().and_then(|l| current_link(state, Some(l))).and_then(|link| {
            let name = format!("lesson{FILE_SUFFIX}");
            files::save(encode_file(&link).as_bytes(), &name, "application/json")
                .map(|()| format!("Saved {name}: students open it with \"Open a lesson file\" on this page."))
        });
        made.set(Some(saved.map(Made::File)));
    };

    view! {
        <section class="panel wide" aria-labelledby="teach-title">
            <h2 id="teach-title">"7 · Teach"</h2>
            <details id="lesson-maker">
                <summary>"Make a lesson from this page's data and settings"</summary>
                <p class="note">"Students get the data, the model and the settings as they are in panels 1 to 3 now. Locked and hidden settings keep their current value."</p>
                <label class="stack">"Title" <input type="text" id="lesson-title-input" prop:value=move || title.get()
                    on:input=move |ev| title.set(event_target_value(&ev)) /></label>
                <label class="stack">"Instructions (a blank line starts a new paragraph)"
                    <textarea id="lesson-instructions-input" rows="4" prop:value=move || instructions.get()
                        on:input=move |ev| instructions.set(event_target_value(&ev))></textarea></label>
                <label class="inline">"Goal: dev accuracy or entity F1 of at least (0 to 1, empty for none) "
                    <input type="text" inputmode="decimal" id="lesson-goal-input" placeholder="0.5"
                        on:input=move |ev| goal.set(event_target_value(&ev)) /></label>
                <table class="rules">
                    <thead><tr><th scope="col">"Setting"</th><th scope="col">"Students"</th><th scope="col">"Why locked (shown to them)"</th></tr></thead>
                    <tbody>
                        {SETTINGS.iter().zip(rules.get_value()).map(|(s, (access, reason))| view! {
                            <tr>
                                <td>{s.label(crate::i18n::Language::English)}</td>
                                <td><select id=format!("rule-{}", s.key) aria-label=format!("{}: shown, locked or hidden", s.label(crate::i18n::Language::English))
                                    on:change=move |ev| access.set(access_from(&event_target_value(&ev)))>
                                    {[Access::Shown, Access::Locked, Access::Hidden].into_iter().map(|a| view! {
                                        <option value=access_name(a) selected=move || access.get() == a>{access_name(a)}</option>
                                    }).collect_view()}
                                </select></td>
                                <td><input type="text" id=format!("reason-{}", s.key) disabled=move || access.get() != Access::Locked
                                    prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev)) /></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <fieldset>
                    <legend>"The guide walks the students through"</legend>
                    {GuideStep::ALL.iter().zip(guide.get_value()).enumerate().map(|(i, (step, on))| view! {
                        <label class="inline"><input type="checkbox" id=format!("guide-{i}") prop:checked=move || on.get()
                            on:change=move |ev| on.set(event_target_checked(&ev)) />{format!(" {} ", step_text(*step).0)}</label>
                    }).collect_view()}
                </fieldset>
                <div class="controls">
                    <button id="make-lesson-link" class="primary" on:click=make_link>"Make the lesson link"</button>
                    <button id="make-lesson-file" on:click=make_file>"Download the lesson file"</button>
                </div>
                {move || made.get().map(|made| match made {
                    Ok(Made::File(note)) => view! { <p class="note" id="lesson-made">{note}</p> }.into_any(),
                    Ok(Made::Link(url)) => view! {
                        <p class="note" id="lesson-length">{format!("{} characters: give this link to the students.", url.chars().count())}</p>
                        <input id="lesson-url" type="text" readonly=true prop:value=url aria-label="The lesson link" />
                    }.into_any(),
                    Err(message) => view! { <p class="error" id="lesson-error" role="alert">{message}</p> }.into_any(),
                })}
            </details>
            <CompareCards />
        </section>
    }
}
