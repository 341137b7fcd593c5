//! A dense layer `y = x·W + b` and its three gradients, each one matrix product written
//! straight into a fresh buffer.
//!
//! Through the tensor ops, a product's output is allocated zeroed and then copied once more
//! into an aligned buffer, the bias is a second pass, and its gradient a reduction op of its
//! own. Here `x` is `[rows, inputs]`, `W` is `[inputs, outputs]` (burn's layout) and `b` is
//! `[outputs]`, all row-major.

use crate::rows::{map_blocks, repeat_rows};

/// The shape of one dense layer applied to a batch of rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dims {
    pub rows: usize,
    pub inputs: usize,
    pub outputs: usize,
}

/// A row-major or transposed view of a matrix in a slice.
#[derive(Debug, Clone, Copy)]
pub(crate) struct View<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> View<'a> {
    /// `data` as `[rows, cols]`, row-major.
    pub(crate) fn rows(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self { data, rows, cols, row_stride: cols, col_stride: 1 }
    }

    /// `[rows, cols]` whose rows start `row_stride` apart in `data`: one head's columns of a
    /// wider matrix.
    pub(crate) fn strided(data: &'a [f32], rows: usize, cols: usize, row_stride: usize) -> Self {
        Self { data, rows, cols, row_stride, col_stride: 1 }
    }

    /// The transpose of `self`.
    pub(crate) fn t(self) -> Self {
        Self { rows: self.cols, cols: self.rows, row_stride: self.col_stride, col_stride: self.row_stride, ..self }
    }

    /// The transpose of `data` taken as `[cols, rows]` row-major: a `[rows, cols]` view.
    fn transposed(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self::rows(data, cols, rows).t()
    }
}

/// Whether every element of a `[rows, cols]` view with these strides lies inside `len` values.
fn in_bounds(len: usize, rows: usize, cols: usize, row_stride: usize, col_stride: usize) -> bool {
    rows == 0 || cols == 0 || (rows - 1) * row_stride + (cols - 1) * col_stride < len
}

/// Whether a product may spread over threads: a whole layer's product may, while one of many
/// small products already run in parallel must not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Threads {
    All,
    One,
}

/// Panics unless `lhs·rhs` is defined and every value it reads or writes lies inside its
/// slice (`out_len` values for the output, rows `out_row_stride` apart).
fn check(lhs: View, rhs: View, out_len: usize, out_row_stride: usize) {
    let (m, k, n) = (lhs.rows, lhs.cols, rhs.cols);
    assert!(
        rhs.rows == k
            && in_bounds(out_len, m, n, out_row_stride, 1)
            && in_bounds(lhs.data.len(), lhs.rows, lhs.cols, lhs.row_stride, lhs.col_stride)
            && in_bounds(rhs.data.len(), rhs.rows, rhs.cols, rhs.row_stride, rhs.col_stride),
        "matrix product: operands do not fit [{m}, {k}]·[{}, {n}] → {out_len} values",
        rhs.rows,
    );
}

