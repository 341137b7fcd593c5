//! Model downloads: the three files of a folder URL or a Hugging Face Hub id, with progress,
//! kept in the browser's Cache Storage so that a second visit needs no network.

use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, CacheStorage, Response};

use super::gpu::describe_js_error;
use crate::core::model::BertConfig;
use crate::core::task_model::ModelFiles;
use crate::protocol::{DownloadProgress, ModelSource};

/// The Cache Storage bucket that holds downloaded model files, keyed by URL.
pub const CACHE_NAME: &str = "tunelab-models-v1";

/// Why a model could not be fetched; every variant names the URL.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: not found (HTTP 404). {hint}")]
    NotFound { url: String, hint: String },
    #[error("{url}: access refused (HTTP {status}); only public models can be fetched")]
    Refused { url: String, status: u16 },
    #[error("{url}: the server answered HTTP {status} {status_text}")]
    Http { url: String, status: u16, status_text: String },
    #[error(
        "{url}: could not be downloaded: the network is down, or the server does not allow cross-origin \
         reads (CORS) ({detail})"
    )]
    Network { url: String, detail: String },
    #[error("{url}: the download broke off: {detail}")]
    Read { url: String, detail: String },
    #[error("{url}: {detail}")]
    Refusal { url: String, detail: String },
}

/// Downloads (or reads from the cache) `config.json`, `tokenizer.json` and `model.safetensors`.
/// The config is checked before the weights are downloaded, so a model the core refuses costs
/// one small request.
pub async fn fetch_model(
    source: &ModelSource,
    on_progress: &mut dyn FnMut(DownloadProgress),
) -> Result<ModelFiles, FetchError> {
    let cache = open_cache().await;
    let mut get = async |file: &str| {
        let url = source.file_url(file);
        let hint = missing_hint(source, file);
        fetch_file(&url, file, &hint, cache.as_ref(), on_progress).await
    };
    let config_json = get(ModelFiles::CONFIG).await?;
    if let Err(e) = BertConfig::from_json_bytes(&config_json) {
        return Err(FetchError::Refusal { url: source.file_url(ModelFiles::CONFIG), detail: e.to_string() });
    }
    let tokenizer_json = get(ModelFiles::TOKENIZER).await?;
    let model_safetensors = get(ModelFiles::WEIGHTS).await?;
    Ok(ModelFiles { config_json, tokenizer_json, model_safetensors })
}

fn missing_hint(source: &ModelSource, file: &str) -> String {
    match (source, file) {
        (ModelSource::Hub { .. }, ModelFiles::CONFIG) => "Check the model id (owner/name) and its revision.".into(),
        (ModelSource::Hub { .. }, ModelFiles::TOKENIZER) => {
            "The model has no tokenizer.json (a fast tokenizer), which Tunelab needs.".into()
        }
        (ModelSource::Hub { .. }, _) => {
            "The model has no model.safetensors (perhaps only PyTorch .bin weights), which Tunelab needs.".into()
        }
        (ModelSource::Folder { .. }, _) => format!(
            "The folder must hold config.json, tokenizer.json and model.safetensors; {file} is missing \
             (for the site's own models, run `cargo xtask models`)."
        ),
    }
}

async fn open_cache() -> Option<Cache> {
    let caches = Reflect::get(&js_sys::global(), &JsValue::from_str("caches")).ok()?;
    let caches: CacheStorage = caches.dyn_into().ok()?;
    JsFuture::from(caches.open(CACHE_NAME)).await.ok()?.dyn_into().ok()
}

/// Removes every cached model file; returns whether there was a cache to remove.
pub async fn clear_cache() -> bool {
    let Some(caches) = Reflect::get(&js_sys::global(), &JsValue::from_str("caches"))
        .ok()
        .and_then(|c| c.dyn_into::<CacheStorage>().ok())
    else {
        return false;
    };
    JsFuture::from(caches.delete(CACHE_NAME)).await.ok().and_then(|v| v.as_bool()).unwrap_or(false)
}

