//! Tunelab: fine-tune a distilled BERT on your own GPU, in the browser tab or on the command
//! line. See README.md for the architecture.

pub mod browser;
pub mod core;
pub mod protocol;
#[cfg(target_arch = "wasm32")]
pub mod ui;

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
