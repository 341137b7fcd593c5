//! Tunelab: fine-tune a distilled BERT on your own GPU, in the browser tab or on the command
//! line. See README.md for the architecture.

pub mod core;

#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
