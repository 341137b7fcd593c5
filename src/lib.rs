//! Tunelab: fine-tune a distilled BERT on your own GPU, in the browser tab or on the command
//! line. See README.md for the architecture.

pub mod browser;
pub mod core;
pub mod i18n;
pub mod protocol;
pub mod share;
pub mod ui;

/// The JS package's exports; behind a feature so that the page and the worker, which link this
/// library too, do not carry them (wasm-bindgen exports are never stripped).
#[cfg(all(target_arch = "wasm32", feature = "js-api"))]
pub mod api;
#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
