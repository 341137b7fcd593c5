//! GELU, softmax and LayerNorm as one host pass each way on the CPU backend (flex), through
//! burn's backend-extension seam: the tensor's flex primitive is taken out, `tunelab-kernels`
//! runs over its memory, and under autodiff a backward step of our own is registered.
//!
//! Under autodiff burn decomposes these into chains of element-wise tensor ops (LayerNorm: a
//! dozen), each a pass, an allocation and a retained tensor: most of a CPU step's time outside
//! the matrix products. Every other device (a GPU, or flex under gradient checkpointing, whose
//! recomputation needs burn's own steps) keeps the tensor ops, so nothing is read back.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use burn::nn::LayerNorm;
use burn::prelude::*;
use burn::tensor::{DType, TensorData};
use burn_backend::tensor::FloatTensor;
use burn_dispatch::backends::autodiff::checkpoint::{base::Checkpointer, strategy::NoCheckpointing};
use burn_dispatch::backends::autodiff::grads::Gradients;
use burn_dispatch::backends::autodiff::ops::{unary, Backward, NodeGuard, Ops, OpsKind};
use burn_dispatch::backends::flex::FlexTensor;
use burn_dispatch::backends::{Autodiff, Flex};
use tunelab_kernels::{gelu as gelu_pass, layer_norm as layer_norm_pass, softmax as softmax_pass};

use super::activation::gelu_exact;

/// Flex under autodiff without gradient checkpointing: the training path.
pub(super) type Tracked = Autodiff<Flex>;

/// Set: every device runs the tensor ops, for the whole process.
static TENSOR_OPS_ONLY: AtomicBool = AtomicBool::new(false);

/// Turns the fused passes off (`true`) or back on for the whole process: a benchmark's
/// baseline (`tunelab train --cpu-tensor-ops`).
pub fn use_tensor_ops(yes: bool) {
    TENSOR_OPS_ONLY.store(yes, Ordering::Relaxed);
}

/// Whether the fused passes run for `f32` tensors on `device`.
pub fn applies_on(device: &Device) -> bool {
    on_host(&Tensor::<1>::zeros([1], (device, DType::F32))).is_some()
}

/// HF `gelu` (exact erf form), as [`gelu_exact`].
pub fn gelu<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    const GELU: RowOp = RowOp {
        forward: |x| gelu_pass::forward(x.values()),
        backward: |x, dy| gelu_pass::backward(x.values(), dy.values()),
        keeps: Keeps::Input,
    };
    GELU.apply(x).unwrap_or_else(gelu_exact)
}

/// Softmax over `dim`, as burn's `softmax`; fused when `dim` is the last dimension.
pub fn softmax<const D: usize>(x: Tensor<D>, dim: usize) -> Tensor<D> {
    const SOFTMAX: RowOp = RowOp {
        forward: |x| softmax_pass::forward(x.values(), x.row_len()),
        backward: |y, dy| softmax_pass::backward(y.values(), dy.values(), y.row_len()),
        keeps: Keeps::Output,
    };
    let fused = if dim + 1 == D { SOFTMAX.apply(x) } else { Err(x) };
    fused.unwrap_or_else(|x| burn::tensor::activation::softmax(x, dim))
}

/// `norm` applied to `x`, as `norm.forward(x)`. `eps` is the norm's own (burn keeps it private).
pub fn layer_norm<const D: usize>(norm: &LayerNorm, eps: f64, x: Tensor<D>) -> Tensor<D> {
    let beta = match &norm.beta {
        Some(beta) => beta.val(),
        None => return norm.forward(x),
    };
    let gamma = norm.gamma.val();
    let inputs = (on_host(&x), on_host(&gamma), on_host(&beta));
    match inputs {
        (Some(OnHost::Tracked(x)), Some(OnHost::Tracked(gamma)), Some(OnHost::Tracked(beta))) => {
            Tensor::from_primitive::<Tracked>(layer_norm_tracked(x, gamma, beta, eps as f32))
        }
        (Some(OnHost::Plain(x)), Some(OnHost::Plain(gamma)), Some(OnHost::Plain(beta))) => {
            let (x, gamma, beta) = (HostRows::new(x), HostRows::new(gamma), HostRows::new(beta));
            let (y, _) = layer_norm_pass::forward(x.values(), gamma.values(), beta.values(), eps as f32);
            Tensor::from_primitive::<Flex>(x.same_shape(y))
        }
        _ => norm.forward(x),
    }
}

/// A tensor's primitive when the fused passes apply to it.
pub(super) enum OnHost {
    Tracked(FloatTensor<Tracked>),
    Plain(FlexTensor),
}

pub(super) fn on_host<const D: usize>(x: &Tensor<D>) -> Option<OnHost> {
    if x.dtype() != DType::F32 || TENSOR_OPS_ONLY.load(Ordering::Relaxed) {
        return None;
    }
    if let Ok(t) = x.clone().try_into_primitive::<Tracked>() {
        return Some(OnHost::Tracked(t));
    }
    x.clone().try_into_primitive::<Flex>().ok().map(OnHost::Plain)
}

/// A flex tensor as contiguous `f32` rows (along its last dimension).
#[derive(Debug, Clone)]
pub(super) struct HostRows {
    tensor: FlexTensor,
    start: usize,
    end: usize,
}

impl HostRows {
    pub(super) fn new(tensor: FlexTensor) -> Self {
        let tensor = match tensor.dtype() {
            DType::F32 => tensor.to_contiguous(),
            // Gradients carry the forward's dtype, which `on_host` checked; kept total anyway.
            _ => FlexTensor::from_data(tensor.into_data().convert::<f32>()),
        };
        let (start, end) = tensor.layout().contiguous_offsets().unwrap_or((0, 0));
        Self { tensor, start, end }
    }

