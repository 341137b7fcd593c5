//! AdamW's update of one parameter in place, as `torch.optim.AdamW` computes it, and the sum
//! of squares global-norm clipping needs: one pass over the parameter, its gradient and its two
//! moments, in blocks that run in parallel natively.

use crate::fresh::filled_in_pieces_with;

/// About this many elements per block of the update.
const BLOCK: usize = 16 * 1024;
/// Elements summed in `f32` before the sum moves to `f64`: short runs vectorise, and `f64`
/// keeps the total of 22 M squares exact enough.
const RUN: usize = 1024;
/// Running sums per run: independent additions the loop keeps in vector registers, where one
/// running sum waits on every addition before it.
const LANES: usize = 16;

/// The coefficients of one optimizer step, the same for every element of a parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamWStep {
    /// The gradient's scale from global-norm clipping (1 when it does not clip).
    pub clip: f32,
    /// `1 − lr · weight_decay`, or 1 for a parameter without decay.
    pub decay: f32,
    pub beta1: f32,
    pub beta2: f32,
    /// `1 − β1` and `1 − β2`, rounded from `f64` as torch's scalars are (`1 − 0.9f32` is not
    /// the `f32` nearest 0.1).
    pub one_minus_beta1: f32,
    pub one_minus_beta2: f32,
    /// `lr / (1 − β1^t)`.
    pub step_size: f32,
    /// `√(1 − β2^t)`.
    pub bias_correction2_sqrt: f32,
    pub epsilon: f32,
}

impl AdamWStep {
    /// One element: its moments updated in place, the parameter's new value returned.
    #[inline(always)]
    fn element(&self, p: f32, g: f32, m: &mut f32, v: &mut f32) -> f32 {
        let g = g * self.clip;
        *m = *m * self.beta1 + g * self.one_minus_beta1;
        *v = *v * self.beta2 + g * g * self.one_minus_beta2;
        p * self.decay - self.step_size * (*m / (v.sqrt() / self.bias_correction2_sqrt + self.epsilon))
    }

    fn apply(&self, param: &mut [f32], grad: &[f32], first: &mut [f32], second: &mut [f32]) {
        let lanes = param.iter_mut().zip(grad).zip(first.iter_mut().zip(second.iter_mut()));
        for ((p, &g), (m, v)) in lanes {
            *p = self.element(*p, g, m, v);
        }
    }
}

fn check_lengths(param: usize, grad: usize, first: usize, second: usize) {
    assert!(
        grad == param && first == param && second == param,
        "AdamW: parameter, gradient and moments differ in length"
    );
}

/// Updates `param` and its moments `first` and `second` from `grad`; all four have one length.
pub fn update(step: &AdamWStep, param: &mut [f32], grad: &[f32], first: &mut [f32], second: &mut [f32]) {
    check_lengths(param.len(), grad.len(), first.len(), second.len());
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        param
            .par_chunks_mut(BLOCK)
            .zip(grad.par_chunks(BLOCK))
            .zip(first.par_chunks_mut(BLOCK).zip(second.par_chunks_mut(BLOCK)))
            .for_each(|((p, g), (m, v))| step.apply(p, g, m, v));
    }
    #[cfg(target_arch = "wasm32")]
    step.apply(param, grad, first, second);
}

/// As [`update`], with the new values in a vector of their own and `param` left as it was: for
/// a parameter whose buffer something else still holds (the trainer's snapshot of the weights
/// before the step), read once and written once instead of copied and then updated.
pub fn updated(step: &AdamWStep, param: &[f32], grad: &[f32], first: &mut [f32], second: &mut [f32]) -> Vec<f32> {
    check_lengths(param.len(), grad.len(), first.len(), second.len());
    let moments = first.chunks_mut(BLOCK).zip(second.chunks_mut(BLOCK));
    let blocks: Vec<_> = param.chunks(BLOCK).zip(grad.chunks(BLOCK)).zip(moments).collect();
    let [new] = filled_in_pieces_with([param.len()], [BLOCK], blocks, |_, ((p, g), (m, v)), [new]| {
        let lanes = new.iter_mut().zip(p.iter().zip(g)).zip(m.iter_mut().zip(v.iter_mut()));
        for ((new, (&p, &g)), (m, v)) in lanes {
            *new = step.element(p, g, m, v);
        }
    });
    new
}

