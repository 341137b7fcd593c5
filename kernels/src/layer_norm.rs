//! LayerNorm over the last dimension, `y = (x − μ) / √(σ² + ε) · γ + β` with the biased
//! variance, as `torch.nn.LayerNorm`. The forward keeps each row's mean and `1/√(σ² + ε)` so the
//! backward recomputes `x̂` without a second reduction:
//! `dx = (g − mean(g) − x̂ · mean(g ⊙ x̂)) / √(σ² + ε)` with `g = dy ⊙ γ`.

use crate::rows::{map_blocks, map_rows};

/// Per-row statistics the backward needs.
#[derive(Debug, Clone, Default)]
pub struct RowStats {
    pub mean: Vec<f32>,
    pub inv_std: Vec<f32>,
}

/// The gradients of the input, of `γ` and of `β`.
#[derive(Debug, Clone)]
pub struct Gradients {
    pub input: Vec<f32>,
    pub gamma: Vec<f32>,
    pub beta: Vec<f32>,
}

/// Mean and `1/√(σ² + ε)` of every row of `x`.
fn row_stats(x: &[f32], row_len: usize, eps: f32) -> RowStats {
    let rows = x.len() / row_len;
    let blocks = map_blocks(rows, row_len, |first, count| {
        let mut stats = RowStats::default();
        for row in x[first * row_len..(first + count) * row_len].chunks_exact(row_len) {
            let mean = row.iter().sum::<f32>() / row_len as f32;
            let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / row_len as f32;
            stats.mean.push(mean);
            stats.inv_std.push(1.0 / (var + eps).sqrt());
        }
        stats
    });
    let mut all = RowStats { mean: Vec::with_capacity(rows), inv_std: Vec::with_capacity(rows) };
    for block in blocks {
        all.mean.extend(block.mean);
        all.inv_std.extend(block.inv_std);
    }
    all
}

/// The normalised, scaled and shifted rows of `x` (rows as long as `gamma`), and their statistics.
pub fn forward(x: &[f32], gamma: &[f32], beta: &[f32], eps: f32) -> (Vec<f32>, RowStats) {
    let row_len = gamma.len();
    let stats = row_stats(x, row_len, eps);
    let y = map_rows([x], row_len, |first, [x], y| {
        for (r, (x, y)) in x.chunks_exact(row_len).zip(y.chunks_exact_mut(row_len)).enumerate() {
            let (mean, inv_std) = (stats.mean[first + r], stats.inv_std[first + r]);
            for (((y, &x), &g), &b) in y.iter_mut().zip(x).zip(gamma).zip(beta) {
                *y = (x - mean) * inv_std * g + b;
            }
        }
    });
    (y, stats)
}

