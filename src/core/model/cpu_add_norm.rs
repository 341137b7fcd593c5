//! BERT's `LayerNorm(dropout(h) + residual)` after each block as one host step each way on the
//! CPU backend (flex): the dropout's multiply, the residual add and the norm
//! (`tunelab_kernels::dropout::residual_sum`, then the LayerNorm pass).
//!
//! Through tensor ops the multiply and the add are each a pass and a buffer forward and the
//! multiply one more backward, all on the one thread that runs autodiff, at both of a layer's
//! blocks. Every other device, and flex under gradient checkpointing, keeps those ops.

use std::sync::Arc;

use burn::nn::LayerNorm;
use burn::prelude::*;
use burn_backend::tensor::FloatTensor;
use burn_dispatch::backends::autodiff::checkpoint::base::Checkpointer;
use burn_dispatch::backends::autodiff::grads::Gradients;
use burn_dispatch::backends::autodiff::ops::{Backward, Ops};
use burn_dispatch::backends::flex::FlexTensor;
use burn_dispatch::backends::Flex;
use tunelab_kernels::{dropout as dropout_pass, layer_norm as layer_norm_pass};

use super::cpu_fused::{layer_norm, on_host, record, HostRows, OnHost, Tracked};
use super::dropout::Dropout;

/// `norm(dropout(h) + residual)`, with the dropout's multipliers drawn from its stream at the
/// point `dropout.forward(h)` would draw them.
pub fn add_norm(norm: &LayerNorm, eps: f64, dropout: &Dropout, h: Tensor<3>, residual: Tensor<3>) -> Tensor<3> {
    let (gamma, beta) = match &norm.beta {
        Some(beta) => (norm.gamma.val(), beta.val()),
        None => return layer_norm(norm, eps, dropout.forward(h) + residual),
    };
    let inputs = (on_host(&h), on_host(&residual), on_host(&gamma), on_host(&beta));
    match inputs {
        (
            Some(OnHost::Tracked(h_host)),
            Some(OnHost::Tracked(residual)),
            Some(OnHost::Tracked(gamma)),
            Some(OnHost::Tracked(beta)),
        ) => {
            let keep = dropout.host_multipliers(h.shape().num_elements(), &h.device());
            Tensor::from_primitive::<Tracked>(tracked([h_host, residual, gamma, beta], keep, eps as f32))
        }
        // Without autodiff dropout is the identity.
        (
            Some(OnHost::Plain(h)),
            Some(OnHost::Plain(residual)),
            Some(OnHost::Plain(gamma)),
            Some(OnHost::Plain(beta)),
        ) => {
            let [h, residual, gamma, beta] = [h, residual, gamma, beta].map(HostRows::new);
            let sum = dropout_pass::residual_sum(h.values(), None, residual.values());
            let (y, _) = layer_norm_pass::forward(&sum, gamma.values(), beta.values(), eps as f32);
            Tensor::from_primitive::<Flex>(h.same_shape(y))
        }
        _ => layer_norm(norm, eps, dropout.forward(h) + residual),
    }
}

fn tracked(inputs: [FloatTensor<Tracked>; 4], keep: Option<Vec<f32>>, eps: f32) -> FloatTensor<Tracked> {
    let [(h, h_guard), (residual, residual_guard), (gamma, gamma_guard), (beta, beta_guard)] =
        inputs.map(FloatTensor::<Tracked>::into_parts);
    let [h, residual, gamma, beta] = [h, residual, gamma, beta].map(HostRows::new);
    let sum = HostRows::new(h.same_shape(dropout_pass::residual_sum(h.values(), keep.as_deref(), residual.values())));
    let (y, stats) = layer_norm_pass::forward(sum.values(), gamma.values(), beta.values(), eps);
    let y = sum.same_shape(y);
    let state = move |_: &FlexTensor| AddNormState { sum, gamma, stats: Arc::new(stats), keep: keep.map(Arc::new) };
    record(AddNormBackward, [h_guard, residual_guard, gamma_guard, beta_guard], state, y)
}

#[derive(Debug)]
struct AddNormBackward;

/// What the backward reads: the normalised sum, `γ`, each row's statistics, and the dropout's
/// multipliers.
#[derive(Debug, Clone)]
struct AddNormState {
    sum: HostRows,
    gamma: HostRows,
    stats: Arc<layer_norm_pass::RowStats>,
    keep: Option<Arc<Vec<f32>>>,
}

impl Backward<Flex, 4> for AddNormBackward {
    type State = AddNormState;

    fn backward(self, ops: Ops<Self::State, 4>, grads: &mut Gradients, _: &mut Checkpointer) {
        let grad = HostRows::new(grads.consume::<Flex>(&ops.node));
        let AddNormState { sum, gamma, stats, keep } = ops.state;
        let computed = layer_norm_pass::backward(sum.values(), gamma.values(), &stats, grad.values());
        let [h_node, residual_node, gamma_node, beta_node] = ops.parents;
        if let Some(node) = h_node {
            let through = match &keep {
                Some(keep) => dropout_pass::backward(&computed.input, keep),
                None => computed.input.clone(),
            };
            grads.register::<Flex>(node.id, sum.same_shape(through));
        }
        if let Some(node) = residual_node {
            grads.register::<Flex>(node.id, sum.same_shape(computed.input));
        }
        if let Some(node) = gamma_node {
            grads.register::<Flex>(node.id, gamma.same_shape(computed.gamma));
        }
        if let Some(node) = beta_node {
            grads.register::<Flex>(node.id, gamma.same_shape(computed.beta));
        }
    }
}
