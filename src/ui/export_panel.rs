//! Step 6: keep the result: the fine-tuned model as a Hugging Face folder in a zip, and the
//! dev metrics as JSON and CSV.

use leptos::prelude::*;

use super::files;
use super::format::bytes;
use super::my_runs::MyRuns;
use super::state::{t, use_state, Status};
use super::worker_link::use_worker;
use crate::core::metrics_files::{metrics_csv, metrics_json};
use crate::core::model_zip::model_zip;
use crate::protocol::Request;

const FOLDER: &str = "tunelab-model";
const SHARE_FILE: &str = "tunelab-run.tunelab.json";

#[component]
pub fn ExportPanel() -> impl IntoView {
    let state = use_state();
    let link = use_worker();
    let note = RwSignal::new(None::<usize>);

    // The worker's files arrive as an event; zip them and hand them to the browser.
    Effect::new(move |_| {
        let Status::Done(files) = state.export.get() else { return };
        let name = format!("{FOLDER}.zip");
        let saved = model_zip(&files, FOLDER).map_err(|e| e.words(state.language.get_untracked())).and_then(|zip| {
            files::save(state.language.get_untracked(), &zip, &name, "application/zip")?;
            Ok(zip.len())
        });
        match saved {
            Ok(size) => {
                note.set(Some(size));
                state.export.set(Status::Empty);
            }
            Err(message) => state.export.set(Status::Failed(message)),
        }
    });
    let save_text = move |text: String, name: &str, mime: &str| {
        if let Err(message) = files::save(state.language.get_untracked(), text.as_bytes(), name, mime) {
            state.export.set(Status::Failed(message));
        }
    };
    let no_epochs = move || state.epochs.with(Vec::is_empty);
    let shared = RwSignal::new(None::<Result<String, String>>);
    let shared_file = RwSignal::new(None::<Result<(), String>>);
    let data_url = RwSignal::new(String::new());

    view! {
        <section class="panel" aria-labelledby="export-title">
            <h2 id="export-title">{t("export.title")}</h2>
            <p class="note">{t("export.zip-note")}</p>
            <div class="controls">
                <button id="export-model" on:click=move |_| { note.set(None); state.export.set(Status::Working); link.send(Request::Export); }
                    disabled=move || !state.trained() || state.run.get().active() || state.export.get().is_working()>
                    {t("export.download-model")}
                </button>
                <button id="export-json" disabled=no_epochs
                    on:click=move |_| save_text(metrics_json(&state.epochs.get_untracked()), "tunelab-metrics.json", "application/json")>
                    {t("export.metrics-json")}
                </button>
                <button id="export-csv" disabled=no_epochs
                    on:click=move |_| save_text(metrics_csv(&state.epochs.get_untracked()), "tunelab-metrics.csv", "text/csv")>
                    {t("export.metrics-csv")}
                </button>
            </div>
            {move || match state.export.get() {
                Status::Working => view! { <p class="note" role="status">{t("export.preparing")}</p> }.into_any(),
                Status::Failed(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                _ => ().into_any(),
            }}
            {move || note.get().map(|size| view! {
                <p class="note" id="export-note">
                    {crate::tr!(state.lang(), "export.saved-model", name = format!("{FOLDER}.zip"), size = bytes(size), folder = FOLDER)}
                </p>
            })}
            <MyRuns />
            <h3>{t("export.share")}</h3>
            <p class="note">{t("export.share-note")}</p>
            <label class="stack">{t("export.data-url")}
                <input type="url" id="share-data-url" placeholder="https://…/train.conll"
                    on:input=move |ev| data_url.set(event_target_value(&ev)) /></label>
            <div class="controls">
                <button id="share" on:click=move |_| {
                    let url = Some(data_url.get_untracked().trim().to_string()).filter(|u| !u.is_empty());
                    shared.set(Some(super::share_link::make_link(state, url)));
                }>{t("export.make-link")}</button>
                <button id="share-file" on:click=move |_| {
                    let saved = super::share_link::current_link(state, None).and_then(|link| {
                        files::save(state.language.get_untracked(), crate::share::encode_file(&link).as_bytes(), SHARE_FILE, "application/json")
                    });
                    shared_file.set(Some(saved));
                }>{t("export.download-file")}</button>
            </div>
            {move || shared.get().map(|made| match made {
                Ok(url) => view! {
                    <p class="note" id="share-length">
                        {crate::tr!(state.lang(), "export.link-length", count = url.chars().count(), cap = crate::share::LINK_CAP)}
                    </p>
                    <input id="share-url" type="text" readonly=true prop:value=url.clone() aria-label=t("export.link-label") />
                }.into_any(),
                Err(message) => view! { <p class="error" id="share-error" role="alert">{message}</p> }.into_any(),
            })}
            {move || shared_file.get().map(|saved| match saved {
                Ok(()) => view! {
                    <p class="note" id="share-file-note">{crate::tr!(state.lang(), "export.saved-file", name = SHARE_FILE)}</p>
                }.into_any(),
                Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
            })}
        </section>
    }
}
