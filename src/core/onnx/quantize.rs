//! int8 weights for dynamic quantization, as onnxruntime's `quantize_dynamic` with
//! `per_channel=True` writes them: one symmetric scale per output column, zero point 0; and
//! the word-embedding table with one scale per token's row, as a lookup reads it.

use crate::core::model::HostTensor;

/// The largest magnitude of a symmetric int8 value: −127..=127 keeps the range even about 0.
const INT8_LIMIT: f32 = 127.0;

/// A matrix as int8 values and one scale per column or per row (`w ≈ value · scale`).
#[derive(Debug, Clone, PartialEq)]
pub struct QuantizedMatrix {
    pub values: Vec<i8>,
    pub scales: Vec<f32>,
}

/// Quantizes each column of `matrix` (`[in, out]`, row-major) to int8 by its own largest
/// magnitude.
pub fn quantize_columns(matrix: &HostTensor) -> QuantizedMatrix {
    let (rows, cols) = (matrix.shape[0], matrix.shape[1]);
    let mut largest = vec![0.0f32; cols];
    for row in matrix.values.chunks_exact(cols) {
        for (m, v) in largest.iter_mut().zip(row) {
            *m = m.max(v.abs());
        }
    }
    let scales: Vec<f32> = largest.into_iter().map(scale_for).collect();
    let mut values = Vec::with_capacity(rows * cols);
    for row in matrix.values.chunks_exact(cols) {
        values.extend(row.iter().zip(&scales).map(|(&v, &s)| to_int8(v, s)));
    }
    QuantizedMatrix { values, scales }
}

/// Quantizes each row of `matrix` (`[rows, cols]`, row-major) to int8 by its own largest
/// magnitude: an embedding table, where a rare token's small vector keeps its own precision.
pub fn quantize_rows(matrix: &HostTensor) -> QuantizedMatrix {
    let cols = matrix.shape[1];
    let mut values = Vec::with_capacity(matrix.values.len());
    let mut scales = Vec::with_capacity(matrix.shape[0]);
    for row in matrix.values.chunks_exact(cols) {
        let scale = scale_for(row.iter().fold(0.0f32, |m, v| m.max(v.abs())));
        values.extend(row.iter().map(|&v| to_int8(v, scale)));
        scales.push(scale);
    }
    QuantizedMatrix { values, scales }
}

/// The symmetric scale for values whose largest magnitude is `peak`; all zeros get 1, so that
/// dequantizing never divides by zero.
fn scale_for(peak: f32) -> f32 {
    if peak > 0.0 {
        peak / INT8_LIMIT
    } else {
        1.0
    }
}

fn to_int8(value: f32, scale: f32) -> i8 {
    (value / scale).round().clamp(-INT8_LIMIT, INT8_LIMIT) as i8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_column_is_within_half_a_step_of_the_original() {
        let values: Vec<f32> = (0..12).map(|i| ((i * 7919) % 23) as f32 / 7.0 - 1.5).collect();
        let mut matrix = HostTensor { shape: vec![4, 3], values };
        matrix.values[2] = 0.0;
        matrix.values[5] = 0.0;
        matrix.values[8] = 0.0;
        matrix.values[11] = 0.0;
        let q = quantize_columns(&matrix);
        assert_eq!(q.scales[2], 1.0, "an all-zero column");
        for (i, (v, q_value)) in matrix.values.iter().zip(&q.values).enumerate() {
            let scale = q.scales[i % 3];
            assert!((v - *q_value as f32 * scale).abs() <= scale / 2.0 + 1e-6, "value {i}: {v} vs {q_value}·{scale}");
        }
        for column in 0..2 {
            let peak = (0..4).map(|r| q.values[r * 3 + column].unsigned_abs()).max();
            assert_eq!(peak, Some(127), "column {column}'s largest value uses the whole range");
        }
    }

    #[test]
    fn each_row_has_its_own_scale() {
        let matrix = HostTensor {
            shape: vec![3, 4],
            values: vec![0.5, -1.0, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 4.0, 2.0, -8.0, 1.0],
        };
        let q = quantize_rows(&matrix);
        assert_eq!(q.scales, vec![1.0 / 127.0, 1.0, 8.0 / 127.0]);
        assert_eq!(&q.values[0..4], &[64, -127, 32, 0], "row 0 by its own peak, 1.0");
        assert_eq!(&q.values[4..8], &[0, 0, 0, 0], "an all-zero row");
        assert_eq!(&q.values[8..12], &[64, 32, -127, 16], "row 2 by its own peak, 8.0");
    }
}
