//! Softmax over the last dimension, and its backward from the output:
//! `dx = y ⊙ (dy − Σ dy ⊙ y)` row by row.

use crate::math::exp;
use crate::rows::map_rows;

/// Softmax of every row of `row_len` elements. A row whose every entry is `-inf` stays NaN,
/// as in PyTorch; masks here add a large finite negative number instead.
pub fn forward(x: &[f32], row_len: usize) -> Vec<f32> {
    map_rows([x], row_len, |_, [x], y| {
        for (x, y) in x.chunks_exact(row_len).zip(y.chunks_exact_mut(row_len)) {
            y.copy_from_slice(x);
            row_in_place(y);
        }
    })
}

/// One row's softmax, in place.
pub(crate) fn row_in_place(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    for y in row.iter_mut() {
        *y = exp(*y - max);
    }
    let sum: f32 = row.iter().sum();
    row.iter_mut().for_each(|y| *y /= sum);
}

/// One row's backward in place: `dy` becomes `dx` from the output `y`, then divided by
/// `divisor` (the gradient through scores divided by it before the softmax).
pub(crate) fn row_backward_in_place(y: &[f32], dy: &mut [f32], divisor: f32) {
    let dot: f32 = y.iter().zip(dy.iter()).map(|(y, dy)| y * dy).sum();
    for (dy, &y) in dy.iter_mut().zip(y) {
        *dy = y * (*dy - dot) / divisor;
    }
}

/// The input's gradient from the forward output `y` and the output's gradient `dy`.
pub fn backward(y: &[f32], dy: &[f32], row_len: usize) -> Vec<f32> {
    map_rows([y, dy], row_len, |_, [y, dy], dx| {
        let rows = y.chunks_exact(row_len).zip(dy.chunks_exact(row_len)).zip(dx.chunks_exact_mut(row_len));
        for ((y, dy), dx) in rows {
            let dot: f32 = y.iter().zip(dy).map(|(y, dy)| y * dy).sum();
            for ((dx, &y), &dy) in dx.iter_mut().zip(y).zip(dy) {
                *dx = y * (dy - dot);
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_sum_to_one_and_masked_entries_vanish() {
        let row_len = 5;
        let x: Vec<f32> = (0..row_len * 9000).map(|i| ((i * 37 % 11) as f32 - 5.0) * 0.7).collect();
        let mut x = x;
        x[3] = -3.4e38;
        let y = forward(&x, row_len);
        for row in y.chunks(row_len) {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        }
        assert_eq!(y[3], 0.0);
    }

    #[test]
    fn backward_matches_the_jacobian() {
        let row_len = 4;
        let x = [0.3f32, -1.2, 2.0, 0.1];
        let dy = [0.5f32, -0.25, 1.0, 2.0];
        let y = forward(&x, row_len);
        let dx = backward(&y, &dy, row_len);
        for i in 0..row_len {
            let expected: f64 = (0..row_len)
                .map(|j| {
                    let kronecker = if i == j { 1.0 } else { 0.0 };
                    dy[j] as f64 * y[j] as f64 * (kronecker - y[i] as f64)
                })
                .sum();
            assert!((dx[i] as f64 - expected).abs() < 1e-6, "dx[{i}] = {} not {expected}", dx[i]);
        }
    }
}
