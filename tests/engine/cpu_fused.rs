//! The fused CPU passes against burn's tensor ops: the same values and the same gradients.

use burn::module::Param;
use burn::nn::{LayerNorm, LayerNormConfig};
use burn::prelude::*;
use burn::tensor::activation::softmax;
use burn::tensor::TensorData;
use tunelab::core::model::dropout::{self, Dropout};
use tunelab::core::model::gelu_exact;
use tunelab::core::model::{cpu_add_norm, cpu_fused};

use crate::support::read_f32;

const TOLERANCE: f32 = 1e-5;

fn values<const D: usize>(shape: [usize; D], seed: usize, device: &Device) -> Tensor<D> {
    let n = shape.iter().product::<usize>();
    let v: Vec<f32> = (0..n).map(|i| ((i * 7919 + seed * 104_729) % 1000) as f32 / 250.0 - 2.0).collect();
    Tensor::from_data(TensorData::new(v, shape), device)
}

fn assert_close(what: &str, got: Vec<f32>, want: Vec<f32>) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!((g - w).abs() <= TOLERANCE * w.abs().max(1.0), "{what}[{i}]: fused {g}, tensor ops {w}");
    }
}

/// Output and input gradient of `f` under a weighted sum, so each output has its own gradient.
fn run<const D: usize>(x: Tensor<D>, weights: &Tensor<D>, f: impl Fn(Tensor<D>) -> Tensor<D>) -> (Vec<f32>, Vec<f32>) {
    if !x.device().is_autodiff() {
        return (read_f32(f(x).flatten::<1>(0, D - 1)), Vec::new());
    }
    let x = x.require_grad();
    let y = f(x.clone());
    let out = read_f32(y.clone().flatten::<1>(0, D - 1));
    let grads = (y * weights.clone()).sum().backward();
    (out, read_f32(x.grad(&grads).expect("x has a gradient").flatten::<1>(0, D - 1)))
}

fn norm(width: usize, device: &Device) -> LayerNorm {
    let mut norm = LayerNormConfig::new(width).with_epsilon(1e-12).init(device);
    norm.gamma = Param::from_tensor(values([width], 3, device).add_scalar(2.5));
    norm.beta = Some(Param::from_tensor(values([width], 4, device)));
    norm
}

fn check(device: &Device) {
    assert!(cpu_fused::applies_on(device), "the fused passes apply on {device:?}");
    let x = values([2, 3, 40], 1, device);
    let weights = values([2, 3, 40], 2, device);
    let (fused, reference) = (run(x.clone(), &weights, cpu_fused::gelu), run(x.clone(), &weights, gelu_exact));
    assert_close("gelu", fused.0, reference.0);
    assert_close("gelu dx", fused.1, reference.1);

    // One key column masked as attention masks padding.
    let mask = Tensor::<4>::zeros([2, 1, 1, 9], device)
        .slice_assign([0..2, 0..1, 0..1, 8..9], Tensor::full([2, 1, 1, 1], -3.4e38, device));
    let scores = values([2, 2, 9, 9], 5, device) + mask;
    let weights = values([2, 2, 9, 9], 6, device);
    let fused = run(scores.clone(), &weights, |s| cpu_fused::softmax(s, 3));
    let reference = run(scores.clone(), &weights, |s| softmax(s, 3));
    assert!(fused.0.iter().skip(8).step_by(9).all(|p| *p == 0.0), "masked keys get no attention");
    assert_close("softmax", fused.0, reference.0);
    assert_close("softmax dx", fused.1, reference.1);

    let weights = values([2, 3, 40], 7, device);
    let (fused_norm, reference_norm) = (norm(40, device), norm(40, device));
    let fused = run(x.clone(), &weights, |x| cpu_fused::layer_norm(&fused_norm, 1e-12, x));
    let reference = run(x.clone(), &weights, |x| reference_norm.forward(x));
    assert_close("layer norm", fused.0, reference.0);
    assert_close("layer norm dx", fused.1, reference.1);
    if device.is_autodiff() {
        let fused = affine_grads(&fused_norm, &x, &weights, |x| cpu_fused::layer_norm(&fused_norm, 1e-12, x));
        let reference = affine_grads(&reference_norm, &x, &weights, |x| reference_norm.forward(x));
        assert_close("layer norm dγ", fused.0, reference.0);
        assert_close("layer norm dβ", fused.1, reference.1);
    }
}