/// `Σ x²` over `values`, in runs of [`RUN`] summed in `f32` across [`LANES`] running sums
/// and added up in `f64` in order, so that the result does not depend on the number of threads.
pub fn sum_of_squares(values: &[f32]) -> f64 {
    let run_sum = |run: &[f32]| {
        let mut lanes = [0.0f32; LANES];
        let whole = run.chunks_exact(LANES);
        let rest: f32 = whole.remainder().iter().map(|x| x * x).sum();
        for chunk in whole {
            lanes.iter_mut().zip(chunk).for_each(|(sum, x)| *sum += x * x);
        }
        f64::from(lanes.iter().sum::<f32>() + rest)
    };
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        let blocks: Vec<f64> = values.par_chunks(BLOCK).map(|block| block.chunks(RUN).map(run_sum).sum()).collect();
        blocks.into_iter().sum()
    }
    #[cfg(target_arch = "wasm32")]
    values.chunks(BLOCK).map(|block| block.chunks(RUN).map(run_sum).sum::<f64>()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step() -> AdamWStep {
        AdamWStep {
            clip: 0.5,
            decay: 1.0 - 1e-3 * 0.01,
            beta1: 0.9,
            beta2: 0.999,
            one_minus_beta1: (1.0 - 0.9f64) as f32,
            one_minus_beta2: (1.0 - 0.999f64) as f32,
            step_size: 1e-3 / (1.0 - 0.9f32.powi(3)),
            bias_correction2_sqrt: (1.0 - 0.999f32.powi(3)).sqrt(),
            epsilon: 1e-8,
        }
    }

    /// torch's AdamW step for one element, in f64.
    fn reference(s: &AdamWStep, p: f64, g: f64, m: f64, v: f64) -> (f64, f64, f64) {
        let g = g * s.clip as f64;
        let m = m * s.beta1 as f64 + g * s.one_minus_beta1 as f64;
        let v = v * s.beta2 as f64 + g * g * s.one_minus_beta2 as f64;
        let p = p * s.decay as f64
            - s.step_size as f64 * m / (v.sqrt() / s.bias_correction2_sqrt as f64 + s.epsilon as f64);
        (p, m, v)
    }

    #[test]
    fn every_block_takes_torchs_step() {
        let n = 3 * BLOCK + 77;
        let value = |i: usize, k: f32| ((i * 7919 + 13) % 2001) as f32 / 1000.0 - 1.0 + k;
        let (grad, mut param): (Vec<f32>, Vec<f32>) =
            ((0..n).map(|i| value(i, 0.0)).collect(), (0..n).map(|i| value(i, 0.3)).collect());
        let mut first: Vec<f32> = (0..n).map(|i| value(i, 0.1) * 0.01).collect();
        let mut second: Vec<f32> = (0..n).map(|i| (value(i, 0.0).powi(2) + 0.01) * 0.001).collect();
        let before = (param.clone(), first.clone(), second.clone());
        let s = step();
        update(&s, &mut param, &grad, &mut first, &mut second);
        for i in 0..n {
            let (p, m, v) = reference(&s, before.0[i] as f64, grad[i] as f64, before.1[i] as f64, before.2[i] as f64);
            assert!((param[i] as f64 - p).abs() < 1e-6 * p.abs().max(1.0), "param {i}: {} not {p}", param[i]);
            assert!((first[i] as f64 - m).abs() < 1e-6 && (second[i] as f64 - v).abs() < 1e-7, "moments {i}");
        }
    }

    #[test]
    fn a_new_vector_gets_the_same_step_and_the_old_one_stays() {
        let n = 2 * BLOCK + 5;
        let param: Vec<f32> = (0..n).map(|i| (i % 97) as f32 / 50.0 - 1.0).collect();
        let grad: Vec<f32> = (0..n).map(|i| (i % 89) as f32 / 40.0 - 1.1).collect();
        let moments = |k: f32| -> Vec<f32> { (0..n).map(|i| (i % 13) as f32 * k).collect() };
        let (mut first, mut second) = (moments(0.01), moments(0.001));
        let (mut in_place, mut first_in_place, mut second_in_place) = (param.clone(), first.clone(), second.clone());
        let before = param.clone();
        let s = step();
        let new = updated(&s, &param, &grad, &mut first, &mut second);
        update(&s, &mut in_place, &grad, &mut first_in_place, &mut second_in_place);
        assert_eq!(param, before, "the shared parameter is left as it was");
        assert_eq!(new, in_place);
        assert_eq!((first, second), (first_in_place, second_in_place));
    }

    #[test]
    fn the_sum_of_squares_is_exact_enough_and_repeatable() {
        let values: Vec<f32> = (0..5 * BLOCK + 3).map(|i| ((i % 1000) as f32 - 500.0) / 100.0).collect();
        let exact: f64 = values.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
        let sum = sum_of_squares(&values);
        assert!((sum - exact).abs() / exact < 1e-6, "{sum} not {exact}");
        assert_eq!(sum.to_bits(), sum_of_squares(&values).to_bits());
    }
}
