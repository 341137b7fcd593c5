//! The engine: pure Rust, native and wasm32 alike. Knows nothing of the browser or the
//! terminal, and never blocks on a device read.

pub mod backend;
pub mod data;
pub mod evaluate;
pub mod graduate;
pub mod heap;
pub mod metrics;
pub mod metrics_files;
pub mod model;
pub mod model_zip;
pub mod onnx;
pub mod predict;
pub mod rng;
pub mod task_model;
pub mod tokenize;
pub mod train;
