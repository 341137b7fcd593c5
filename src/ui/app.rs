//! The page: six panels along the user's path, the worker link and the page-wide messages.

use leptos::prelude::*;

use super::data_panel::DataPanel;
use super::export_panel::ExportPanel;
use super::lesson_view::LessonView;
use super::model_panel::ModelPanel;
use super::results_panel::ResultsPanel;
use super::state::{use_state, State, WorkerStatus};
use super::teach_panel::TeachPanel;
use super::train_panel::TrainPanel;
use super::try_panel::TryPanel;
use super::worker_link::WorkerLink;
use crate::protocol::{DevicePreference, Request};

#[component]
pub fn App() -> impl IntoView {
    let state = State::new();
    provide_context(state);
    // Before the panels start: they begin from the link's data and settings.
    super::share_link::open_from_location(state);
    let link = WorkerLink::start(state);
    provide_context(link);
    link.send(Request::Init { device: DevicePreference::Auto });
    set_interval(move || state.clock.set(super::state::now()), std::time::Duration::from_secs(1));

    view! {
        <header>
            <h1>"Tunelab"</h1>
            <p>"Fine-tune a BERT model on your own data, on your own GPU, in this tab. Nothing is uploaded anywhere."</p>
        </header>
        <Notices />
        {move || state.opened_link.get().map(|summary| view! {
            <p class="note" id="opened-link" role="status">{summary}" "
                <button on:click=move |_| state.opened_link.set(None)>"Dismiss"</button></p>
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
                WorkerStatus::Starting => view! { <p class="note" id="worker-status">"Starting the training worker…"</p> }.into_any(),
                WorkerStatus::Ready => ().into_any(),
                WorkerStatus::Crashed(message) => view! {
                    <p class="error" role="alert" id="worker-status">{message}
                        " "<button on:click=move |_| state.worker.set(WorkerStatus::Ready)>"Dismiss"</button></p>
                }.into_any(),
            }}
            {move || state.notices.get().into_iter().enumerate().map(|(i, message)| view! {
                <p class="error" role="alert">{message}" "
                    <button on:click=move |_| state.notices.update(|n| { if i < n.len() { n.remove(i); } })>"Dismiss"</button>
                </p>
            }).collect_view()}
        </div>
    }
}
