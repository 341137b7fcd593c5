//! Multi-head self-attention's core, `softmax(Q·Kᵀ/√d + mask)·V` with dropout on the
//! probabilities, forward and backward, over the projections as they come out of their dense
//! layers: `[batch, seq, heads · head_dim]`, each head a strided block of columns.
//!
//! Through tensor ops each head's split and merge is a copy, and the scale, the mask, the
//! softmax, the dropout and both products are an op and a buffer each way. Here one task per
//! sequence runs every head's products (gemm, one thread each) and its rows' softmax, and
//! keeps only the probabilities for the backward pass.

use crate::fresh::filled_in_pieces;
use crate::linear::{product_into, Threads, View};
use crate::softmax::{row_backward_in_place, row_in_place};

/// The shape of one attention call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heads {
    pub batch: usize,
    pub seq: usize,
    pub heads: usize,
    pub head_dim: usize,
}

impl Heads {
    fn hidden(&self) -> usize {
        self.heads * self.head_dim
    }

    /// Values of one sequence's projections, or of its context.
    fn per_sequence(&self) -> usize {
        self.seq * self.hidden()
    }

    /// Values of one sequence's attention maps, every head.
    fn maps_per_sequence(&self) -> usize {
        self.heads * self.seq * self.seq
    }

    /// `√head_dim`, the scores' divisor, rounded as the tensor ops round it.
    fn divisor(&self) -> f32 {
        (self.head_dim as f64).sqrt() as f32
    }

    fn check(&self, projections: [&[f32]; 3], mask_bias: Option<&[f32]>, dropout: Option<&[f32]>) {
        let values = self.batch * self.per_sequence();
        assert!(
            projections.iter().all(|p| p.len() == values)
                && mask_bias.is_none_or(|m| m.len() == self.batch * self.seq)
                && dropout.is_none_or(|d| d.len() == self.batch * self.maps_per_sequence()),
            "attention: inputs do not fit {self:?}"
        );
    }
}

/// What the forward pass gives: the context, `[batch, seq, hidden]`, and the probabilities
/// before dropout, `[batch, heads, seq, seq]`, which the backward pass reads.
#[derive(Debug, Clone)]
pub struct Attended {
    pub context: Vec<f32>,
    pub probs: Vec<f32>,
}

/// The gradients of the three projections, each `[batch, seq, hidden]`.
#[derive(Debug, Clone)]
pub struct ProjectionGrads {
    pub query: Vec<f32>,
    pub key: Vec<f32>,
    pub value: Vec<f32>,
}

/// Sequence `b`'s values, `len` of them.
fn sequence(values: &[f32], b: usize, len: usize) -> &[f32] {
    &values[b * len..(b + 1) * len]
}

/// One head's block of columns in one sequence's `[seq, hidden]` values.
fn head_view(values: &[f32], h: Heads, head: usize) -> View<'_> {
    View::strided(&values[head * h.head_dim..], h.seq, h.head_dim, h.hidden())
}

/// `mask_bias`: `[batch, seq]`, added to every query's score for that key (0, or a large
/// negative number for padding). `dropout`: `[batch, heads, seq, seq]` multipliers, 0 or
/// `1/keep`, or `None` outside training.
pub fn forward(q: &[f32], k: &[f32], v: &[f32], mask_bias: &[f32], dropout: Option<&[f32]>, h: Heads) -> Attended {
    h.check([q, k, v], Some(mask_bias), dropout);
    let (per_sequence, maps, map) = (h.per_sequence(), h.maps_per_sequence(), h.seq * h.seq);
    let divisor = h.divisor();
    let lens = [h.batch * per_sequence, h.batch * maps];
    let [context, probs] = filled_in_pieces(lens, [per_sequence, maps], |b, [context, probs]| {
        let [q, k, v] = [q, k, v].map(|x| sequence(x, b, per_sequence));
        let mask = &mask_bias[b * h.seq..(b + 1) * h.seq];
        let mut dropped = vec![0.0; map];
        for (head, p) in probs.chunks_exact_mut(map.max(1)).enumerate() {
            product_into(head_view(q, h, head), head_view(k, h, head).t(), p, h.seq, false, Threads::One);
            for row in p.chunks_exact_mut(h.seq) {
                for (score, &bias) in row.iter_mut().zip(mask) {
                    *score = *score / divisor + bias;
                }
                row_in_place(row);
            }
            let kept = match dropout {
                Some(keep) => {
                    let keep = &keep[b * maps + head * map..][..map];
                    dropped.iter_mut().zip(p.iter().zip(keep)).for_each(|(d, (p, m))| *d = p * m);
                    &dropped
                }
                None => &*p,
            };
            let out = &mut context[head * h.head_dim..];
            product_into(View::rows(kept, h.seq, h.seq), head_view(v, h, head), out, h.hidden(), false, Threads::One);
        }
    });
    Attended { context, probs }
}

