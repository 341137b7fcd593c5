//! Step 6: keep the result: the fine-tuned model as a Hugging Face folder in a zip, as ONNX for a
//! web page, and as a Python project; the dev metrics as JSON and CSV.

use leptos::prelude::*;

use super::files;
use super::format::bytes;
use super::model_panel::DEFAULT_HUB_ID;
use super::my_runs::MyRuns;
use super::state::{t, use_state, Status};
use super::worker_link::use_worker;
use crate::core::metrics_files::{metrics_csv, metrics_json};
use crate::core::model::Task;
use crate::core::model_zip::{folder_zip, model_zip, ModelZipError, ADAPTER_FOLDER};
use crate::i18n::Language;
use crate::protocol::Request;
use crate::share::SharedModel;

const FOLDER: &str = "tunelab-model";

/// What the last download held, for its note and its loading snippets.
#[derive(Debug, Clone, PartialEq)]
struct Saved {
    size: usize,
    /// The transformers class its `config.json` names.
    architecture: String,
    /// Whether it carries a LoRA run's peft adapter.
    lora: bool,
}

const PROJECT_FOLDER: &str = "tunelab-project";
const ONNX_FOLDER: &str = "tunelab-model-onnx";

/// What the ONNX download held, for its note and its Transformers.js snippet.
#[derive(Debug, Clone, PartialEq)]
struct SavedOnnx {
    size: usize,
    fp32: usize,
    int8: usize,
    task: Option<Task>,
}
const SHARE_FILE: &str = "tunelab-run.tunelab.json";