/// The gradients of `norm`'s γ and β through `forward`, under a weighted sum.
fn affine_grads(
    norm: &LayerNorm,
    x: &Tensor<3>,
    weights: &Tensor<3>,
    forward: impl Fn(Tensor<3>) -> Tensor<3>,
) -> (Vec<f32>, Vec<f32>) {
    let grads = (forward(x.clone()) * weights.clone()).sum().backward();
    let beta = norm.beta.as_ref().expect("beta").val();
    (read_f32(norm.gamma.val().grad(&grads).expect("dγ")), read_f32(beta.grad(&grads).expect("dβ")))
}

#[test]
fn training_on_the_cpu_backend_fuses_with_the_tensor_ops_values_and_gradients() {
    check(&Device::flex().autodiff());
}

#[test]
fn inference_on_the_cpu_backend_fuses_with_the_tensor_ops_values() {
    check(&Device::flex());
}

/// `norm(dropout(h) + residual)` in one step against the tensor ops, the masks drawn from the
/// same seed: the output, and the gradients of `h`, the residual, γ and β.
#[test]
fn a_blocks_dropout_residual_add_and_norm_match_the_tensor_ops_with_the_same_masks() {
    let device = Device::flex().autodiff();
    let [h, residual] = [8, 9].map(|seed| values([2, 3, 40], seed, &device).require_grad());
    let weights = values([2, 3, 40], 10, &device);
    let dropout = Dropout::new(0.25);
    let (fused_norm, reference_norm) = (norm(40, &device), norm(40, &device));
    dropout::seed(7);
    let fused = cpu_add_norm::add_norm(&fused_norm, 1e-12, &dropout, h.clone(), residual.clone());
    dropout::seed(7);
    let reference = reference_norm.forward(dropout.forward(h.clone()) + residual.clone());
    let flat = |t: Tensor<3>| read_f32(t.flatten::<1>(0, 2));
    assert_close("add & norm", flat(fused.clone()), flat(reference.clone()));
    let fused_grads = (fused * weights.clone()).sum().backward();
    let reference_grads = (reference * weights).sum().backward();
    let grad = |t: &Tensor<3>, grads| flat(t.grad(grads).expect("a gradient"));
    let dh = grad(&h, &fused_grads);
    assert!(dh.iter().any(|g| *g == 0.0), "the mask dropped some of h");
    assert_close("dh", dh, grad(&h, &reference_grads));
    assert_close("d residual", grad(&residual, &fused_grads), grad(&residual, &reference_grads));
    let affine = |norm: &LayerNorm, grads| {
        let beta = norm.beta.as_ref().expect("beta").val();
        (read_f32(norm.gamma.val().grad(grads).expect("dγ")), read_f32(beta.grad(grads).expect("dβ")))
    };
    let (fused_affine, reference_affine) =
        (affine(&fused_norm, &fused_grads), affine(&reference_norm, &reference_grads));
    assert_close("dγ", fused_affine.0, reference_affine.0);
    assert_close("dβ", fused_affine.1, reference_affine.1);

    let device = Device::flex();
    let [h, residual] = [8, 9].map(|seed| values([2, 3, 40], seed, &device));
    let plain_norm = norm(40, &device);
    let fused = cpu_add_norm::add_norm(&plain_norm, 1e-12, &dropout, h.clone(), residual.clone());
    assert_close("add & norm without autodiff", flat(fused), flat(plain_norm.forward(h + residual)));
}

#[test]
fn under_gradient_checkpointing_the_tensor_ops_run_instead() {
    let device = Device::flex().autodiff().gradient_checkpointing();
    assert!(!cpu_fused::applies_on(&device), "burn's recomputation needs its own steps");
    let x = values([2, 40], 1, &device).require_grad();
    let grads = cpu_fused::gelu(x.clone()).sum().backward();
    let reference = gelu_exact(x.clone()).sum().backward();
    assert_close("gelu dx", read_f32(x.grad(&grads).expect("dx")), read_f32(x.grad(&reference).expect("dx")));
}