/// The projections' gradients from the context's, `d_context`, and what the forward pass kept.
pub fn backward(
    q: &[f32],
    k: &[f32],
    v: &[f32],
    probs: &[f32],
    dropout: Option<&[f32]>,
    d_context: &[f32],
    h: Heads,
) -> ProjectionGrads {
    h.check([q, k, v], None, dropout);
    let (per_sequence, maps, map) = (h.per_sequence(), h.maps_per_sequence(), h.seq * h.seq);
    assert!(
        probs.len() == h.batch * maps && d_context.len() == h.batch * per_sequence,
        "attention: saved probabilities or the context's gradient do not fit {h:?}"
    );
    let divisor = h.divisor();
    let lens = [h.batch * per_sequence; 3];
    let [query, key, value] = filled_in_pieces(lens, [per_sequence; 3], |b, [dq, dk, dv]| {
        let [q, k, v, dc] = [q, k, v, d_context].map(|x| sequence(x, b, per_sequence));
        let (mut dropped, mut dp) = (vec![0.0; map], vec![0.0; map]);
        for head in 0..h.heads {
            let p = &probs[b * maps + head * map..][..map];
            let keep = dropout.map(|keep| &keep[b * maps + head * map..][..map]);
            let kept = match keep {
                Some(keep) => {
                    dropped.iter_mut().zip(p.iter().zip(keep)).for_each(|(d, (p, m))| *d = p * m);
                    &dropped[..]
                }
                None => p,
            };
            let d_out = head_view(dc, h, head);
            let at = head * h.head_dim;
            product_into(View::rows(kept, h.seq, h.seq).t(), d_out, &mut dv[at..], h.hidden(), false, Threads::One);
            product_into(d_out, head_view(v, h, head).t(), &mut dp, h.seq, false, Threads::One);
            if let Some(keep) = keep {
                dp.iter_mut().zip(keep).for_each(|(g, m)| *g *= m);
            }
            for (p, g) in p.chunks_exact(h.seq).zip(dp.chunks_exact_mut(h.seq)) {
                row_backward_in_place(p, g, divisor);
            }
            let scores = View::rows(&dp, h.seq, h.seq);
            product_into(scores, head_view(k, h, head), &mut dq[at..], h.hidden(), false, Threads::One);
            product_into(scores.t(), head_view(q, h, head), &mut dk[at..], h.hidden(), false, Threads::One);
        }
    });
    ProjectionGrads { query, key, value }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: Heads = Heads { batch: 3, seq: 7, heads: 2, head_dim: 5 };

    fn values(n: usize, seed: usize) -> Vec<f32> {
        (0..n).map(|i| (((i * 7919 + seed * 104_729) % 2003) as f32 / 1001.5 - 1.0) * 0.8).collect()
    }

    /// The same function in f64, head by head and element by element.
    fn reference(q: &[f32], k: &[f32], v: &[f32], mask: &[f32], drop: Option<&[f32]>) -> (Vec<f64>, Vec<f64>) {
        let (hd, hidden, seq) = (H.head_dim, H.hidden(), H.seq);
        let mut context = vec![0.0; q.len()];
        let mut probs = vec![0.0; H.batch * H.maps_per_sequence()];
        for b in 0..H.batch {
            for head in 0..H.heads {
                let at = |x: &[f32], t: usize, d: usize| x[(b * seq + t) * hidden + head * hd + d] as f64;
                for i in 0..seq {
                    let scores: Vec<f64> = (0..seq)
                        .map(|j| {
                            let dot: f64 = (0..hd).map(|d| at(q, i, d) * at(k, j, d)).sum();
                            dot / (hd as f64).sqrt() + mask[b * seq + j] as f64
                        })
                        .collect();
                    let max = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                    let sum: f64 = scores.iter().map(|s| (s - max).exp()).sum();
                    for j in 0..seq {
                        let p = (scores[j] - max).exp() / sum;
                        let index = ((b * H.heads + head) * seq + i) * seq + j;
                        probs[index] = p;
                        let kept = p * drop.map_or(1.0, |m| m[index] as f64);
                        for d in 0..hd {
                            context[(b * seq + i) * hidden + head * hd + d] += kept * at(v, j, d);
                        }
                    }
                }
            }
        }
        (context, probs)
    }

    fn inputs() -> (Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>) {
        let n = H.batch * H.per_sequence();
        let mut mask = vec![0.0; H.batch * H.seq];
        mask[H.seq - 1] = -3.4e38;
        mask[2 * H.seq - 2] = -3.4e38;
        let drop = (0..H.batch * H.maps_per_sequence()).map(|i| if i % 5 == 0 { 0.0 } else { 1.25 }).collect();
        (values(n, 1), values(n, 2), values(n, 3), mask, drop)
    }

    #[test]
    fn forward_matches_an_f64_reference_with_and_without_dropout() {
        let (q, k, v, mask, drop) = inputs();
        for dropout in [None, Some(&drop[..])] {
            let got = forward(&q, &k, &v, &mask, dropout, H);
            let (context, probs) = reference(&q, &k, &v, &mask, dropout);
            for (i, (&g, &w)) in got.context.iter().zip(&context).enumerate() {
                assert!((g as f64 - w).abs() < 1e-5, "context[{i}] = {g}, not {w}");
            }
            for (i, (&g, &w)) in got.probs.iter().zip(&probs).enumerate() {
                assert!((g as f64 - w).abs() < 1e-6, "probs[{i}] = {g}, not {w}");
            }
            assert_eq!(got.probs[H.seq - 1], 0.0, "a padded key gets no attention");
        }
    }

    #[test]
    fn backward_matches_finite_differences() {
        let (q, k, v, mask, drop) = inputs();
        let d_context = values(q.len(), 4);
        let forward_ = forward(&q, &k, &v, &mask, Some(&drop), H);
        let grads = backward(&q, &k, &v, &forward_.probs, Some(&drop), &d_context, H);
        // ⟨d_context, context(x)⟩ in f64; its derivative along each input is the gradient.
        let loss = |q: &[f32], k: &[f32], v: &[f32]| -> f64 {
            let (context, _) = reference(q, k, v, &mask, Some(&drop));
            context.iter().zip(&d_context).map(|(c, &g)| c * g as f64).sum()
        };
        let step = 1e-2f32;
        for (name, which, grad) in [("q", 0, &grads.query), ("k", 1, &grads.key), ("v", 2, &grads.value)] {
            for i in (0..q.len()).step_by(7) {
                let mut moved = [q.clone(), k.clone(), v.clone()];
                moved[which][i] += step;
                let up = loss(&moved[0], &moved[1], &moved[2]);
                moved[which][i] -= 2.0 * step;
                let down = loss(&moved[0], &moved[1], &moved[2]);
                let numeric = (up - down) / (2.0 * step as f64);
                assert!((grad[i] as f64 - numeric).abs() < 2e-3, "d{name}[{i}] = {}, not {numeric}", grad[i]);
            }
        }
    }
}
