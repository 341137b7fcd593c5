//! Self-attention's core on the CPU backend (flex), `softmax(Q·Kᵀ/√d + mask)·V` with dropout
//! on the probabilities, as one host pass each way (`tunelab_kernels::attention`), registered
//! under autodiff as a backward step of our own.
//!
//! Through tensor ops, splitting the projections into heads and merging the context back are
//! copies, and the scale, the mask, the softmax, the dropout and both products are an op, a
//! buffer and a step of autodiff's bookkeeping each, mostly on one thread. The dropout
//! multipliers are drawn as `Dropout` draws them, so a run's random stream is unchanged. Every
//! other device, and flex under gradient checkpointing, keeps the tensor ops.

use std::sync::Arc;

use burn::prelude::*;
use burn_backend::tensor::FloatTensor;
use burn_dispatch::backends::autodiff::checkpoint::base::Checkpointer;
use burn_dispatch::backends::autodiff::grads::Gradients;
use burn_dispatch::backends::autodiff::ops::{Backward, Ops};
use burn_dispatch::backends::flex::FlexTensor;
use burn_dispatch::backends::Flex;
use tunelab_kernels::attention::{self as pass, Heads};

use super::cpu_fused::{on_host, record, HostRows, OnHost, Tracked};
use super::dropout::Dropout;

/// The projections `[query, key, value]`, each `[batch, seq, hidden]`, and the mask
/// `[batch, 1, 1, seq]`, given back when the pass does not apply.
pub type Inputs = ([Tensor<3>; 3], Tensor<4>);

/// The attention's context, `[batch, seq, hidden]`, for `heads` heads, with `dropout` on the
/// probabilities; or the inputs back where the tensor ops must run.
pub fn attend(inputs: Inputs, heads: usize, dropout: &Dropout) -> Result<Tensor<3>, Inputs> {
    let ([q, k, v], mask) = inputs;
    let [batch, seq, hidden] = q.dims();
    let device = q.device();
    let fits = heads > 0
        && hidden % heads == 0
        && k.dims() == q.dims()
        && v.dims() == q.dims()
        && mask.shape().num_elements() == batch * seq;
    let shape = Heads { batch, seq, heads, head_dim: hidden / heads.max(1) };
    let host = fits.then(|| (on_host(&q), on_host(&k), on_host(&v), on_host(&mask)));
    let context = match host {
        Some((Some(OnHost::Tracked(q)), Some(OnHost::Tracked(k)), Some(OnHost::Tracked(v)), Some(mask))) => {
            let mask = match mask {
                OnHost::Tracked(mask) => HostRows::new(mask.into_parts().0),
                OnHost::Plain(mask) => HostRows::new(mask),
            };
            let multipliers = dropout.host_multipliers(batch * heads * seq * seq, &device);
            Tensor::from_primitive::<Tracked>(tracked([q, k, v], &mask, multipliers, shape))
        }
        Some((Some(OnHost::Plain(q)), Some(OnHost::Plain(k)), Some(OnHost::Plain(v)), Some(OnHost::Plain(mask)))) => {
            let [q, k, v, mask] = [q, k, v, mask].map(HostRows::new);
            let attended = pass::forward(q.values(), k.values(), v.values(), mask.values(), None, shape);
            Tensor::from_primitive::<Flex>(q.same_shape(attended.context))
        }
        _ => return Err(([q, k, v], mask)),
    };
    Ok(context)
}

fn tracked(
    projections: [FloatTensor<Tracked>; 3],
    mask: &HostRows,
    multipliers: Option<Vec<f32>>,
    shape: Heads,
) -> FloatTensor<Tracked> {
    let [(q, q_guard), (k, k_guard), (v, v_guard)] = projections.map(FloatTensor::<Tracked>::into_parts);
    let [q, k, v] = [q, k, v].map(HostRows::new);
    let attended = pass::forward(q.values(), k.values(), v.values(), mask.values(), multipliers.as_deref(), shape);
    let context = q.same_shape(attended.context);
    let state = move |_: &FlexTensor| AttentionState {
        projections: [q, k, v],
        probs: Arc::new(attended.probs),
        multipliers: multipliers.map(Arc::new),
        shape,
    };
    record(AttentionBackward, [q_guard, k_guard, v_guard], state, context)
}

#[derive(Debug)]
struct AttentionBackward;

/// What the backward pass reads: the projections, the probabilities before dropout, and the
/// dropout's multipliers.
#[derive(Debug, Clone)]
struct AttentionState {
    projections: [HostRows; 3],
    probs: Arc<Vec<f32>>,
    multipliers: Option<Arc<Vec<f32>>>,
    shape: Heads,
}

impl Backward<Flex, 3> for AttentionBackward {
    type State = AttentionState;

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let d_context = HostRows::new(grads.consume::<Flex>(&ops.node));
        let AttentionState { projections: [q, k, v], probs, multipliers, shape } = ops.state;
        let computed = pass::backward(
            q.values(),
            k.values(),
            v.values(),
            &probs,
            multipliers.as_deref().map(Vec::as_slice),
            d_context.values(),
            shape,
        );
        let [q_node, k_node, v_node] = ops.parents;
        let gradients = [(q_node, computed.query), (k_node, computed.key), (v_node, computed.value)];
        for (node, grad) in gradients {
            if let Some(node) = node {
                grads.register::<Flex>(node.id, q.same_shape(grad));
            }
        }
    }
}
