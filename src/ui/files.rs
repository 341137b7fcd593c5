//! Browser files to bytes, and bytes to a download.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, File, FileList, HtmlAnchorElement, Response, Url};

use super::worker_link::describe;
use crate::i18n::Language;
use crate::tr;

/// The files of a `<input type=file>` or a drop.
pub fn list(files: Option<FileList>) -> Vec<File> {
    let Some(files) = files else { return Vec::new() };
    (0..files.length()).filter_map(|i| files.get(i)).collect()
}

/// A file's whole content.
pub async fn read(language: Language, file: &File) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| tr!(language, "data.file-unreadable", name = file.name(), why = describe(&e)))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// The bytes at `url`, or what went wrong (a server that refuses cross-origin reads looks like
/// a network failure to the page, so the message names both).
pub async fn fetch(language: Language, url: &str) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or_else(|| tr!(language, "data.fetch-no-window"))?;
    let failed = |why: String| tr!(language, "data.fetch-failed", url = url, why = why);
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|e| failed(tr!(language, "data.fetch-network", why = describe(&e))))?;
    let response: Response = response.dyn_into().map_err(|_| failed(tr!(language, "data.fetch-no-response")))?;
    if !response.ok() {
        let (status, text) = (response.status(), response.status_text());
        return Err(failed(tr!(language, "data.fetch-status", status = status, text = text)));
    }
    let buffer = response.array_buffer().map_err(|e| failed(describe(&e)))?;
    let buffer = JsFuture::from(buffer).await.map_err(|e| failed(describe(&e)))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Offers `bytes` to the user as a download named `name`.
pub fn save(language: Language, bytes: &[u8], name: &str, mime: &str) -> Result<(), String> {
    let failed = |e: wasm_bindgen::JsValue| tr!(language, "data.save-failed", name = name, why = describe(&e));
    let parts = Array::of1(&Uint8Array::from(bytes));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(failed)?;
    let url = Url::create_object_url_with_blob(&blob).map_err(failed)?;
    let document =
        web_sys::window().and_then(|w| w.document()).ok_or_else(|| tr!(language, "data.save-no-document"))?;
    let anchor: HtmlAnchorElement = document.create_element("a").map_err(failed)?.unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    // The browser has started the download from the URL; it may go after a grace period.
    leptos::prelude::set_timeout(move || drop(Url::revoke_object_url(&url)), std::time::Duration::from_secs(60));
    Ok(())
}
