//! What the page keeps in this browser's IndexedDB (`kept_store.js`), so that a reload or a
//! closed tab does not lose what took minutes to train: fine-tuned models, the latest
//! checkpoint of the run in progress, and My runs, all in one database.

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::core::model::Task;
use crate::core::task_model::ModelFiles;
use crate::core::train::TrainConfig;
use crate::i18n::{text, Language};
use crate::share::ResultCard;
use crate::tr;

/// Runs keep their model automatically up to this many; the next is kept once one is deleted
/// (nothing kept is ever removed without the user).
pub const MAX_KEPT: usize = 5;
/// My runs keeps this many of the latest runs.
pub const MAX_RUNS: usize = 20;

/// What the list shows of a kept model without reading its weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeptModel {
    /// Unique per run: the run's name and the moment it started.
    pub id: String,
    /// The run's name in "My runs" (a time stamp, worded when shown).
    pub name: String,
    pub task: Task,
    /// The best dev score of the run, when it had dev data.
    pub best: Option<f64>,
    pub bytes: usize,
}

#[wasm_bindgen(module = "/src/ui/kept_store.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = keptPut)]
    async fn kept_put(id: &str, meta: &str, config: &[u8], tokenizer: &[u8], weights: &[u8]) -> Result<(), JsValue>;
    #[wasm_bindgen(catch, js_name = keptList)]
    async fn kept_list() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = keptGet)]
    async fn kept_get(id: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = keptDelete)]
    async fn kept_delete(id: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(catch, js_name = storageEstimate)]
    async fn storage_estimate() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = checkpointPut)]
    async fn checkpoint_put(meta: &str, bytes: &js_sys::Uint8Array) -> Result<(), JsValue>;
    #[wasm_bindgen(catch, js_name = checkpointGet)]
    async fn checkpoint_get() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = checkpointClear)]
    async fn checkpoint_clear() -> Result<(), JsValue>;
    #[wasm_bindgen(catch, js_name = runsPut)]
    async fn runs_put(json: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(catch, js_name = runsGet)]
    async fn runs_get() -> Result<JsValue, JsValue>;
}

/// The run in progress as its latest checkpoint stands: what a reload offers to go on with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interrupted {
    pub step: usize,
    pub epoch: usize,
    pub total_steps: usize,
    pub config: TrainConfig,
    pub task: Task,
    /// The dataset the run was on, as its summary counts it (the offer stands only for the same).
    pub n_train: usize,
}

/// Keeps the latest checkpoint for a reload. A failure is the page's note: the run goes on.
pub async fn save_checkpoint(language: Language, run: &Interrupted, bytes: &js_sys::Uint8Array) -> Result<(), String> {
    let meta = serde_json::to_string(run).map_err(|e| e.to_string())?;
    checkpoint_put(&meta, bytes).await.map_err(|e| tr!(language, "train.checkpoint-not-kept", why = reason(&e).0))
}

/// The checkpoint a run left behind, if any reads.
pub async fn load_checkpoint() -> Option<(Interrupted, js_sys::Uint8Array)> {
    let pair = pair(checkpoint_get().await.ok()?)?;
    let run = serde_json::from_str(&pair.get(0).as_string()?).ok()?;
    Some((run, pair.get(1).dyn_into().ok()?))
}

/// Forgets the checkpoint: its run ended, or a new one started.
pub async fn clear_checkpoint() {
    // Nothing to tell: a checkpoint that stays is only offered for the same data, and replaced.
    let _ = checkpoint_clear().await;
}

/// The two-element array a JS helper answers with, or `None` for its `null` (nothing there):
/// `Array.from(null)` would throw inside the wasm call.
fn pair(value: JsValue) -> Option<js_sys::Array> {
    value.dyn_into::<js_sys::Array>().ok().filter(|a| a.length() == 2)
}

/// The browser's reason, and whether it is the storage being full.
fn reason(error: &JsValue) -> (String, bool) {
    let name = js_sys::Reflect::get(error, &"name".into()).ok().and_then(|n| n.as_string()).unwrap_or_default();
    let message = js_sys::Reflect::get(error, &"message".into()).ok().and_then(|m| m.as_string());
    let why = message.or_else(|| error.as_string()).unwrap_or_else(|| format!("{error:?}"));
    (why, name == "QuotaExceededError")
}

/// Keeps `files` under `meta.id`. A full storage says what to delete; the write is one
/// transaction, so a failed one leaves every model kept before as it was.
pub async fn put(language: Language, meta: &KeptModel, files: &ModelFiles) -> Result<(), String> {
    let text = serde_json::to_string(meta).map_err(|e| e.to_string())?;
    kept_put(&meta.id, &text, &files.config_json, &files.tokenizer_json, &files.model_safetensors).await.map_err(|e| {
        match reason(&e) {
            (_, true) => tr!(language, "model.saved-full", size = super::format::bytes(meta.bytes)),
            (why, false) => tr!(language, "model.saved-not-kept", why = why),
        }
    })
}

/// Every kept model, oldest first; entries that do not read are left out.
pub async fn list(language: Language) -> Result<Vec<KeptModel>, String> {
    let all = kept_list().await.map_err(|e| tr!(language, "model.saved-unreadable", why = reason(&e).0))?;
    let mut models: Vec<KeptModel> = js_sys::Array::from(&all)
        .iter()
        .filter_map(|meta| meta.as_string())
        .filter_map(|text| serde_json::from_str(&text).ok())
        .collect();
    models.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(models)
}

/// A kept model's files, ready for the worker.
pub async fn get(language: Language, id: &str) -> Result<ModelFiles, String> {
    let files = kept_get(id).await.map_err(|e| tr!(language, "model.saved-unreadable", why = reason(&e).0))?;
    let field = |name: &str| {
        js_sys::Reflect::get(&files, &name.into()).map(|v| js_sys::Uint8Array::new(&v).to_vec()).unwrap_or_default()
    };
    Ok(ModelFiles {
        config_json: field("config"),
        tokenizer_json: field("tokenizer"),
        model_safetensors: field("weights"),
    })
}

pub async fn delete(language: Language, id: &str) -> Result<(), String> {
    kept_delete(id).await.map_err(|e| tr!(language, "model.saved-unreadable", why = reason(&e).0))
}

/// (bytes used, bytes allowed) for this site, where the browser says.
pub async fn estimate() -> Option<(f64, f64)> {
    let pair = pair(storage_estimate().await.ok()?)?;
    Some((pair.get(0).as_f64()?, pair.get(1).as_f64()?))
}

/// Keeps My runs (trimmed to [`MAX_RUNS`] by the list); a full storage says to delete some.
pub async fn save_runs(language: Language, runs: &[ResultCard]) -> Result<(), String> {
    let json = serde_json::to_string(runs).map_err(|e| e.to_string())?;
    runs_put(&json).await.map_err(|e| match reason(&e) {
        (_, true) => text(language, "page.runs-storage-full", &[]),
        (why, false) => tr!(language, "page.runs-not-kept", why = why),
    })
}

/// My runs; a list a page before this one kept in localStorage is moved here once.
pub async fn load_runs(language: Language) -> Result<Vec<ResultCard>, String> {
    let unreadable = |why: String| tr!(language, "page.runs-unreadable", why = why);
    let stored = runs_get().await.map_err(|e| unreadable(reason(&e).0))?;
    if let Some(json) = stored.as_string() {
        return serde_json::from_str(&json).map_err(|e| unreadable(e.to_string()));
    }
    let Some(old) = super::saved::old_runs() else { return Ok(Vec::new()) };
    save_runs(language, &old).await?;
    super::saved::forget_old_runs();
    Ok(old)
}