#[component]
pub fn ExportPanel() -> impl IntoView {
    let state = use_state();
    let link = use_worker();
    let note = RwSignal::new(None::<Saved>);

    // The worker's files arrive as an event; zip them and hand them to the browser.
    Effect::new(move |_| {
        let Status::Done((files, adapter)) = state.export.get() else { return };
        let name = format!("{FOLDER}.zip");
        let language = state.language.get_untracked();
        match save_zip(language, model_zip(&files, adapter.as_ref(), FOLDER), &name) {
            Ok(size) => {
                let architecture = files.architecture().unwrap_or_default();
                note.set(Some(Saved { size, architecture, lora: adapter.is_some() }));
                state.export.set(Status::Empty);
            }
            Err(message) => state.export.set(Status::Failed(message)),
        }
    });
    // The run as a Python project: zip it and hand it to the browser.
    let project_note = RwSignal::new(None::<usize>);
    Effect::new(move |_| {
        let Status::Done(project) = state.project.get() else { return };
        let name = format!("{PROJECT_FOLDER}.zip");
        let language = state.language.get_untracked();
        let files = project.iter().map(|f| (f.path.as_str(), f.bytes.as_slice()));
        match save_zip(language, folder_zip(files, PROJECT_FOLDER), &name) {
            Ok(size) => {
                project_note.set(Some(size));
                state.project.set(Status::Empty);
            }
            Err(message) => state.project.set(Status::Failed(message)),
        }
    });
    // The model as ONNX for Transformers.js: zip it and hand it to the browser.
    let onnx_note = RwSignal::new(None::<SavedOnnx>);
    Effect::new(move |_| {
        let Status::Done(folder) = state.onnx.get() else { return };
        let name = format!("{ONNX_FOLDER}.zip");
        let language = state.language.get_untracked();
        match save_zip(language, folder_zip(folder.files(), ONNX_FOLDER), &name) {
            Ok(size) => {
                let task = Task::from_config_json(&folder.config_json);
                let (fp32, int8) = (folder.model_onnx.len(), folder.model_quantized_onnx.len());
                onnx_note.set(Some(SavedOnnx { size, fp32, int8, task }));
                state.onnx.set(Status::Empty);
            }
            Err(message) => state.onnx.set(Status::Failed(message)),
        }
    });
    let graduate = move |_| {
        project_note.set(None);
        state.project.set(Status::Working);
        let base_model = base_model_id(state.shared_model.get_untracked());
        link.send(Request::Graduate { base_model, language: state.language.get_untracked() });
    };
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
                <button id="export-model" on:click=move |_| { note.set(None); state.export.set(Status::Working); link.send(Request::Export { base_model: base_model_id(state.shared_model.get_untracked()) }); }
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
            {move || note.get().map(|saved| view! {
                <p class="note" id="export-note">
                    {crate::tr!(state.lang(), "export.saved-model", name = format!("{FOLDER}.zip"), size = bytes(saved.size), folder = FOLDER)}
                </p>
                <LoadSnippets saved=saved />
            })}
            <h3>{t("export.onnx-title")}</h3>
            <p class="note">{t("export.onnx-note")}</p>
            <div class="controls">
                <button id="export-onnx" on:click=move |_| { onnx_note.set(None); state.onnx.set(Status::Working); link.send(Request::ExportOnnx); }
                    disabled=move || !state.trained() || state.run.get().active() || state.onnx.get().is_working()>
                    {t("export.download-onnx")}
                </button>
            </div>
            {move || match state.onnx.get() {
                Status::Working => view! { <p class="note" role="status">{t("export.preparing-onnx")}</p> }.into_any(),
                Status::Failed(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                _ => ().into_any(),
            }}
            {move || onnx_note.get().map(|saved| view! { <OnnxSnippet saved=saved /> })}
            <h3>{t("export.project-title")}</h3>
            <p class="note">{t("export.project-note")}</p>
            <pre translate="no"><code>{t("export.project-commands")}</code></pre>
            <div class="controls">
                <button id="export-project" on:click=graduate
                    disabled=move || !state.trained() || state.run.get().active() || state.project.get().is_working()>
                    {t("export.download-project")}
                </button>
            </div>
            {move || match state.project.get() {
                Status::Working => view! { <p class="note" role="status">{t("export.preparing-project")}</p> }.into_any(),
                Status::Failed(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                _ => ().into_any(),
            }}
            {move || project_note.get().map(|size| view! {
                <p class="note" id="export-project-note">
                    {crate::tr!(state.lang(), "export.saved-project", name = format!("{PROJECT_FOLDER}.zip"), size = bytes(size))}
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

/// How to load the download, to copy: transformers for the folder, and peft for a LoRA run's
/// adapter onto the model the run started from.
#[component]
fn LoadSnippets(saved: Saved) -> impl IntoView {
    let state = use_state();
    let base = move || base_model_id(state.shared_model.get());
    let architecture = saved.architecture.clone();
    let hf = move || crate::tr!(state.lang(), "export.load-hf", folder = FOLDER, architecture = architecture);
    let peft = saved.lora.then(|| {
        let architecture = saved.architecture.clone();
        let code = move || {
            let folder = format!("{FOLDER}/{ADAPTER_FOLDER}");
            crate::tr!(
                state.lang(),
                "export.load-peft",
                folder = FOLDER,
                adapter = folder,
                architecture = architecture,
                base = base()
            )
        };
        view! {
            <p class="note">{move || crate::tr!(state.lang(), "export.load-peft-note", folder = FOLDER)}</p>
            <pre id="export-load-peft" translate="no"><code>{code}</code></pre>
        }
    });
    view! {
        <h3>{t("export.load-title")}</h3>
        <pre id="export-load-hf" translate="no"><code>{hf}</code></pre>
        {peft}
    }
}

/// The ONNX download's sizes, and the Transformers.js code that loads it, to copy.
#[component]
fn OnnxSnippet(saved: SavedOnnx) -> impl IntoView {
    let state = use_state();
    let pipeline = match saved.task {
        Some(Task::Ner) => "token-classification",
        _ => "text-classification",
    };
    let note = move || {
        let (name, size) = (format!("{ONNX_FOLDER}.zip"), bytes(saved.size));
        crate::tr!(
            state.lang(),
            "export.saved-onnx",
            name = name,
            size = size,
            fp32 = bytes(saved.fp32),
            int8 = bytes(saved.int8)
        )
    };
    let code = move || {
        let example = crate::tr!(state.lang(), "export.onnx-example");
        crate::tr!(state.lang(), "export.load-onnx", pipeline = pipeline, folder = ONNX_FOLDER, example = example)
    };
    view! {
        <p class="note" id="export-onnx-note">{note}</p>
        <pre id="export-load-onnx" translate="no"><code>{code}</code></pre>
    }
}

/// The Hub id of the model the run started from, for code that loads it again.
fn base_model_id(model: SharedModel) -> String {
    match model {
        SharedModel::Default => DEFAULT_HUB_ID.to_string(),
        SharedModel::Hub { id } => id,
    }
}

/// Hands a zip to the browser as a download: its size, or what went wrong in the reader's words.
fn save_zip(language: Language, zip: Result<Vec<u8>, ModelZipError>, name: &str) -> Result<usize, String> {
    let zip = zip.map_err(|e| e.words(language))?;
    files::save(language, &zip, name, "application/zip")?;
    Ok(zip.len())
}
