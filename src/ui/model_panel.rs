//! Step 1: which base model, on which device. The default model is served by this site.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::file_button::file_button;
use super::files;
use super::format::{bytes, count};
use super::kept_models::KeptModels;
use super::state::{t, use_state, Status};
use super::worker_link::use_worker;
use crate::core::model_zip::read_model_zip;
use crate::core::task_model::ModelFiles;
use crate::i18n::Language;
use crate::protocol::{DevicePreference, ModelSource, Request};
use crate::share::SharedModel;

/// The model `cargo xtask models` puts beside the page, as int8 rows with a scale each: a
/// quarter of the f32 bytes on a first visit; the worker reads it back to f32 on load, and
/// fine-tuning from it lands within 0.3 point of the f32 original (`cargo xtask quality --int8`).
pub const DEFAULT_MODEL: &str = "models/all-MiniLM-L6-v2-q8";
pub(super) const DEFAULT_HUB_ID: &str = "sentence-transformers/all-MiniLM-L6-v2";
const DEFAULT_NAME: &str = "all-MiniLM-L6-v2";
const EXAMPLE_HUB_ID: &str = "bert-base-cased";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Default,
    Hub,
    Files,
}

#[component]
pub fn ModelPanel() -> impl IntoView {
    let state = use_state();
    let link = use_worker();
    let (source, hub_id) = match state.shared_model.get_untracked() {
        SharedModel::Hub { id } => (RwSignal::new(Source::Hub), RwSignal::new(id)),
        SharedModel::Default => (RwSignal::new(Source::Default), RwSignal::new(DEFAULT_HUB_ID.to_string())),
    };
    let local = RwSignal::new(None::<ModelFiles>);
    let local_note = RwSignal::new(None::<usize>);
    let device = RwSignal::new(DevicePreference::Auto);

    let load = move |_| {
        let request = match source.get_untracked() {
            Source::Default => {
                state.shared_model.set(SharedModel::Default);
                Request::FetchModel { source: ModelSource::Folder { url: DEFAULT_MODEL.into() } }
            }
            Source::Hub => {
                let id = hub_id.get_untracked().trim().to_string();
                if id.is_empty() {
                    let language = state.language.get_untracked();
                    state.model.set(Status::Failed(crate::tr!(
                        language,
                        "model.hub-id-missing",
                        example = EXAMPLE_HUB_ID
                    )));
                    return;
                }
                state.shared_model.set(SharedModel::Hub { id: id.clone() });
                Request::FetchModel { source: ModelSource::Hub { id, revision: None } }
            }
            Source::Files => match local.get_untracked() {
                Some(files) => Request::LoadModel { files },
                None => {
                    let language = state.language.get_untracked();
                    state.model.set(Status::Failed(crate::i18n::text(language, "model.files-missing", &[])));
                    return;
                }
            },
        };
        state.downloads.set(Vec::new());
        state.clear_run();
        state.model.set(Status::Working);
        link.send(request);
    };

    let pick_files = move |picked: Vec<web_sys::File>| {
        let language = state.language.get_untracked();
        spawn_local(async move {
            match read_model_files(language, picked).await {
                Ok(files) => {
                    local_note.set(Some(files.model_safetensors.len()));
                    local.set(Some(files));
                }
                Err(message) => {
                    local.set(None);
                    local_note.set(None);
                    state.model.set(Status::Failed(message));
                }
            }
        });
    };

    let choose_device = move |ev: leptos::ev::Event| {
        let preference = match event_target_value(&ev).as_str() {
            "webgpu" => DevicePreference::Webgpu,
            "cpu" => DevicePreference::Cpu,
            _ => DevicePreference::Auto,
        };
        device.set(preference);
        state.device_note.set(None);
        state.clear_run();
        link.send(Request::Init { device: preference });
        // A new device needs the model again.
        if state.model.get_untracked().done().is_some() {
            load(());
        }
    };

    view! {
        <section class="panel" aria-labelledby="model-title">
            <h2 id="model-title">{t("model.title")}</h2>
            <fieldset>
                <legend>{t("model.base-model")}</legend>
                <label>
                    <input type="radio" name="model-source" checked=move || source.get() == Source::Default
                        on:change=move |_| source.set(Source::Default) />
                    " "{move || crate::tr!(state.lang(), "model.source-default", id = DEFAULT_NAME)}
                </label>
                <label>
                    <input type="radio" name="model-source" checked=move || source.get() == Source::Hub
                        on:change=move |_| source.set(Source::Hub) />
                    " "{t("model.source-hub")}" "
                    <input type="text" id="hub-id" aria-label=t("model.hub-id-label") prop:value=move || hub_id.get()
                        on:input=move |ev| { hub_id.set(event_target_value(&ev)); source.set(Source::Hub); } />
                </label>
                <label>
                    <input type="radio" name="model-source" checked=move || source.get() == Source::Files
                        on:change=move |_| source.set(Source::Files) />
                    " "{t("model.source-files")}
                </label>" "
                {file_button("model-files", ".json,.safetensors,.zip", true, "model.files-label", move |picked| {
                    source.set(Source::Files);
                    pick_files(picked);
                })}
                {move || local_note.get().map(|size| view! {
                    <p class="note">{crate::tr!(state.lang(), "model.files-chosen", size = bytes(size))}</p>
                })}
            </fieldset>
            <label class="stack">
                {t("model.device")}" "
                <select id="device" on:change=choose_device prop:value=move || match device.get() {
                    DevicePreference::Auto => "auto",
                    DevicePreference::Webgpu => "webgpu",
                    DevicePreference::Cpu => "cpu",
                }>
                    <option value="auto">{t("model.device-auto")}</option>
                    <option value="webgpu">{t("model.device-webgpu")}</option>
                    <option value="cpu">{t("model.device-cpu")}</option>
                </select>
            </label>
            <button id="load-model" on:click=move |_| load(())
                disabled=move || state.model.get().is_working() || state.run.get().active()>
                {t("model.load")}
            </button>
            <Downloads />
            {move || match state.model.get() {
                Status::Empty => view! { <p class="note">{t("model.kept")}</p> }.into_any(),
                Status::Working => view! { <p class="note" role="status">{t("model.loading")}</p> }.into_any(),
                Status::Failed(message) => view! { <p class="error" id="model-error" role="alert">{message}</p> }.into_any(),
                Status::Done(m) => view! {
                    <dl class="facts" id="model-facts">
                        <dt>{t("model.architecture")}</dt><dd>{m.model_type.clone()}</dd>
                        <dt>{t("model.layers")}</dt><dd>{m.layers}</dd>
                        <dt>{t("model.hidden-size")}</dt><dd>{m.hidden_size}</dd>
                        <dt>{t("model.parameters")}</dt><dd>{count(m.parameters)}</dd>
                        <dt>{t("model.vocabulary")}</dt>
                        <dd>{crate::tr!(state.lang(), "model.word-pieces", count = count(m.vocab_size))}</dd>
                        {m.task.map(|task| view! {
                            <dt>{t("model.fine-tuned-for")}</dt>
                            <dd>{crate::tr!(state.lang(), "model.task-labels",
                                task = task.name(state.lang()), labels = m.labels.join(", "))}</dd>
                        })}
                    </dl>
                }.into_any(),
            }}
            <DeviceFacts />
            <KeptModels />
        </section>
    }
}

