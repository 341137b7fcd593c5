//! Inverted dropout's multipliers, `1/keep` with probability `keep` and 0 otherwise, drawn two
//! per 64-bit value of a SplitMix64 stream (low half first), in parallel blocks natively. The
//! values are the ones an in-order draw gives, whatever the number of threads.
//! A block's output through those multipliers plus the block's input (the residual sum BERT
//! normalises), and a gradient back through them, are one parallel pass each.

use crate::random::nth;
use crate::rows::map_rows;

/// Elements per parallel task.
#[cfg(not(target_arch = "wasm32"))]
const BLOCK: usize = 16 * 1024;

/// `n` multipliers from the stream seeded with `seed`, and the stream's next value (the seed
/// of the next draw).
pub fn multipliers(seed: u64, n: usize, keep: f64) -> (Vec<f32>, u64) {
    let threshold = (keep * 4_294_967_296.0) as u64;
    let scale = (1.0 / keep) as f32;
    let element = |i: usize| {
        let bits = nth(seed, (i / 2) as u64 + 1);
        let half = if i % 2 == 0 { bits & 0xFFFF_FFFF } else { bits >> 32 };
        if half < threshold {
            scale
        } else {
            0.0
        }
    };
    #[cfg(not(target_arch = "wasm32"))]
    let values = {
        use rayon::prelude::*;
        let mut values = Vec::new();
        (0..n).into_par_iter().with_min_len(BLOCK).map(element).collect_into_vec(&mut values);
        values
    };
    #[cfg(target_arch = "wasm32")]
    let values: Vec<f32> = (0..n).map(element).collect();
    let pairs = n.div_ceil(2) as u64;
    (values, nth(seed, pairs + 1))
}

/// `h ⊙ keep + residual`: a block's output through its dropout (`keep` the multipliers, `None`
/// outside training) added to the block's input, the sum BERT's LayerNorm then normalises.
pub fn residual_sum(h: &[f32], keep: Option<&[f32]>, residual: &[f32]) -> Vec<f32> {
    match keep {
        Some(keep) => map_rows([h, keep, residual], 1, |_, [h, keep, residual], sum| {
            for (((sum, &h), &keep), &r) in sum.iter_mut().zip(h).zip(keep).zip(residual) {
                *sum = h * keep + r;
            }
        }),
        None => map_rows([h, residual], 1, |_, [h, residual], sum| {
            for ((sum, &h), &r) in sum.iter_mut().zip(h).zip(residual) {
                *sum = h + r;
            }
        }),
    }
}

/// `grad ⊙ keep`: a gradient back through dropout's multipliers.
pub fn backward(grad: &[f32], keep: &[f32]) -> Vec<f32> {
    map_rows([grad, keep], 1, |_, [grad, keep], out| {
        for ((out, &g), &keep) in out.iter_mut().zip(grad).zip(keep) {
            *out = g * keep;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::{output, GAMMA};

    /// The draw in order, one value after another.
    fn in_order(seed: u64, n: usize, keep: f64) -> (Vec<f32>, u64) {
        let threshold = (keep * 4_294_967_296.0) as u64;
        let pick = |bits: u64| if bits < threshold { (1.0 / keep) as f32 } else { 0.0 };
        let mut state = seed;
        let mut next = || {
            state = state.wrapping_add(GAMMA);
            output(state)
        };
        let mut values = Vec::new();
        while values.len() < n {
            let bits = next();
            values.push(pick(bits & 0xFFFF_FFFF));
            if values.len() < n {
                values.push(pick(bits >> 32));
            }
        }
        (values, next())
    }

    #[test]
    fn blocks_draw_the_in_order_stream_and_keep_the_share() {
        for n in [0, 1, 2, 7, BLOCK - 1, 5 * BLOCK + 3] {
            assert_eq!(multipliers(42, n, 0.9), in_order(42, n, 0.9), "n = {n}");
        }
        let (values, _) = multipliers(7, 100_001, 0.9);
        let kept = values.iter().filter(|&&m| m != 0.0).count() as f64 / values.len() as f64;
        assert!((kept - 0.9).abs() < 0.005, "kept {kept}");
    }

    #[test]
    fn the_residual_sum_and_its_gradient_go_through_the_multipliers() {
        let (h, keep, residual) = ([1.0, 2.0, 3.0], [0.0, 1.25, 1.25], [0.5, -0.5, 4.0]);
        assert_eq!(residual_sum(&h, Some(&keep), &residual), vec![0.5, 2.0, 7.75]);
        assert_eq!(residual_sum(&h, None, &residual), vec![1.5, 1.5, 7.0]);
        assert_eq!(backward(&[2.0, 4.0, -8.0], &keep), vec![0.0, 5.0, -10.0]);
    }
}
