//! Inverted dropout as one tracked multiply by a pre-scaled mask.
//!
//! burn's `Dropout` multiplies by a Bernoulli mask and then by `1/keep`: two tracked ops over
//! the activation, forward and backward. Here the mask already holds `0` or `1/keep`, so
//! autodiff sees one multiply. On the CPU backend the mask comes from SplitMix64 in host memory
//! (burn's sampler draws each element through ChaCha, about 5 % of a CPU training step); other
//! devices draw it on the device, where it is made.

use std::cell::Cell;

use burn::prelude::*;
use burn::tensor::Distribution;
use tunelab_kernels::dropout::multipliers;

use crate::core::backend::is_cpu_backend;

thread_local! {
    /// The CPU masks' generator state; [`seed`] resets it with the training seed.
    static HOST_MASKS: Cell<u64> = const { Cell::new(0) };
}

/// Seeds the CPU backend's dropout masks (the device's own generator is seeded by
/// `Device::seed`); a checkpoint's [`state`] given back here goes on where it was taken.
pub fn seed(seed: u64) {
    HOST_MASKS.with(|state| state.set(seed));
}

/// The CPU masks' generator state now, for a checkpoint.
pub fn state() -> u64 {
    HOST_MASKS.with(Cell::get)
}

#[derive(Module, Debug)]
pub struct Dropout {
    /// Probability of zeroing an element.
    #[module(skip)]
    pub prob: f64,
}

impl Dropout {
    pub fn new(prob: f64) -> Self {
        Self { prob }
    }

    /// Identity outside training (a device without autodiff, as `valid()` gives) or at `prob` 0.
    pub fn forward<const D: usize>(&self, input: Tensor<D>) -> Tensor<D> {
        let device = input.device();
        if !device.is_autodiff() || self.prob <= 0.0 {
            return input;
        }
        let keep = 1.0 - self.prob;
        let mask = if is_cpu_backend(&device) {
            Tensor::from_data(TensorData::new(host_mask(input.shape().num_elements(), keep), input.shape()), &device)
        } else {
            input.random_like(Distribution::Bernoulli(keep)).mul_scalar(1.0 / keep)
        };
        input * mask
    }

    /// The CPU backend's multipliers (0 or `1/keep`) for `n` elements on `device`, drawn from
    /// the stream [`Self::forward`] draws from; `None` where `forward` is the identity.
    pub fn host_multipliers(&self, n: usize, device: &Device) -> Option<Vec<f32>> {
        (device.is_autodiff() && self.prob > 0.0).then(|| host_mask(n, 1.0 - self.prob))
    }
}

/// `n` values, each `1/keep` with probability `keep` and 0 otherwise, two per 64 random bits,
/// drawn in parallel blocks from the stream [`seed`] started.
fn host_mask(n: usize, keep: f64) -> Vec<f32> {
    let (mask, next) = multipliers(HOST_MASKS.with(Cell::get), n, keep);
    HOST_MASKS.with(|state| state.set(next));
    mask
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_masks_keep_the_expected_share_at_the_right_scale() {
        seed(7);
        let mask = host_mask(100_001, 0.9);
        assert_eq!(mask.len(), 100_001);
        let kept = mask.iter().filter(|&&m| m != 0.0).count() as f64 / mask.len() as f64;
        assert!((kept - 0.9).abs() < 0.005, "kept {kept}");
        assert!(mask.iter().all(|&m| m == 0.0 || (m - 1.0 / 0.9).abs() < 1e-6));
        seed(7);
        assert_eq!(host_mask(100_001, 0.9), mask, "the same seed gives the same masks");
        assert_ne!(host_mask(100_001, 0.9), mask, "the next mask is a new draw");
    }
}