#[component]
fn Downloads() -> impl IntoView {
    let state = use_state();
    view! {
        <ul class="downloads">
            {move || state.downloads.get().into_iter().map(|p| {
                let language = state.lang();
                let loaded = bytes(p.loaded as usize);
                let shown = match (p.cached, p.total) {
                    (true, _) => crate::tr!(language, "model.download-cached", file = p.file, loaded = loaded),
                    (false, Some(total)) => {
                        crate::tr!(language, "model.download-of", file = p.file, loaded = loaded, total = bytes(total as usize))
                    }
                    (false, None) => crate::tr!(language, "model.download-bytes", file = p.file, loaded = loaded),
                };
                let label = crate::tr!(language, "model.download-label", file = p.file);
                let max = p.total.unwrap_or(p.loaded.max(1)).max(1) as f64;
                let value = if p.done { max } else { p.loaded as f64 };
                view! {
                    <li>
                        <progress max=max value=value aria-label=label></progress>
                        " " {shown}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

#[component]
fn DeviceFacts() -> impl IntoView {
    let state = use_state();
    view! {
        {move || state.device_note.get().map(|n| view! { <p class="warning" role="status">{n}</p> })}
        {move || state.device.get().map(|d| {
            let language = state.lang();
            let what = match &d.adapter {
                Some(a) => {
                    let name = [a.vendor.as_str(), a.architecture.as_str(), a.device.as_str(), a.description.as_str()]
                        .into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ");
                    match a.is_fallback_adapter {
                        true => crate::tr!(language, "model.on-webgpu-software", name = name),
                        false => crate::tr!(language, "model.on-webgpu", name = name),
                    }
                }
                None => crate::i18n::text(language, "model.on-cpu", &[]),
            };
            let limit = d.limits.as_ref().map(|l| {
                crate::tr!(language, "model.buffer-limit", size = bytes(l.max_storage_buffer_binding_size as usize))
            });
            let fallback = d.fallback_reason.clone().map(|r| crate::tr!(language, "model.not-webgpu", reason = r));
            view! {
                <p class="device" id="device-facts">
                    <strong>{t("model.device-facts")}" "</strong>{what}
                    {limit.map(|l| view! { <span>{format!(" · {l}")}</span> })}
                    {fallback.map(|f| view! { <span class="warning">{format!(" · {f}")}</span> })}
                </p>
            }
        })}
    }
}

/// Three model files picked one by one, or one zip holding them.
async fn read_model_files(language: Language, picked: Vec<web_sys::File>) -> Result<ModelFiles, String> {
    if let [zip] = picked.as_slice() {
        if zip.name().ends_with(".zip") {
            let data = files::read(language, zip).await?;
            return read_model_zip(&data, &zip.name()).map_err(|e| e.words(language));
        }
    }
    let mut found = ModelFiles { config_json: Vec::new(), tokenizer_json: Vec::new(), model_safetensors: Vec::new() };
    for file in &picked {
        let slot = match file.name().as_str() {
            ModelFiles::CONFIG => &mut found.config_json,
            ModelFiles::TOKENIZER => &mut found.tokenizer_json,
            ModelFiles::WEIGHTS => &mut found.model_safetensors,
            other => return Err(crate::tr!(language, "model.not-a-model-file", file = other)),
        };
        *slot = files::read(language, file).await?;
    }
    let missing: Vec<&str> = [
        (ModelFiles::CONFIG, &found.config_json),
        (ModelFiles::TOKENIZER, &found.tokenizer_json),
        (ModelFiles::WEIGHTS, &found.model_safetensors),
    ]
    .into_iter()
    .filter(|(_, bytes)| bytes.is_empty())
    .map(|(name, _)| name)
    .collect();
    match missing[..] {
        [] => Ok(found),
        [a] => Err(crate::tr!(language, "model.missing-one", a = a)),
        [a, b] => Err(crate::tr!(language, "model.missing-two", a = a, b = b)),
        [a, b, c, ..] => Err(crate::tr!(language, "model.missing-three", a = a, b = b, c = c)),
    }
}