/// gemm's `out = lhs·rhs`, or `out += lhs·rhs` when `accumulate`.
///
/// # Safety
/// [`check`] must have passed for these views and `out`'s extent; `lhs.cols > 0`. Without
/// `accumulate` gemm reads no output value and writes every one, so `out` may point at
/// uninitialised memory.
unsafe fn multiply(lhs: View, rhs: View, out: *mut f32, out_row_stride: usize, accumulate: bool, threads: Threads) {
    #[cfg(not(target_arch = "wasm32"))]
    let parallelism = match threads {
        Threads::All => gemm::Parallelism::Rayon(0),
        Threads::One => gemm::Parallelism::None,
    };
    #[cfg(target_arch = "wasm32")]
    let parallelism = {
        let _ = threads;
        gemm::Parallelism::None
    };
    // SAFETY: the caller's `check` keeps every index of both views and of the output inside
    // its allocation.
    unsafe {
        gemm::gemm(
            lhs.rows,
            rhs.cols,
            lhs.cols,
            out,
            1,
            out_row_stride as isize,
            accumulate,
            lhs.data.as_ptr(),
            lhs.col_stride as isize,
            lhs.row_stride as isize,
            rhs.data.as_ptr(),
            rhs.col_stride as isize,
            rhs.row_stride as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

/// `out = lhs·rhs`, or `out += lhs·rhs` when `accumulate`; `out` is `[lhs.rows, rhs.cols]`
/// with rows `out_row_stride` apart.
pub(crate) fn product_into(
    lhs: View,
    rhs: View,
    out: &mut [f32],
    out_row_stride: usize,
    accumulate: bool,
    threads: Threads,
) {
    check(lhs, rhs, out.len(), out_row_stride);
    let (m, k, n) = (lhs.rows, lhs.cols, rhs.cols);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            out.chunks_mut(out_row_stride.max(1)).take(m).for_each(|row| row[..n].fill(0.0));
        }
        return;
    }
    // SAFETY: checked above, with `k > 0`.
    unsafe { multiply(lhs, rhs, out.as_mut_ptr(), out_row_stride, accumulate, threads) };
}

/// `lhs·rhs` as a new row-major buffer, on every thread, that nothing zeroes first.
fn product(lhs: View, rhs: View) -> Vec<f32> {
    let len = lhs.rows * rhs.cols;
    check(lhs, rhs, len, rhs.cols);
    if lhs.cols == 0 || len == 0 {
        return vec![0.0; len];
    }
    let mut out = Vec::with_capacity(len);
    // SAFETY: checked above, with `k > 0`, for `len` values of capacity. Without `accumulate`
    // gemm writes each of the `len` values, so all are initialised before `set_len`.
    unsafe {
        multiply(lhs, rhs, out.as_mut_ptr(), rhs.cols, false, Threads::All);
        out.set_len(len);
    }
    out
}

/// `x·W + b`, `[rows, outputs]`.
pub fn forward(x: &[f32], weight: &[f32], bias: Option<&[f32]>, d: Dims) -> Vec<f32> {
    let (x, weight) = (View::rows(x, d.rows, d.inputs), View::rows(weight, d.inputs, d.outputs));
    match bias {
        Some(bias) => {
            assert_eq!(bias.len(), d.outputs, "linear: the bias is not one value per output");
            let mut y = repeat_rows(bias, d.rows);
            product_into(x, weight, &mut y, d.outputs, true, Threads::All);
            y
        }
        None => product(x, weight),
    }
}

/// The input's gradient `dy·Wᵀ`, `[rows, inputs]`.
pub fn input_grad(dy: &[f32], weight: &[f32], d: Dims) -> Vec<f32> {
    product(View::rows(dy, d.rows, d.outputs), View::transposed(weight, d.outputs, d.inputs))
}

/// The weight's gradient `xᵀ·dy`, `[inputs, outputs]`.
pub fn weight_grad(x: &[f32], dy: &[f32], d: Dims) -> Vec<f32> {
    product(View::transposed(x, d.inputs, d.rows), View::rows(dy, d.rows, d.outputs))
}

/// The bias's gradient, `dy` summed over rows: blocks of rows in parallel, added in block order.
pub fn bias_grad(dy: &[f32], d: Dims) -> Vec<f32> {
    assert_eq!(dy.len(), d.rows * d.outputs, "linear: the output gradient is not [rows, outputs]");
    let partial = map_blocks(d.rows, d.outputs, |first, count| {
        let mut sums = vec![0.0f32; d.outputs];
        for row in dy[first * d.outputs..(first + count) * d.outputs].chunks_exact(d.outputs.max(1)) {
            for (sum, &g) in sums.iter_mut().zip(row) {
                *sum += g;
            }
        }
        sums
    });
    let mut db = vec![0.0f32; d.outputs];
    for sums in partial {
        for (total, s) in db.iter_mut().zip(sums) {
            *total += s;
        }
    }
    db
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize, seed: usize) -> Vec<f32> {
        (0..n).map(|i| (((i * 7919 + seed * 104_729) % 2003) as f32 / 1001.5) - 1.0).collect()
    }

    /// Sizes that leave partial tiles in every direction, rows beyond one block, and one row,
    /// one output or a depth of 1 or 2, which gemm hands to its vector-product paths.
    const SHAPES: [Dims; 5] = [
        Dims { rows: 37, inputs: 19, outputs: 23 },
        Dims { rows: 1000, inputs: 33, outputs: 47 },
        Dims { rows: 3, inputs: 1, outputs: 5 },
        Dims { rows: 1, inputs: 4, outputs: 1 },
        Dims { rows: 5, inputs: 2, outputs: 1 },
    ];

    /// Frees a buffer of `len` NaNs just before `f` runs, so that a product writing into
    /// memory it did not initialise would likely get that buffer back and read NaN.
    fn after_nans<T>(len: usize, f: impl FnOnce() -> T) -> T {
        drop(std::hint::black_box(vec![f32::NAN; len]));
        f()
    }

    fn close(got: &[f32], want: &[f64], what: &str) {
        assert_eq!(got.len(), want.len(), "{what}: length");
        for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
            assert!((g as f64 - w).abs() <= 1e-4 * (1.0 + w.abs()), "{what}[{i}] = {g}, not {w}");
        }
    }

    #[test]
    fn forward_and_gradients_match_an_f64_reference() {
        for d in SHAPES {
            let (x, w, b, dy) = (
                values(d.rows * d.inputs, 1),
                values(d.inputs * d.outputs, 2),
                values(d.outputs, 3),
                values(d.rows * d.outputs, 4),
            );
            let at = |m: &[f32], row: usize, cols: usize, col: usize| m[row * cols + col] as f64;
            let mut y = vec![0.0f64; d.rows * d.outputs];
            let mut dx = vec![0.0f64; d.rows * d.inputs];
            let mut dw = vec![0.0f64; d.inputs * d.outputs];
            let mut db = vec![0.0f64; d.outputs];
            for r in 0..d.rows {
                for o in 0..d.outputs {
                    let g = at(&dy, r, d.outputs, o);
                    y[r * d.outputs + o] = b[o] as f64;
                    db[o] += g;
                    for i in 0..d.inputs {
                        y[r * d.outputs + o] += at(&x, r, d.inputs, i) * at(&w, i, d.outputs, o);
                        dx[r * d.inputs + i] += g * at(&w, i, d.outputs, o);
                        dw[i * d.outputs + o] += at(&x, r, d.inputs, i) * g;
                    }
                }
            }
            close(&forward(&x, &w, Some(&b), d), &y, "y");
            let unbiased: Vec<f64> = y.iter().enumerate().map(|(i, v)| v - b[i % d.outputs] as f64).collect();
            close(&after_nans(y.len(), || forward(&x, &w, None, d)), &unbiased, "y without bias");
            close(&after_nans(dx.len(), || input_grad(&dy, &w, d)), &dx, "dx");
            close(&after_nans(dw.len(), || weight_grad(&x, &dy, d)), &dw, "dW");
            close(&bias_grad(&dy, d), &db, "db");
        }
    }

    #[test]
    #[should_panic(expected = "do not fit")]
    fn a_short_operand_is_refused() {
        let d = Dims { rows: 4, inputs: 3, outputs: 2 };
        forward(&[0.0; 11], &[0.0; 6], None, d);
    }
}
