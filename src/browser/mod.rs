//! The browser layer: device selection, the worker body, downloads and JS glue.
//!
//! `session` is plain Rust (native tests drive it); everything else needs a browser.

pub mod session;

#[cfg(target_arch = "wasm32")]
pub mod control;
#[cfg(target_arch = "wasm32")]
pub mod fetch;
#[cfg(target_arch = "wasm32")]
pub mod gpu;
#[cfg(target_arch = "wasm32")]
pub mod message;
#[cfg(target_arch = "wasm32")]
pub mod timer;
#[cfg(target_arch = "wasm32")]
pub mod worker;