async fn fetch_file(
    url: &str,
    file: &str,
    hint: &str,
    cache: Option<&Cache>,
    on_progress: &mut dyn FnMut(DownloadProgress),
) -> Result<Vec<u8>, FetchError> {
    let progress = |loaded: u64, total: Option<u64>, cached: bool, done: bool| DownloadProgress {
        file: file.to_string(),
        url: url.to_string(),
        loaded,
        total,
        cached,
        done,
    };
    if let Some(cache) = cache {
        if let Some(hit) = cached_response(cache, url).await {
            if let Ok(bytes) = read_all(&hit).await {
                let n = bytes.len() as u64;
                on_progress(progress(n, Some(n), true, true));
                return Ok(bytes);
            }
        }
    }
    let response = request(url).await?;
    match response.status() {
        200..=299 => {}
        404 => return Err(FetchError::NotFound { url: url.into(), hint: hint.into() }),
        status @ (401 | 403) => return Err(FetchError::Refused { url: url.into(), status }),
        status => {
            return Err(FetchError::Http { url: url.into(), status, status_text: response.status_text() });
        }
    }
    let total = body_length(&response);
    on_progress(progress(0, total, false, false));
    let bytes = read_streamed(&response, url, &mut |loaded| on_progress(progress(loaded, total, false, false))).await?;
    on_progress(progress(bytes.len() as u64, total, false, true));
    if let Some(cache) = cache {
        store(cache, url, &bytes).await;
    }
    Ok(bytes)
}

async fn cached_response(cache: &Cache, url: &str) -> Option<Response> {
    let found = JsFuture::from(cache.match_with_str(url)).await.ok()?;
    found.dyn_into::<Response>().ok()
}

/// A failed `put` (storage full, private mode) only costs the next visit a download.
async fn store(cache: &Cache, url: &str, bytes: &[u8]) {
    let body = Uint8Array::from(bytes);
    let Ok(response) = Response::new_with_opt_buffer_source(Some(&body)) else { return };
    if let Err(e) = JsFuture::from(cache.put_with_str(url, &response)).await {
        web_sys::console::warn_1(&format!("not cached: {url}: {}", describe_js_error(&e)).into());
    }
}

async fn request(url: &str) -> Result<Response, FetchError> {
    let network = |detail: String| FetchError::Network { url: url.into(), detail };
    let fetch = Reflect::get(&js_sys::global(), &JsValue::from_str("fetch"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| network("this context has no fetch()".into()))?;
    let promise: Promise = fetch
        .call1(&JsValue::NULL, &JsValue::from_str(url))
        .map_err(|e| network(describe_js_error(&e)))?
        .dyn_into()
        .map_err(|_| network("fetch() did not return a promise".into()))?;
    let response = JsFuture::from(promise).await.map_err(|e| network(describe_js_error(&e)))?;
    response.dyn_into().map_err(|_| network("fetch() did not give a Response".into()))
}

async fn read_all(response: &Response) -> Result<Vec<u8>, JsValue> {
    let buffer = JsFuture::from(response.array_buffer()?).await?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// The length of the body as read: the `Content-Length`, unless the server sent it compressed
/// (`Content-Encoding`), when the header counts the compressed bytes and the read ones are more.
fn body_length(response: &Response) -> Option<u64> {
    let header = |name: &str| response.headers().get(name).ok().flatten();
    let encoded = header("content-encoding").is_some_and(|e| !e.trim().eq_ignore_ascii_case("identity"));
    header("content-length").and_then(|v| v.parse::<u64>().ok()).filter(|_| !encoded)
}

/// Reads the body chunk by chunk, reporting the byte count at most once per percent (or MiB).
async fn read_streamed(response: &Response, url: &str, on_loaded: &mut dyn FnMut(u64)) -> Result<Vec<u8>, FetchError> {
    let broken = |detail: String| FetchError::Read { url: url.into(), detail };
    let Some(body) = response.body() else { return Ok(Vec::new()) };
    let reader: web_sys::ReadableStreamDefaultReader =
        body.get_reader().dyn_into().map_err(|_| broken("the body has no reader".into()))?;
    let total = body_length(&response);
    let step = total.map_or(1 << 20, |t| (t / 100).max(1 << 16));
    let mut bytes = Vec::with_capacity(total.unwrap_or(0).min(1 << 31) as usize);
    let mut reported = 0u64;
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(|e| broken(describe_js_error(&e)))?;
        if Reflect::get(&chunk, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true) {
            break;
        }
        let value = Reflect::get(&chunk, &"value".into()).map_err(|e| broken(describe_js_error(&e)))?;
        let chunk: Uint8Array = value.dyn_into().map_err(|_| broken("a chunk was not bytes".into()))?;
        let start = bytes.len();
        bytes.resize(start + chunk.length() as usize, 0);
        chunk.copy_to(&mut bytes[start..]);
        if bytes.len() as u64 - reported >= step {
            reported = bytes.len() as u64;
            on_loaded(reported);
        }
    }
    Ok(bytes)
}
