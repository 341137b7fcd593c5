//! Embedding lookups on the CPU backend (flex) with a backward step of our own that adds the
//! output's gradient straight into the table's dense gradient (`tunelab_kernels::embedding`).
//!
//! burn-flex builds that gradient as a zeroed tensor, copies it once more into an aligned
//! buffer, then scatters into it: for the word embeddings two passes over 47 MB a step on one
//! thread, and both buffers alive at once at the step's memory peak. Every other device, and
//! flex under gradient checkpointing, keeps burn's `Embedding`.

use std::sync::Arc;

use burn::nn::Embedding;
use burn::prelude::*;
use burn::tensor::{Int, TensorData};
use burn_dispatch::backends::autodiff::checkpoint::base::Checkpointer;
use burn_dispatch::backends::autodiff::grads::Gradients;
use burn_dispatch::backends::autodiff::ops::{Backward, Ops};
use burn_dispatch::backends::flex::FlexTensor;
use burn_dispatch::backends::Flex;
use tunelab_kernels::embedding as pass;

use super::cpu_fused::{on_host, record, HostRows, OnHost, Tracked};

/// `table.forward(ids)`: `[batch, seq]` ids → `[batch, seq, dim]`.
pub fn lookup(table: &Embedding, ids: Tensor<2, Int>) -> Tensor<3> {
    let weight = table.weight.val();
    let [rows, dim] = weight.dims();
    let [batch, seq] = ids.dims();
    let host = on_host(&weight).and_then(|w| host_ids(&ids).map(|ids| (w, ids)));
    let gathered = host.and_then(|(weight, ids)| {
        let (primitive, guard) = match weight {
            OnHost::Tracked(w) => {
                let (primitive, guard) = w.into_parts();
                (primitive, Some(guard))
            }
            OnHost::Plain(w) => (w, None),
        };
        let table_rows = HostRows::new(primitive);
        let values = pass::gather(table_rows.values(), dim, &ids)?;
        let out = FlexTensor::from_data(TensorData::new(values, [batch, seq, dim]));
        Some(match guard {
            None => Tensor::from_primitive::<Flex>(out),
            Some(guard) => {
                let state = move |_: &FlexTensor| LookupState { ids: Arc::new(ids), rows, dim };
                Tensor::from_primitive::<Tracked>(record(LookupBackward, [guard], state, out))
            }
        })
    });
    gathered.unwrap_or_else(|| table.forward(ids))
}

/// The ids as row indices, read from host memory; `None` for a negative id.
fn host_ids(ids: &Tensor<2, Int>) -> Option<Vec<usize>> {
    let data = ids.clone().try_into_data().ok()?;
    data.iter::<i64>().map(|id| usize::try_from(id).ok()).collect()
}

#[derive(Debug)]
struct LookupBackward;

#[derive(Debug, Clone)]
struct LookupState {
    ids: Arc<Vec<usize>>,
    rows: usize,
    dim: usize,
}

impl Backward<Flex, 1> for LookupBackward {
    type State = LookupState;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let dy = HostRows::new(grads.consume::<Flex>(&ops.node));
        let LookupState { ids, rows, dim } = ops.state;
        if let [Some(node)] = ops.parents {
            let grad = pass::scatter_add(dy.values(), dim, &ids, rows);
            grads.register::<Flex>(node.id, FlexTensor::from_data(TensorData::new(grad, [rows, dim])));
        }
    }
}
