//! The JS API that `cargo xtask pkg` turns into `pkg/`: one `Trainer` class, so that any page
//! can fine-tune without Leptos or the playground. A thin face over [`Session`]: the same
//! requests and the same events as the worker protocol.
//!
//! A `Trainer` runs in the thread that creates it. On a page, create it inside a module
//! worker (as `web/example/` does) to keep the page responsive; on WebGPU most of the work is
//! on the GPU, so the main thread also works for small demos.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Function;
use wasm_bindgen::prelude::*;

use crate::browser::control::TrainingControl;
use crate::browser::fetch::{clear_cache, fetch_model};
use crate::browser::gpu::choose;
use crate::browser::message::{from_js, to_js};
use crate::browser::session::Session;
use crate::core::train::TrainConfig;
use crate::i18n::Language;
use crate::protocol::{DatasetRequest, DeviceInfo, DevicePreference, Event, ModelFiles, ModelSource, Split};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** Options of `Trainer.create`. */
export interface TrainerOptions { device?: "auto" | "webgpu" | "cpu" }
/** The device training runs on; `fallback_reason` says why WebGPU was not used. */
export interface DeviceInfo {
  backend: "webgpu" | "cpu";
  adapter: { vendor: string; architecture: string; device: string; description: string; is_fallback_adapter: boolean } | null;
  limits: { max_storage_buffer_binding_size: number; max_buffer_size: number; max_compute_workgroup_storage_size: number; max_compute_invocations_per_workgroup: number } | null;
  features: string[];
  fallback_reason: string | null;
}
export interface ModelSummary { model_type: string; parameters: number; hidden_size: number; layers: number; vocab_size: number; task: "cls" | "ner" | null; labels: string[] }
export interface Diagnostic { line: number; severity: "warning" | "error"; message: string }
/** A training file: its name picks the format (.csv, .tsv, .jsonl, .conll/.txt). */
export interface DataFile { name: string; bytes: Uint8Array }
export interface DatasetRequest { task: "cls" | "ner"; train: DataFile; dev?: DataFile; text_column?: string; label_column?: string; limit?: number; seed?: number }
export interface DatasetSummary { task: "cls" | "ner"; n_train: number; n_dev: number; n_test: number; split: boolean; labels: string[]; label_counts: { label: string; count: number }[]; train_diagnostics: Diagnostic[]; dev_diagnostics: Diagnostic[]; preview: Examples; dev_sample: Examples | null; cjk_share: number }
/** Parsed examples: the first 50 of the training set, or the first 200 of the dev set. */
export type Examples =
  | { task: "cls"; examples: { text: string; label: string; line: number }[] }
  | { task: "ner"; examples: { tokens: string[]; tags: string[]; line: number }[] };
/** Every field is optional; the defaults are the recipe's (README, "Command line"), and the bounds are the CLI's (`tunelab train --help`). */
export interface TrainConfig { epochs?: number; learning_rate?: number; batch_size?: number; max_len?: number; seed?: number; weight_decay?: number; warmup_ratio?: number; dropout?: number; max_grad_norm?: number; beta1?: number; beta2?: number; epsilon?: number; grad_accumulation?: number; early_stopping_patience?: number | null; exempt_bias_and_norm_from_decay?: boolean; shuffle?: boolean; freeze_embeddings?: boolean; frozen_layers?: number; freeze_encoder?: boolean; group_by_length?: boolean; lora_rank?: number | null; lora_alpha?: number; lora_dropout?: number; lora_all_linear?: boolean }
/** The settings checked against the data, with the step counts. */
export interface TrainPlan { config: TrainConfig; n_train: number; batches_per_epoch: number; steps_per_epoch: number; total_steps: number; warmup_steps: number }
export interface DownloadProgress { file: string; url: string; loaded: number; total: number | null; cached: boolean; done: boolean }
export type Prediction =
  | { task: "cls"; label: string; labels: string[]; probabilities: number[] }
  | { task: "ner"; words: { text: string; start: number; end: number; tag: string; probability: number }[]; entities: { label: string; start: number; end: number; text: string }[] };
