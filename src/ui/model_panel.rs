//! Step 1: which base model, on which device. The default model is served by this site.

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::HtmlInputElement;

use super::files;
use super::format::{bytes, count};
use super::state::{use_state, Status};
use super::worker_link::use_worker;
use crate::core::model_zip::read_model_zip;
use crate::core::task_model::ModelFiles;
use crate::protocol::{DevicePreference, ModelSource, Request};
use crate::share::SharedModel;

/// The model `cargo xtask models` puts beside the page.
pub const DEFAULT_MODEL: &str = "models/all-MiniLM-L6-v2";
const DEFAULT_HUB_ID: &str = "sentence-transformers/all-MiniLM-L6-v2";

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
    let local_note = RwSignal::new(None::<String>);
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
                    state.model.set(Status::Failed("type a Hugging Face model id, such as bert-base-cased".into()));
                    return;
                }
                state.shared_model.set(SharedModel::Hub { id: id.clone() });
                Request::FetchModel { source: ModelSource::Hub { id, revision: None } }
            }
            Source::Files => match local.get_untracked() {
                Some(files) => Request::LoadModel { files },
                None => {
                    state.model.set(Status::Failed(
                        "choose config.json, tokenizer.json and model.safetensors (or one .zip of them)".into(),
                    ));
                    return;
                }
            },
        };
        state.downloads.set(Vec::new());
        state.clear_run();
        state.model.set(Status::Working);
        link.send(request);
    };

    let pick_files = move |ev: leptos::ev::Event| {
        let input: HtmlInputElement = event_target(&ev);
        let picked = files::list(input.files());
        spawn_local(async move {
            match read_model_files(picked).await {
                Ok(files) => {
                    local_note.set(Some(format!("{} of model files chosen", bytes(files.model_safetensors.len()))));
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
            <h2 id="model-title">"1 · Model"</h2>
            <fieldset>
                <legend>"Base model"</legend>
                <label>
                    <input type="radio" name="model-source" checked=move || source.get() == Source::Default
                        on:change=move |_| source.set(Source::Default) />
                    " MiniLM-L6 (all-MiniLM-L6-v2, 22.7 M parameters), from this site"
                </label>
                <label>
                    <input type="radio" name="model-source" checked=move || source.get() == Source::Hub
                        on:change=move |_| source.set(Source::Hub) />
                    " A Hugging Face Hub model (BERT architecture): "
                    <input type="text" aria-label="Hugging Face model id" prop:value=move || hub_id.get()
                        on:input=move |ev| { hub_id.set(event_target_value(&ev)); source.set(Source::Hub); } />
                </label>
                <label>
                    <input type="radio" name="model-source" checked=move || source.get() == Source::Files
                        on:change=move |_| source.set(Source::Files) />
                    " Files on this computer (config.json + tokenizer.json + model.safetensors, or a .zip): "
                    <input type="file" multiple accept=".json,.safetensors,.zip" aria-label="Model files"
                        on:change=move |ev| { source.set(Source::Files); pick_files(ev); } />
                </label>
                {move || local_note.get().map(|n| view! { <p class="note">{n}</p> })}
            </fieldset>
            <label class="stack">
                "Device "
                <select id="device" on:change=choose_device prop:value=move || match device.get() {
                    DevicePreference::Auto => "auto",
                    DevicePreference::Webgpu => "webgpu",
                    DevicePreference::Cpu => "cpu",
                }>
                    <option value="auto">"GPU (WebGPU) if this browser has one, else CPU"</option>
                    <option value="webgpu">"GPU (WebGPU)"</option>
                    <option value="cpu">"CPU (slower; works everywhere)"</option>
                </select>
            </label>
            <button id="load-model" on:click=move |_| load(())
                disabled=move || state.model.get().is_working() || state.run.get().active()>
                "Load model"
            </button>
            <Downloads />
            {move || match state.model.get() {
                Status::Empty => view! { <p class="note">"The model is downloaded once and then kept by your browser."</p> }.into_any(),
                Status::Working => view! { <p class="note" role="status">"Loading the model…"</p> }.into_any(),
                Status::Failed(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                Status::Done(m) => view! {
                    <dl class="facts" id="model-facts">
                        <dt>"Architecture"</dt><dd>{m.model_type.clone()}</dd>
                        <dt>"Layers"</dt><dd>{m.layers}</dd>
                        <dt>"Hidden size"</dt><dd>{m.hidden_size}</dd>
                        <dt>"Parameters"</dt><dd>{count(m.parameters)}</dd>
                        <dt>"Vocabulary"</dt><dd>{count(m.vocab_size)}" word pieces"</dd>
                        {m.task.map(|t| view! { <dt>"Fine-tuned for"</dt><dd>{format!("{t}: {}", m.labels.join(", "))}</dd> })}
                    </dl>
                }.into_any(),
            }}
            <DeviceFacts />
        </section>
    }
}

#[component]
fn Downloads() -> impl IntoView {
    let state = use_state();
    view! {
        <ul class="downloads">
            {move || state.downloads.get().into_iter().map(|p| {
                let shown = match (p.cached, p.total) {
                    (true, _) => format!("{}: {} from the browser's cache", p.file, bytes(p.loaded as usize)),
                    (false, Some(total)) => format!("{}: {} of {}", p.file, bytes(p.loaded as usize), bytes(total as usize)),
                    (false, None) => format!("{}: {}", p.file, bytes(p.loaded as usize)),
                };
                let max = p.total.unwrap_or(p.loaded.max(1)).max(1) as f64;
                let value = if p.done { max } else { p.loaded as f64 };
                view! {
                    <li>
                        <progress max=max value=value aria-label=format!("download of {}", p.file)></progress>
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
            let what = match &d.adapter {
                Some(a) => {
                    let name = [a.vendor.as_str(), a.architecture.as_str(), a.device.as_str(), a.description.as_str()]
                        .into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ");
                    let soft = if a.is_fallback_adapter { " (a software adapter: real WebGPU, but on the CPU)" } else { "" };
                    format!("WebGPU on {name}{soft}")
                }
                None => "CPU (in this tab, one thread)".to_string(),
            };
            let limit = d.limits.as_ref().map(|l| format!("largest buffer binding {}", bytes(l.max_storage_buffer_binding_size as usize)));
            view! {
                <p class="device" id="device-facts">
                    <strong>"Device: "</strong>{what}
                    {limit.map(|l| view! { <span>{format!(" · {l}")}</span> })}
                    {d.fallback_reason.clone().map(|r| view! { <span class="warning">{format!(" · not WebGPU because {r}")}</span> })}
                </p>
            }
        })}
    }
}

/// Three model files picked one by one, or one zip holding them.
async fn read_model_files(picked: Vec<web_sys::File>) -> Result<ModelFiles, String> {
    if let [zip] = picked.as_slice() {
        if zip.name().ends_with(".zip") {
            let data = files::read(zip).await?;
            return read_model_zip(&data, &zip.name()).map_err(|e| e.to_string());
        }
    }
    let mut found = ModelFiles { config_json: Vec::new(), tokenizer_json: Vec::new(), model_safetensors: Vec::new() };
    for file in &picked {
        let slot = match file.name().as_str() {
            ModelFiles::CONFIG => &mut found.config_json,
            ModelFiles::TOKENIZER => &mut found.tokenizer_json,
            ModelFiles::WEIGHTS => &mut found.model_safetensors,
            other => {
                return Err(format!(
                    "{other}: not a model file (expected config.json, tokenizer.json, model.safetensors or a .zip)"
                ))
            }
        };
        *slot = files::read(file).await?;
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
    if missing.is_empty() {
        Ok(found)
    } else {
        Err(format!("missing {}: choose all three files at once", missing.join(" and ")))
    }
}
