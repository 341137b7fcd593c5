//! Protocol values to and from JS: plain objects (maps as objects, bytes as `Uint8Array`), and
//! the buffers inside a message that `postMessage` should transfer rather than copy.

use js_sys::{Array, Object, Uint8Array};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};

/// A protocol value as a plain JS object.
pub fn to_js<T: Serialize>(value: &T) -> Result<JsValue, String> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value.serialize(&serializer).map_err(|e| format!("could not convert to a JS value: {e}"))
}

/// A JS object read as a protocol value; the error names the field that did not fit.
pub fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T, String> {
    serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
}

/// The `ArrayBuffer`s of the `Uint8Array`s in `value`, looked for up to three levels deep
/// (where the protocol puts its byte fields).
pub fn transferables(value: &JsValue) -> Array {
    let found = Array::new();
    collect(value, 3, &found);
    found
}

fn collect(value: &JsValue, depth: usize, found: &Array) {
    if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        let buffer = bytes.buffer();
        // A buffer listed twice makes postMessage throw.
        if !found.includes(&buffer, 0) {
            found.push(&buffer);
        }
        return;
    }
    if depth == 0 || !value.is_object() || Array::is_array(value) {
        return;
    }
    for entry in Object::values(value.unchecked_ref()).iter() {
        collect(&entry, depth - 1, found);
    }
}