/** Every event of a training run, told apart by `type`. */
export type TrainerEvent =
  | { type: "training_started"; plan: TrainPlan; parameters: number; trainable_parameters: number; truncated_examples: number; memory: { weights: number; gradients: number; optimizer_state: number; activations: number } | null }
  | { type: "progress"; epoch: number; step: number; total_steps: number; loss: number; learning_rate: number; tokens_per_s: number; tokens: number; elapsed_s: number; eta_s: number; device_memory_bytes?: number }
  | { type: "epoch"; epoch: number; train_loss: number; train_seconds: number; train_tokens: number; train_sequences: number; dev: any; dev_predictions?: { task: "cls"; predictions: [string, number][] } | { task: "ner"; predictions: string[][] }; elapsed_s: number }
  | { type: "paused"; step: number }
  | { type: "resumed"; step: number }
  | { type: "early_stopped"; epoch: number; best_epoch: number; patience: number }
  | { type: "stopped"; step: number }
  | { type: "diverged"; step: number; loss: string; learning_rate: number }
  | { type: "training_finished"; steps: number; train_seconds: number; train_tokens_per_s: number };
/** A Hugging Face folder: write the three files next to each other. */
export interface ModelFiles { config_json: Uint8Array; tokenizer_json: Uint8Array; model_safetensors: Uint8Array }
export interface AdapterFiles { config_json: Uint8Array; adapter_safetensors: Uint8Array }
/** A Transformers.js folder: `tokenizer_config.json` beside config.json and tokenizer.json,
 * the graphs as `onnx/model.onnx` (fp32) and `onnx/model_quantized.onnx` (int8 weights). */
export interface OnnxFolder {
  config_json: Uint8Array; tokenizer_json: Uint8Array; tokenizer_config_json: Uint8Array;
  model_onnx: Uint8Array; model_quantized_onnx: Uint8Array;
}
/** A file of the run's Python project; `path` is inside the project folder, `/`-separated. */
export interface ProjectFile { path: string; bytes: Uint8Array }
"#;

/// Fine-tunes a BERT model in the browser. Create with `await Trainer.create()`.
#[wasm_bindgen]
pub struct Trainer {
    session: RefCell<Session>,
    control: TrainingControl,
    device: DeviceInfo,
}

fn js_error(message: impl std::fmt::Display) -> JsError {
    JsError::new(&message.to_string())
}

fn busy() -> JsError {
    js_error("the trainer is busy with another call (training?); await it, or call stop()")
}

fn call(callback: &Option<Function>, event: &Event) {
    let Some(callback) = callback else { return };
    match to_js(event) {
        Ok(value) => {
            if let Err(e) = callback.call1(&JsValue::NULL, &value) {
                web_sys::console::error_2(&"tunelab: the event callback threw".into(), &e);
            }
        }
        Err(message) => web_sys::console::error_1(&message.into()),
    }
}

fn js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsError> {
    to_js(value).map_err(js_error)
}

#[wasm_bindgen]
impl Trainer {
    /// A trainer on WebGPU when the browser has it (else the CPU, saying why in `device`),
    /// or on the device `options.device` names.
    pub async fn create(
        #[wasm_bindgen(unchecked_param_type = "TrainerOptions | undefined")] options: JsValue,
    ) -> Result<Trainer, JsError> {
        let preference = if options.is_undefined() || options.is_null() {
            DevicePreference::Auto
        } else {
            #[derive(serde::Deserialize)]
            struct Options {
                #[serde(default)]
                device: DevicePreference,
            }
            from_js::<Options>(options).map_err(|e| js_error(format!("Trainer.create options: {e}")))?.device
        };
        let chosen = choose(preference).await.map_err(js_error)?;
        Ok(Trainer {
            device: chosen.info.clone(),
            session: RefCell::new(chosen.session()),
            control: TrainingControl::default(),
        })
    }

