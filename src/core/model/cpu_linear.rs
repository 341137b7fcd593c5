//! The dense layer `x·W + b` on the CPU backend (flex) as one matrix product each way
//! (`tunelab_kernels::linear`), registered under autodiff as a backward step of our own.
//!
//! Through burn's ops, every product's output is allocated zeroed and copied once more into
//! an aligned buffer, and the bias adds a pass forward and a reduction op backward: about a
//! sixth of a CPU training step went to that memory traffic, on one thread. A gradient that no
//! parent needs (a frozen weight, a frozen input) is not computed. Every other device, and flex
//! under gradient checkpointing, keeps burn's `linear`.

use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::TensorData;
use burn_backend::tensor::FloatTensor;
use burn_dispatch::backends::autodiff::checkpoint::base::Checkpointer;
use burn_dispatch::backends::autodiff::grads::Gradients;
use burn_dispatch::backends::autodiff::ops::{Backward, Ops};
use burn_dispatch::backends::flex::FlexTensor;
use burn_dispatch::backends::Flex;
use tunelab_kernels::linear::{self as pass, Dims};

use super::cpu_fused::{on_host, record, HostRows, OnHost, Tracked};

/// `layer.forward(x)`.
pub fn dense<const D: usize>(layer: &Linear, x: Tensor<D>) -> Tensor<D> {
    linear(x, layer.weight.val(), layer.bias.as_ref().map(|b| b.val()))
}

/// `x·weight + bias`, as burn's `linear`: `x` is `[.., inputs]`, `weight` `[inputs, outputs]`.
pub fn linear<const D: usize>(x: Tensor<D>, weight: Tensor<2>, bias: Option<Tensor<1>>) -> Tensor<D> {
    let [inputs, outputs] = weight.dims();
    if x.dims()[D - 1] != inputs {
        return burn::tensor::module::linear(x, weight, bias);
    }
    let host = (on_host(&x), on_host(&weight), bias.as_ref().map(on_host));
    match host {
        (Some(OnHost::Tracked(x)), Some(OnHost::Tracked(w)), None) => {
            Tensor::from_primitive::<Tracked>(tracked(x, w, None, outputs))
        }
        (Some(OnHost::Tracked(x)), Some(OnHost::Tracked(w)), Some(Some(OnHost::Tracked(b)))) => {
            Tensor::from_primitive::<Tracked>(tracked(x, w, Some(b), outputs))
        }
        (Some(OnHost::Plain(x)), Some(OnHost::Plain(w)), None) => {
            Tensor::from_primitive::<Flex>(plain(x, w, None, outputs))
        }
        (Some(OnHost::Plain(x)), Some(OnHost::Plain(w)), Some(Some(OnHost::Plain(b)))) => {
            Tensor::from_primitive::<Flex>(plain(x, w, Some(b), outputs))
        }
        _ => burn::tensor::module::linear(x, weight, bias),
    }
}

fn dims(x: &HostRows, weight: &HostRows, outputs: usize) -> Dims {
    let inputs = weight.values().len() / outputs.max(1);
    Dims { rows: x.values().len() / inputs.max(1), inputs, outputs }
}

fn plain(x: FlexTensor, weight: FlexTensor, bias: Option<FlexTensor>, outputs: usize) -> FlexTensor {
    let (x, weight, bias) = (HostRows::new(x), HostRows::new(weight), bias.map(HostRows::new));
    let y = pass::forward(x.values(), weight.values(), bias.as_ref().map(HostRows::values), dims(&x, &weight, outputs));
    x.with_last(y, outputs)
}

fn tracked(
    x: FloatTensor<Tracked>,
    weight: FloatTensor<Tracked>,
    bias: Option<FloatTensor<Tracked>>,
    outputs: usize,
) -> FloatTensor<Tracked> {
    // The input is read only for the weight's gradient, and the weight only for the input's.
    let (x_tracked, weight_tracked) = (x.is_tracked(), weight.is_tracked());
    let ((x, x_guard), (weight, weight_guard)) = (x.into_parts(), weight.into_parts());
    let (x, weight) = (HostRows::new(x), HostRows::new(weight));
    let dims = dims(&x, &weight, outputs);
    let (bias, bias_guard) = match bias.map(FloatTensor::<Tracked>::into_parts) {
        Some((bias, guard)) => (Some(HostRows::new(bias)), Some(guard)),
        None => (None, None),
    };
    let y = x.with_last(pass::forward(x.values(), weight.values(), bias.as_ref().map(HostRows::values), dims), outputs);
    let state = LinearState {
        input_shape: x.shape(),
        input: weight_tracked.then_some(x),
        weight: x_tracked.then_some(weight),
        dims,
    };
    let state = move |_: &FlexTensor| state;
    match bias_guard {
        None => record(LinearBackward, [x_guard, weight_guard], state, y),
        Some(bias_guard) => record(LinearBackward, [x_guard, weight_guard, bias_guard], state, y),
    }
}

#[derive(Debug)]
struct LinearBackward;

/// What the backward reads: the input for the weight's gradient, the weight for the input's,
/// each kept only where that gradient is wanted.
#[derive(Debug, Clone)]
struct LinearState {
    input: Option<HostRows>,
    weight: Option<HostRows>,
    input_shape: Shape,
    dims: Dims,
}

impl<const N: usize> Backward<Flex, N> for LinearBackward {
    type State = LinearState;

    fn backward(self, ops: Ops<Self::State, N>, grads: &mut Gradients, _: &mut Checkpointer) {
        let dy = HostRows::new(grads.consume::<Flex>(&ops.node));
        let LinearState { input, weight, input_shape, dims } = ops.state;
        let mut parents = ops.parents.into_iter();
        let (x_node, w_node, b_node) = (parents.next().flatten(), parents.next().flatten(), parents.next().flatten());
        if let (Some(node), Some(weight)) = (x_node, weight) {
            let dx = pass::input_grad(dy.values(), weight.values(), dims);
            grads.register::<Flex>(node.id, FlexTensor::from_data(TensorData::new(dx, input_shape)));
        }
        if let (Some(node), Some(input)) = (w_node, input) {
            let dw = pass::weight_grad(input.values(), dy.values(), dims);
            grads.register::<Flex>(node.id, FlexTensor::from_data(TensorData::new(dw, [dims.inputs, dims.outputs])));
        }
        if let Some(node) = b_node {
            let db = pass::bias_grad(dy.values(), dims);
            grads.register::<Flex>(node.id, FlexTensor::from_data(TensorData::new(db, [dims.outputs])));
        }
    }
}