    pub(super) fn values(&self) -> &[f32] {
        &self.tensor.storage::<f32>()[self.start..self.end]
    }

    fn row_len(&self) -> usize {
        self.tensor.layout().shape().last().copied().unwrap_or(1).max(1)
    }

    /// `values` as a tensor of this one's shape.
    pub(super) fn same_shape(&self, values: Vec<f32>) -> FlexTensor {
        FlexTensor::from_data(TensorData::new(values, self.shape()))
    }

    pub(super) fn shape(&self) -> Shape {
        self.tensor.layout().shape().clone()
    }

    /// `values` as a tensor of this one's shape with the last dimension `last`.
    pub(super) fn with_last(&self, values: Vec<f32>, last: usize) -> FlexTensor {
        let mut shape = self.shape();
        if let Some(dim) = shape.last_mut() {
            *dim = last;
        }
        FlexTensor::from_data(TensorData::new(values, shape))
    }
}

/// Which tensor a [`RowOp`]'s backward reads.
#[derive(Debug, Clone, Copy)]
enum Keeps {
    Input,
    Output,
}

/// A one-input pass over rows with its backward: `backward(kept, dy)` gives the input's gradient.
#[derive(Debug, Clone, Copy)]
struct RowOp {
    forward: fn(&HostRows) -> Vec<f32>,
    backward: fn(&HostRows, &HostRows) -> Vec<f32>,
    keeps: Keeps,
}

impl RowOp {
    /// The pass over `x`, or `x` back when it is not on the host.
    fn apply<const D: usize>(self, x: Tensor<D>) -> Result<Tensor<D>, Tensor<D>> {
        match on_host(&x) {
            Some(OnHost::Tracked(t)) => Ok(Tensor::from_primitive::<Tracked>(self.tracked(t))),
            Some(OnHost::Plain(t)) => {
                let x = HostRows::new(t);
                Ok(Tensor::from_primitive::<Flex>(x.same_shape((self.forward)(&x))))
            }
            None => Err(x),
        }
    }

    fn tracked(self, x: FloatTensor<Tracked>) -> FloatTensor<Tracked> {
        let (primitive, guard) = x.into_parts();
        let x = HostRows::new(primitive);
        let y = x.same_shape((self.forward)(&x));
        let keeps = self.keeps;
        let kept = move |y: &FlexTensor| match keeps {
            Keeps::Input => x,
            Keeps::Output => HostRows::new(y.clone()),
        };
        record(self, [guard], kept, y)
    }
}

impl Backward<Flex, 1> for RowOp {
    type State = HostRows;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let kept = ops.state;
        unary::<Flex, _>(ops.parents, ops.node, grads, |grad| {
            kept.same_shape((self.backward)(&kept, &HostRows::new(grad)))
        });
    }
}

#[derive(Debug)]
struct LayerNormBackward;

/// What the LayerNorm backward reads: the input, `γ`, and each row's statistics.
#[derive(Debug, Clone)]
struct LayerNormState {
    input: HostRows,
    gamma: HostRows,
    stats: Arc<layer_norm_pass::RowStats>,
}

impl Backward<Flex, 3> for LayerNormBackward {
    type State = LayerNormState;

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [x_node, gamma_node, beta_node] = ops.parents;
        let grad = HostRows::new(grads.consume::<Flex>(&ops.node));
        let state = ops.state;
        let computed =
            layer_norm_pass::backward(state.input.values(), state.gamma.values(), &state.stats, grad.values());
        if let Some(node) = x_node {
            grads.register::<Flex>(node.id, state.input.same_shape(computed.input));
        }
        if let Some(node) = gamma_node {
            grads.register::<Flex>(node.id, state.gamma.same_shape(computed.gamma));
        }
        if let Some(node) = beta_node {
            grads.register::<Flex>(node.id, state.gamma.same_shape(computed.beta));
        }
    }
}

fn layer_norm_tracked(
    x: FloatTensor<Tracked>,
    gamma: FloatTensor<Tracked>,
    beta: FloatTensor<Tracked>,
    eps: f32,
) -> FloatTensor<Tracked> {
    let (x, x_guard) = x.into_parts();
    let (gamma, gamma_guard) = gamma.into_parts();
    let (beta, beta_guard) = beta.into_parts();
    let (x, gamma, beta) = (HostRows::new(x), HostRows::new(gamma), HostRows::new(beta));
    let (y, stats) = layer_norm_pass::forward(x.values(), gamma.values(), beta.values(), eps);
    let y = x.same_shape(y);
    let state = move |_: &FlexTensor| LayerNormState { input: x, gamma, stats: Arc::new(stats) };
    record(LayerNormBackward, [x_guard, gamma_guard, beta_guard], state, y)
}

/// `output` as the result of `step` over `parents` under autodiff. `state` (given the output)
/// is built only when a parent wants a gradient, so an untracked step keeps nothing alive.
pub(super) fn record<S: Backward<Flex, N>, const N: usize>(
    step: S,
    parents: [NodeGuard; N],
    state: impl FnOnce(&FlexTensor) -> S::State,
    output: FlexTensor,
) -> FloatTensor<Tracked> {
    match step.prepare::<NoCheckpointing>(parents).compute_bound().stateful() {
        OpsKind::Tracked(prep) => prep.finish(state(&output), output),
        OpsKind::UnTracked(prep) => prep.finish(output),
    }
}
