//! HF `gelu`, the exact erf form: `y = x · Φ(x)`, `dy/dx = Φ(x) + x · φ(x)`.

use crate::math::{exp, normal_cdf};
use crate::rows::map_rows;

/// `1/√(2π)`, the standard normal density at 0.
const FRAC_1_SQRT_2PI: f32 = 0.398_942_3;

/// `x · Φ(x)` for every element.
pub fn forward(x: &[f32]) -> Vec<f32> {
    map_rows([x], 1, |_, [x], y| {
        for (y, &x) in y.iter_mut().zip(x) {
            *y = x * normal_cdf(x);
        }
    })
}

/// The input's gradient from the input `x` and the output's gradient `dy`.
pub fn backward(x: &[f32], dy: &[f32]) -> Vec<f32> {
    map_rows([x, dy], 1, |_, [x, dy], dx| {
        for ((dx, &x), &dy) in dx.iter_mut().zip(x).zip(dy) {
            let pdf = exp(-0.5 * x * x) * FRAC_1_SQRT_2PI;
            *dx = dy * (normal_cdf(x) + x * pdf);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(x: f64) -> (f64, f64) {
        let cdf = 0.5 * (1.0 + libm::erf(x / std::f64::consts::SQRT_2));
        let pdf = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
        (x * cdf, cdf + x * pdf)
    }

    #[test]
    fn matches_the_exact_gelu_and_its_derivative() {
        let x: Vec<f32> = (0..40_000).map(|i| (i as f32 - 20_000.0) / 2_000.0).collect();
        let dy: Vec<f32> = (0..x.len()).map(|i| 1.0 + (i % 7) as f32 / 7.0).collect();
        let (y, dx) = (forward(&x), backward(&x, &dy));
        for i in 0..x.len() {
            let (ry, rd) = reference(x[i] as f64);
            assert!((y[i] as f64 - ry).abs() < 1e-5, "y({}) = {} not {ry}", x[i], y[i]);
            assert!((dx[i] as f64 - rd * dy[i] as f64).abs() < 1e-5, "dx({}) = {}", x[i], dx[i]);
        }
    }
}
