//! Encoded examples and their dynamic padding into tensors.

use burn::prelude::*;

use crate::core::model::BatchInput;
use crate::core::tokenize::Encoded;

use super::loss::IGNORE;

/// What one example should teach the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Index of the sequence's label.
    Class(usize),
    /// One entry per sub-word: the word's tag index on its first sub-word, [`IGNORE`] elsewhere.
    Tokens(Vec<i64>),
}

/// One tokenised example with its target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub encoded: Encoded,
    pub target: Target,
}

impl Sample {
    pub fn len(&self) -> usize {
        self.encoded.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.encoded.ids.is_empty()
    }
}

/// Token-level targets for one sentence: each word's tag on the first sub-word of the word.
/// Words the truncation cut off get no target.
pub fn token_targets(encoded: &Encoded, word_tags: &[usize]) -> Vec<i64> {
    encoded
        .word_starts
        .iter()
        .map(|start| match start.and_then(|w| word_tags.get(w)) {
            Some(&tag) => tag as i64,
            None => IGNORE,
        })
        .collect()
}

/// HF Trainer's `group_by_length`: the (shuffled) order cut into megabatches of up to 50
/// batches, each sorted longest first, so that a batch holds sequences of similar length and
/// dynamic padding adds little. `order` keeps its randomness across megabatches.
pub fn group_by_length(order: &[usize], lengths: &[usize], batch_size: usize) -> Vec<usize> {
    let batch_size = batch_size.max(1);
    let megabatch = (order.len() / (batch_size * 4)).clamp(1, 50) * batch_size;
    order
        .chunks(megabatch)
        .flat_map(|chunk| {
            let mut chunk = chunk.to_vec();
            chunk.sort_by_key(|&i| std::cmp::Reverse(lengths.get(i).copied().unwrap_or(0)));
            chunk
        })
        .collect()
}

/// A padded batch on a device, with its labels and its count of real (non-padding) tokens.
#[derive(Debug, Clone)]
pub struct Batch {
    pub input: BatchInput,
    /// `[batch]` for sequence tasks, `[batch * seq]` for token tasks.
    pub labels: Tensor<1, Int>,
    pub real_tokens: usize,
}

/// Pads `samples` to the longest among them (dynamic padding).
pub fn collate(samples: &[&Sample], pad_id: u32, device: &Device) -> Batch {
    let seq = samples.iter().map(|s| s.len()).max().unwrap_or(0).max(1);
    let n = samples.len();
    let mut ids = Vec::with_capacity(n * seq);
    let mut types = Vec::with_capacity(n * seq);
    let mut mask = Vec::with_capacity(n * seq);
    let mut labels = Vec::new();
    let mut real_tokens = 0;
    for sample in samples {
        let len = sample.len();
        real_tokens += len;
        let pad = seq - len;
        ids.extend(sample.encoded.ids.iter().map(|&i| i as i32).chain(std::iter::repeat_n(pad_id as i32, pad)));
        types.extend(sample.encoded.type_ids.iter().map(|&i| i as i32).chain(std::iter::repeat_n(0, pad)));
        mask.extend(std::iter::repeat_n(1, len).chain(std::iter::repeat_n(0, pad)));
        match &sample.target {
            Target::Class(c) => labels.push(*c as i32),
            Target::Tokens(t) => {
                labels.extend(t.iter().map(|&l| l as i32).chain(std::iter::repeat_n(IGNORE as i32, pad)))
            }
        }
    }
    let tensor2 = |v: Vec<i32>| Tensor::<2, Int>::from_data(TensorData::new(v, [n, seq]), device);
    let n_labels = labels.len();
    Batch {
        input: BatchInput { input_ids: tensor2(ids), token_type_ids: tensor2(types), attention_mask: tensor2(mask) },
        labels: Tensor::<1, Int>::from_data(TensorData::new(labels, [n_labels]), device),
        real_tokens,
    }
}
