//! GELU and tanh written out from primitive tensor ops, so that autodiff differentiates the function
//! the forward pass computes.
//!
//! burn's `gelu` differentiates the tanh approximation whatever the forward used (slightly off
//! PyTorch's exact gradient), and its tanh overflows to NaN for large inputs on some WebGPU
//! implementations (SwiftShader): one large pre-activation turned a whole step's gradients
//! into NaN. These forms use erf and sigmoid, which stay finite. On the CPU backend the exact
//! form runs fused instead (`cpu_fused.rs`), one pass each way over host memory.

use burn::prelude::*;

/// HF `gelu`: `0.5 · x · (1 + erf(x / √2))`.
pub fn gelu_exact<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    let cdf = x.clone().div_scalar(std::f64::consts::SQRT_2).erf().add_scalar(1.0).mul_scalar(0.5);
    x * cdf
}

/// HF `gelu_new`: `0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 x³)))`, written as
/// `x · sigmoid(2 · √(2/π) · (x + 0.044715 x³))`, the same function without tanh.
pub fn gelu_tanh<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    let cube = x.clone() * x.clone() * x.clone();
    let scale = 2.0 * (2.0 / std::f64::consts::PI).sqrt();
    let z = (x.clone() + cube.mul_scalar(0.044715)).mul_scalar(scale);
    x * burn::tensor::activation::sigmoid(z)
}

/// `tanh(x)` as `2 · sigmoid(2x) − 1`: the pooler's activation, finite for any input.
pub fn tanh<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    burn::tensor::activation::sigmoid(x.mul_scalar(2.0)).mul_scalar(2.0).sub_scalar(1.0)
}
