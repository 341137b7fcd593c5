//! A copy of the default model in half precision (IEEE binary16), 45 MB instead of 91: what a
//! first visit downloaded before the int8 copy (`int8_model.rs`) halved it again, kept for
//! `cargo xtask quality --half` and as the measured alternative. fp16 rather than
//! bf16 because MiniLM's weights sit well inside fp16's range, where its 10 mantissa bits keep
//! three more than bf16's 7 (`tests/engine/half_model.rs` measures both). Tests and golden
//! parity keep the f32 original.

use crate::safetensors_file::{f32_values, Tensor};

/// The folder name of the half-precision copy, beside the original under `web/models/`.
pub const SUFFIX: &str = "-f16";

/// A tensor rounded to F16; a tensor that is not F32 stays as it is.
pub fn to_f16(tensor: Tensor) -> Vec<Tensor> {
    if tensor.dtype != "F32" {
        return vec![tensor];
    }
    let data = f32_values(&tensor.data).flat_map(|v| f16_bits(v).to_le_bytes()).collect();
    vec![Tensor { dtype: "F16".into(), data, ..tensor }]
}

/// The binary16 nearest to `x`, ties to even (IEEE 754's default rounding): subnormals below
/// 2^-14, infinity past 65504, NaN kept a NaN.
pub fn f16_bits(x: f32) -> u16 {
    let bits = x.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exponent = ((bits >> 23) & 0xff) as i32;
    let mantissa = bits & 0x7f_ffff;
    if exponent == 0xff {
        return sign | 0x7c00 | if mantissa != 0 { 0x200 } else { 0 };
    }
    let e = exponent - 127 + 15;
    if e >= 0x1f {
        return sign | 0x7c00;
    }
    if e <= 0 {
        if e < -10 {
            return sign;
        }
        let m = mantissa | 0x80_0000;
        let shift = (14 - e) as u32;
        let rounded = (m + (1 << (shift - 1)) - 1 + ((m >> shift) & 1)) >> shift;
        return sign | rounded as u16;
    }
    let rounded = mantissa + 0xfff + ((mantissa >> 13) & 1);
    let combined = ((e as u32) << 10) + (rounded >> 13);
    sign | combined.min(0x7c00) as u16
}

#[cfg(test)]
mod tests {
    use super::f16_bits;

    #[test]
    fn rounding_to_half_precision_follows_ieee() {
        for (x, bits) in [
            (0.0f32, 0x0000u16),
            (-0.0, 0x8000),
            (1.0, 0x3c00),
            (-2.0, 0xc000),
            (65504.0, 0x7bff),
            (65520.0, 0x7c00),
            (f32::INFINITY, 0x7c00),
            (6.103_515_6e-5, 0x0400),
            (5.960_464_5e-8, 0x0001),
            (2.980_232_2e-8, 0x0000),
            (1.000_488_3, 0x3c00),
            (1.001_464_8, 0x3c02),
            (0.333_333_34, 0x3555),
        ] {
            assert_eq!(f16_bits(x), bits, "{x}");
        }
        assert_eq!(f16_bits(f32::NAN) & 0x7c00, 0x7c00);
        assert_ne!(f16_bits(f32::NAN) & 0x3ff, 0);
    }
}