    /// Which device training runs on, and why.
    #[wasm_bindgen(getter, unchecked_return_type = "DeviceInfo")]
    pub fn device(&self) -> Result<JsValue, JsError> {
        js(&self.device)
    }

    /// Loads a model from the bytes of its `config.json`, `tokenizer.json` and
    /// `model.safetensors` (a BERT; a fine-tuned export is ready to predict at once).
    #[wasm_bindgen(js_name = loadModel, unchecked_return_type = "ModelSummary")]
    pub fn load_model(&self, config: Vec<u8>, tokenizer: Vec<u8>, weights: Vec<u8>) -> Result<JsValue, JsError> {
        let files = ModelFiles { config_json: config, tokenizer_json: tokenizer, model_safetensors: weights };
        let summary = self.session.try_borrow_mut().map_err(|_| busy())?.load_model(files).map_err(js_error)?;
        js(&summary)
    }

    /// Downloads a model (or reads it from the browser's cache) and loads it. `source` is a
    /// folder URL (`https://…/`, `/models/x/`, `./models/x/`) or a Hugging Face id (`owner/name`).
    #[wasm_bindgen(js_name = fetchModel, unchecked_return_type = "ModelSummary")]
    pub async fn fetch_model(
        &self,
        source: String,
        #[wasm_bindgen(unchecked_param_type = "((progress: DownloadProgress) => void) | undefined")]
        on_progress: Option<Function>,
    ) -> Result<JsValue, JsError> {
        let source = if source.contains("://") || source.starts_with('/') || source.starts_with('.') {
            ModelSource::Folder { url: absolute(&source) }
        } else {
            ModelSource::Hub { id: source, revision: None }
        };
        let files = fetch_model(&source, &mut |p| call(&on_progress, &Event::Download(p))).await.map_err(js_error)?;
        let summary = self.session.try_borrow_mut().map_err(|_| busy())?.load_model(files).map_err(js_error)?;
        js(&summary)
    }

    /// Forgets every model file this site cached.
    #[wasm_bindgen(js_name = clearModelCache)]
    pub async fn clear_model_cache() -> bool {
        clear_cache().await
    }

    /// Parses a dataset; problems come back by line in the summary's diagnostics.
    #[wasm_bindgen(js_name = loadDataset, unchecked_return_type = "DatasetSummary")]
    pub fn load_dataset(
        &self,
        #[wasm_bindgen(unchecked_param_type = "DatasetRequest")] request: JsValue,
    ) -> Result<JsValue, JsError> {
        let request: DatasetRequest = from_js(request).map_err(|e| js_error(format!("loadDataset: {e}")))?;
        let summary = self.session.try_borrow_mut().map_err(|_| busy())?.load_dataset(request).map_err(js_error)?;
        js(&summary)
    }

    /// Fine-tunes the loaded model on the loaded dataset; `onEvent` gets every step, epoch,
    /// pause and the end. Resolves when training ends (finished, stopped or early-stopped).
    pub async fn train(
        &self,
        #[wasm_bindgen(unchecked_param_type = "TrainConfig | undefined")] config: JsValue,
        #[wasm_bindgen(unchecked_param_type = "((event: TrainerEvent) => void) | undefined")] on_event: Option<
            Function,
        >,
    ) -> Result<(), JsError> {
        let config: TrainConfig = if config.is_undefined() || config.is_null() {
            TrainConfig::default()
        } else {
            from_js(config).map_err(|e| js_error(format!("train config: {e}")))?
        };
        let on_event = Rc::new(on_event);
        let emit_pause = Rc::clone(&on_event);
        let mut run = self.control.for_run(Rc::new(move |e| call(&emit_pause, &e)));
        let mut session = self.session.try_borrow_mut().map_err(|_| busy())?;
        session.train(config, &mut run, &mut |e| call(&on_event, &e)).await.map_err(js_error)
    }

