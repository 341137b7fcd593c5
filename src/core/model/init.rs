//! Fresh weights for parts a checkpoint does not have (a new head), as HF initialises them:
//! normal(0, initializer_range) weights and zero biases, drawn on the host from a seed so that
//! every backend starts from the same numbers.

use burn::module::Param;
use burn::nn::Linear;
use burn::prelude::*;

use crate::core::rng::Rng;

use super::weights::HostTensor;

pub fn linear(d_in: usize, d_out: usize, std: f64, seed: u64, device: &Device) -> Linear {
    let mut rng = Rng::new(seed);
    let weight = HostTensor {
        shape: vec![d_in, d_out],
        values: (0..d_in * d_out).map(|_| (rng.normal() * std) as f32).collect(),
    };
    Linear {
        weight: Param::from_tensor(weight.to_device(device)),
        bias: Some(Param::from_tensor(Tensor::zeros([d_out], device))),
    }
}