/// The gradients from the forward's input, `γ`, statistics and the output's gradient `dy`.
pub fn backward(x: &[f32], gamma: &[f32], stats: &RowStats, dy: &[f32]) -> Gradients {
    let row_len = gamma.len();
    let input = map_rows([x, dy], row_len, |first, [x, dy], dx| {
        let rows = x.chunks_exact(row_len).zip(dy.chunks_exact(row_len)).zip(dx.chunks_exact_mut(row_len));
        for (r, ((x, dy), dx)) in rows.enumerate() {
            let (mean, inv_std) = (stats.mean[first + r], stats.inv_std[first + r]);
            let (mut g_sum, mut gx_sum) = (0.0f32, 0.0f32);
            for ((&x, &dy), &gamma) in x.iter().zip(dy).zip(gamma) {
                let g = dy * gamma;
                g_sum += g;
                gx_sum += g * (x - mean) * inv_std;
            }
            let (g_mean, gx_mean) = (g_sum / row_len as f32, gx_sum / row_len as f32);
            for (((dx, &x), &dy), &gamma) in dx.iter_mut().zip(x).zip(dy).zip(gamma) {
                let x_hat = (x - mean) * inv_std;
                *dx = (dy * gamma - g_mean - x_hat * gx_mean) * inv_std;
            }
        }
    });
    let rows = x.len() / row_len;
    let partial = map_blocks(rows, row_len, |first, count| {
        let (mut d_gamma, mut d_beta) = (vec![0.0f32; row_len], vec![0.0f32; row_len]);
        for r in first..first + count {
            let (mean, inv_std) = (stats.mean[r], stats.inv_std[r]);
            let span = r * row_len..(r + 1) * row_len;
            for (((dg, db), &x), &dy) in d_gamma.iter_mut().zip(d_beta.iter_mut()).zip(&x[span.clone()]).zip(&dy[span])
            {
                *dg += dy * (x - mean) * inv_std;
                *db += dy;
            }
        }
        (d_gamma, d_beta)
    });
    let (mut d_gamma, mut d_beta) = (vec![0.0f32; row_len], vec![0.0f32; row_len]);
    for (dg, db) in partial {
        d_gamma.iter_mut().zip(dg).for_each(|(sum, v)| *sum += v);
        d_beta.iter_mut().zip(db).for_each(|(sum, v)| *sum += v);
    }
    Gradients { input, gamma: d_gamma, beta: d_beta }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row's LayerNorm in f64, for finite differences.
    fn loss(x: &[f64], gamma: &[f64], beta: &[f64], weights: &[f64], eps: f64) -> f64 {
        let n = gamma.len();
        x.chunks(n)
            .zip(weights.chunks(n))
            .map(|(row, w)| {
                let mean = row.iter().sum::<f64>() / n as f64;
                let var = row.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
                let inv = 1.0 / (var + eps).sqrt();
                (0..n).map(|i| ((row[i] - mean) * inv * gamma[i] + beta[i]) * w[i]).sum::<f64>()
            })
            .sum()
    }

    #[test]
    fn forward_normalises_and_backward_matches_finite_differences() {
        let (n, rows, eps) = (6, 3, 1e-12);
        let x: Vec<f32> = (0..n * rows).map(|i| ((i * 13 % 7) as f32 - 3.0) * 0.9 + i as f32 * 0.05).collect();
        let gamma: Vec<f32> = (0..n).map(|i| 0.5 + i as f32 * 0.2).collect();
        let beta: Vec<f32> = (0..n).map(|i| i as f32 * 0.1 - 0.2).collect();
        let dy: Vec<f32> = (0..n * rows).map(|i| ((i * 5 % 9) as f32 - 4.0) * 0.3).collect();
        let (y, stats) = forward(&x, &gamma, &beta, eps as f32);
        for (r, row) in y.chunks(n).enumerate() {
            let normalised: Vec<f32> = row.iter().zip(&gamma).zip(&beta).map(|((y, g), b)| (y - b) / g).collect();
            assert!(normalised.iter().sum::<f32>().abs() < 1e-5, "row {r} mean");
            assert!((normalised.iter().map(|v| v * v).sum::<f32>() / n as f32 - 1.0).abs() < 1e-5, "row {r} var");
        }
        let grads = backward(&x, &gamma, &stats, &dy);
        let wide = |v: &[f32]| v.iter().map(|&v| v as f64).collect::<Vec<f64>>();
        let (x64, g64, b64, w64) = (wide(&x), wide(&gamma), wide(&beta), wide(&dy));
        let h = 1e-6;
        let numeric = |which: usize, i: usize| {
            let mut plus = [x64.clone(), g64.clone(), b64.clone()];
            let mut minus = plus.clone();
            plus[which][i] += h;
            minus[which][i] -= h;
            (loss(&plus[0], &plus[1], &plus[2], &w64, eps) - loss(&minus[0], &minus[1], &minus[2], &w64, eps))
                / (2.0 * h)
        };
        for i in 0..x.len() {
            assert!((grads.input[i] as f64 - numeric(0, i)).abs() < 1e-4, "dx[{i}]");
        }
        for i in 0..n {
            assert!((grads.gamma[i] as f64 - numeric(1, i)).abs() < 1e-4, "dγ[{i}]");
            assert!((grads.beta[i] as f64 - numeric(2, i)).abs() < 1e-4, "dβ[{i}]");
        }
    }

    #[test]
    fn gamma_and_beta_gradients_do_not_depend_on_the_blocking() {
        let n = 8;
        let rows = 5000;
        let x: Vec<f32> = (0..n * rows).map(|i| ((i * 31 % 17) as f32 - 8.0) * 0.25).collect();
        let gamma = vec![1.0f32; n];
        let beta = vec![0.0f32; n];
        let dy: Vec<f32> = (0..n * rows).map(|i| ((i * 7 % 5) as f32 - 2.0) * 0.5).collect();
        let (_, stats) = forward(&x, &gamma, &beta, 1e-5);
        let grads = backward(&x, &gamma, &stats, &dy);
        let d_beta: Vec<f64> = (0..n).map(|c| (0..rows).map(|r| dy[r * n + c] as f64).sum()).collect();
        for c in 0..n {
            assert!((grads.beta[c] as f64 - d_beta[c]).abs() < 1e-2, "dβ[{c}] = {} not {}", grads.beta[c], d_beta[c]);
        }
        assert_eq!(backward(&x, &gamma, &stats, &dy).gamma, grads.gamma, "dγ is deterministic");
    }
}
