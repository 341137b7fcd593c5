//! The page: six panels along the user's path, the worker link and the page-wide messages.

use leptos::prelude::*;

use super::data_panel::DataPanel;
use super::export_panel::ExportPanel;
use super::lesson_view::LessonView;
use super::model_panel::ModelPanel;
use super::results_panel::ResultsPanel;
use super::saved;
use super::state::{t, use_state, State, WorkerStatus};
use super::teach_panel::TeachPanel;
use super::train_panel::TrainPanel;
use super::try_panel::TryPanel;
use super::worker_link::WorkerLink;
use crate::i18n::Language;
use crate::protocol::{DevicePreference, Request};

#[component]
pub fn App() -> impl IntoView {
    let state = State::new();
    provide_context(state);
    state.language.set(saved::load_language().unwrap_or_default());
    // Before the panels start: they begin from the link's data and settings.
    super::share_link::open_from_location(state);
    let link = WorkerLink::start(state);
    provide_context(link);
    link.send(Request::Init { device: DevicePreference::Auto });
    set_interval(move || state.clock.set(super::state::now()), std::time::Duration::from_secs(1));
    // The document's language and title follow the switch (screen readers and fonts read `lang`).
    Effect::new(move |_| {
        let language = state.lang();
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            if let Some(root) = document.document_element() {
                let _ = root.set_attribute("lang", language.tag());
            }
            document.set_title(&crate::tr!(language, "page.title"));
        }
    });

    let lan_host =
        web_sys::window().and_then(|w| w.location().hostname().ok()).filter(|host| super::lan::on_local_network(host));

    view! {
        <header>
            <h1>"Tunelab"</h1>
            <p>{t("page.tagline")}</p>
            <LanguageSwitch />
        </header>
        <Notices />
        {lan_host.map(|host| view! {
            <p class="note" id="lan-note">{move || crate::tr!(state.lang(), "page.lan-note", host = host)}</p>
        })}
        {move || state.opened_link.get().map(|summary| view! {
            <p class="note" id="opened-link" role="status">{summary}" "
                <button on:click=move |_| state.opened_link.set(None)>{t("page.dismiss")}</button></p>
        })}
        <main>
            <LessonView />
            <ModelPanel />
            <DataPanel />
            <TrainPanel />
            <ResultsPanel />
            <TryPanel />
            <ExportPanel />
            <TeachPanel />
        </main>
    }
}

/// Page-wide messages: the worker's state and errors that belong to no panel.
#[component]
fn Notices() -> impl IntoView {
    let state = use_state();
    view! {
        <div class="notices" aria-live="assertive">
            {move || match state.worker.get() {
                WorkerStatus::Starting => view! { <p class="note" id="worker-status">{t("page.worker-starting")}</p> }.into_any(),
                WorkerStatus::Ready => ().into_any(),
                WorkerStatus::Crashed(message) => view! {
                    <p class="error" role="alert" id="worker-status">{message}
                        " "<button on:click=move |_| state.worker.set(WorkerStatus::Ready)>{t("page.dismiss")}</button></p>
                }.into_any(),
            }}
            {move || state.notices.get().into_iter().enumerate().map(|(i, message)| view! {
                <p class="error" role="alert">{message}" "
                    <button on:click=move |_| state.notices.update(|n| { if i < n.len() { n.remove(i); } })>{t("page.dismiss")}</button>
                </p>
            }).collect_view()}
        </div>
    }
}

/// The language switch: every text follows at once, and the choice is kept in this browser.
#[component]
fn LanguageSwitch() -> impl IntoView {
    let state = use_state();
    let choose = move |ev| {
        if let Some(language) = Language::from_tag(&event_target_value(&ev)) {
            state.language.set(language);
            saved::save_language(language);
        }
    };
    view! {
        <label class="language">{t("page.language")}" "
            <select id="language" on:change=choose>
                {Language::ALL.into_iter().map(|l| view! {
                    <option value=l.tag() selected=move || state.lang() == l>{l.endonym()}</option>
                }).collect_view()}
            </select>
        </label>
    }
}
