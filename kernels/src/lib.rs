//! Fused element-wise chains of a BERT layer over contiguous host `f32` rows (GELU, softmax
//! and LayerNorm, forward and backward), the dense layer's products written straight into
//! their outputs, attention's core and embedding lookups with their gradients, and AdamW's
//! update: each one pass over memory instead of a chain of tensor ops (each a pass and an
//! allocation).
//!
//! The crate knows nothing of burn or of tensors: slices in, vectors out. Work is split into
//! fixed blocks of whole rows, run in parallel natively and in order on wasm32; every sum over
//! rows is reduced in block order, so results do not depend on the number of threads.

pub mod adamw;
pub mod attention;
pub mod dropout;
pub mod embedding;
mod fresh;
pub mod gelu;
pub mod layer_norm;
pub mod linear;
mod math;
pub mod random;
mod rows;
pub mod softmax;
