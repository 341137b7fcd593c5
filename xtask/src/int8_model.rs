//! The site's int8 copy of the default model, what a first visit downloads: each matrix as
//! int8 with one symmetric scale per row (an HF `Linear` weight's row is an output channel, an
//! embedding's row a token), under `{name}.scale`; vectors (biases, LayerNorm) stay f32. 23 MB instead of 91, 21 MB gzipped,
//! which the core reads back to f32 on load (`WeightMap::from_safetensors`).

use crate::safetensors_file::{f32_tensor, f32_values, Tensor};

/// The folder name of the int8 copy, beside the original under `web/models/`.
pub const SUFFIX: &str = "-q8";

/// The largest magnitude of a symmetric int8 value.
const LIMIT: f32 = 127.0;

/// An F32 matrix as int8 rows and their scales; anything else stays as it is.
pub fn to_int8_rows(tensor: Tensor) -> Vec<Tensor> {
    if tensor.dtype != "F32" || tensor.shape.len() != 2 || tensor.shape[1] == 0 {
        return vec![tensor];
    }
    let values: Vec<f32> = f32_values(&tensor.data).collect();
    let mut data = Vec::with_capacity(values.len());
    let mut scales = Vec::with_capacity(tensor.shape[0]);
    for row in values.chunks_exact(tensor.shape[1]) {
        let peak = row.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let scale = if peak > 0.0 { peak / LIMIT } else { 1.0 };
        data.extend(row.iter().map(|v| (v / scale).round().clamp(-LIMIT, LIMIT) as i8 as u8));
        scales.push(scale);
    }
    let scale_tensor = f32_tensor(&format!("{}.scale", tensor.name), &[tensor.shape[0]], &scales);
    vec![Tensor { dtype: "I8".into(), data, ..tensor }, scale_tensor]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_row_is_scaled_by_its_own_peak() {
        let matrix = f32_tensor("m", &[2, 3], &[0.5, -1.0, 0.25, 4.0, 0.0, -8.0]);
        let [q, s] = &to_int8_rows(matrix)[..] else { panic!("a matrix and its scales") };
        assert_eq!((q.name.as_str(), q.dtype.as_str(), &q.shape), ("m", "I8", &vec![2, 3]));
        assert_eq!(q.data.iter().map(|&b| b as i8).collect::<Vec<_>>(), vec![64, -127, 32, 64, 0, -127]);
        assert_eq!((s.name.as_str(), s.dtype.as_str(), &s.shape), ("m.scale", "F32", &vec![2]));
        let vector = f32_tensor("b", &[3], &[1.0, 2.0, 3.0]);
        assert_eq!(to_int8_rows(vector).len(), 1, "a vector stays f32");
    }
}