    /// Pauses training after the step in progress.
    pub fn pause(&self) {
        self.control.pause();
    }

    pub fn resume(&self) {
        self.control.resume();
    }

    /// Stops training after the step in progress; the model keeps what it learnt so far.
    pub fn stop(&self) {
        self.control.resume();
        self.control.stop();
    }

    /// Class probabilities, or tagged words and entities, for one text.
    #[wasm_bindgen(unchecked_return_type = "Prediction")]
    pub async fn predict(&self, text: String) -> Result<JsValue, JsError> {
        let session = self.session.try_borrow().map_err(|_| busy())?;
        js(&session.predict(&text).await.map_err(js_error)?)
    }

    /// Scores the model on the dataset's `"dev"` (default) or `"test"` part.
    pub async fn evaluate(&self, split: Option<String>) -> Result<JsValue, JsError> {
        let split = match split.as_deref() {
            None | Some("dev") => Split::Dev,
            Some("test") => Split::Test,
            Some(other) => return Err(js_error(format!("evaluate: split must be \"dev\" or \"test\", not {other:?}"))),
        };
        let session = self.session.try_borrow().map_err(|_| busy())?;
        js(&session.evaluate(split).await.map_err(js_error)?)
    }

    /// The trained model as a Hugging Face folder that `transformers` loads as it is.
    #[wasm_bindgen(unchecked_return_type = "ModelFiles")]
    pub async fn export(&self) -> Result<JsValue, JsError> {
        let session = self.session.try_borrow().map_err(|_| busy())?;
        js(&session.export().await.map_err(js_error)?)
    }

    /// After a LoRA run, its adapters and head as a peft folder (`adapter_config.json`,
    /// `adapter_model.safetensors`) for `PeftModel.from_pretrained(base, folder)`, naming
    /// `base_model` (the Hub id the run started from) when given; `null` after full fine-tuning.
    #[wasm_bindgen(js_name = exportAdapter, unchecked_return_type = "AdapterFiles | null")]
    pub async fn export_adapter(&self, base_model: Option<String>) -> Result<JsValue, JsError> {
        let session = self.session.try_borrow().map_err(|_| busy())?;
        js(&session.export_adapter(base_model.as_deref()).await.map_err(js_error)?)
    }

    /// The last run as a Python project on transformers' Trainer: `train.py` with this run's
    /// recipe, seed, labels and LoRA settings, starting from `base_model` (a Hub id); the data,
    /// the head's initial weights, `requirements.txt`, and a README in `language` ("en" or
    /// "zh-Hans"; English otherwise).
    #[wasm_bindgen(js_name = exportProject, unchecked_return_type = "ProjectFile[]")]
    pub async fn export_project(&self, base_model: String, language: Option<String>) -> Result<JsValue, JsError> {
        let language = language.as_deref().and_then(Language::from_tag).unwrap_or_default();
        let session = self.session.try_borrow().map_err(|_| busy())?;
        js(&session.graduate(&base_model, language).await.map_err(js_error)?)
    }

    /// The trained model as ONNX for Transformers.js: fp32 and int8 graphs with the config and
    /// tokenizer files, laid out as `pipeline(task, folder)` loads them.
    #[wasm_bindgen(js_name = exportOnnx, unchecked_return_type = "OnnxFolder")]
    pub async fn export_onnx(&self) -> Result<JsValue, JsError> {
        let session = self.session.try_borrow().map_err(|_| busy())?;
        js(&session.export_onnx().await.map_err(js_error)?)
    }
}

/// A relative folder URL made absolute against the page (or worker) location.
fn absolute(url: &str) -> String {
    let base = js_sys::Reflect::get(&js_sys::global(), &"location".into())
        .ok()
        .and_then(|l| js_sys::Reflect::get(&l, &"href".into()).ok())
        .and_then(|h| h.as_string());
    match base.and_then(|b| web_sys::Url::new_with_base(url, &b).ok()) {
        Some(u) => u.href(),
        None => url.to_string(),
    }
}
