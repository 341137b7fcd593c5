//! The hand-written activations: values as PyTorch's, gradients finite for any input.

use burn::prelude::*;
use tunelab::core::model::{gelu_exact, gelu_tanh, tanh};

use crate::support::read_f32;

#[test]
fn activations_match_pytorch_and_their_gradients_stay_finite() {
    let device = Device::flex().autodiff();
    let x: Tensor<1> = Tensor::from_floats([-300.0f32, -1.0, 0.0, 1.0, 300.0], &device).require_grad();
    // torch.nn.functional.gelu(x), gelu(x, approximate="tanh"), torch.tanh(x) at -1 and 1.
    let exact = read_f32(gelu_exact(x.clone()).inner());
    let approx = read_f32(gelu_tanh(x.clone()).inner());
    let t = read_f32(tanh(x.clone()).inner());
    for (got, want) in [(exact[1], -0.15865526), (exact[3], 0.8413447), (approx[3], 0.8411920), (t[1], -0.7615942)] {
        assert!((got - want).abs() < 1e-6, "{got} vs {want}");
    }
    assert_eq!((exact[0], exact[4], t[0], t[4]), (0.0, 300.0, -1.0, 1.0));
    let y = gelu_exact(x.clone()).sum() + gelu_tanh(x.clone()).sum() + tanh(x.clone()).sum();
    let grads = y.backward();
    let g = read_f32(x.grad(&grads).expect("x has a gradient"));
    assert!(g.iter().all(|v| v.is_finite()), "{g:?}");
    // d/dx at ±300: gelu' = 0 and 1 (both forms), tanh' = 0.
    assert!((g[0] - 0.0).abs() < 1e-6 && (g[4] - 2.0).abs() < 1e-6, "{g:?}");
}
