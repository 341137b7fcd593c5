//! The site's copy of the default model in half precision (IEEE binary16): what a first visit
//! downloads, 45 MB instead of 91, which the page upcasts to f32 on load. fp16 rather than
//! bf16 because MiniLM's weights sit well inside fp16's range, where its 10 mantissa bits keep
//! three more than bf16's 7 (`tests/engine/half_model.rs` measures both). Tests and golden
//! parity keep the f32 original.

use std::fs;
use std::path::Path;

use crate::precompress;
use crate::safetensors_file::{read, write, Tensor};

/// The folder name of the half-precision copy, beside the original under `web/models/`.
pub const SUFFIX: &str = "-f16";

/// Writes `to` from the f32 model folder `from`: the same config and tokenizer, every F32
/// tensor rounded to F16. Skipped when `to` is newer than the original weights.
pub fn write_copy(from: &Path, to: &Path) -> Result<(), String> {
    let weights = from.join("model.safetensors");
    let modified = |p: &Path| p.metadata().and_then(|m| m.modified()).ok();
    let target = to.join("model.safetensors");
    let fresh = matches!((modified(&target), modified(&weights)), (Some(t), Some(w)) if t >= w);
    if fresh && to.join("config.json").is_file() && to.join("tokenizer.json").is_file() {
        return Ok(());
    }
    fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for file in ["config.json", "tokenizer.json"] {
        fs::copy(from.join(file), to.join(file)).map_err(|e| format!("{}: {e}", from.join(file).display()))?;
    }
    let bytes = fs::read(&weights).map_err(|e| format!("{}: {e}", weights.display()))?;
    let tensors = read(&bytes).map_err(|e| format!("{}: {e}", weights.display()))?;
    let half: Vec<Tensor> = tensors.into_iter().map(to_f16).collect();
    let part = to.join("model.safetensors.part");
    fs::write(&part, write(&half)).map_err(|e| format!("{}: {e}", part.display()))?;
    fs::rename(&part, &target).map_err(|e| format!("{}: {e}", target.display()))?;
    // Gzip siblings for the servers that send them (fp16 weights shrink by about 8 %).
    let written = fs::read(&target).map_err(|e| format!("{}: {e}", target.display()))?;
    let gz = precompress::gz_path(&target);
    fs::write(&gz, precompress::gzip(&written)?).map_err(|e| format!("{}: {e}", gz.display()))?;
    precompress::precompress(to)?;
    eprintln!("xtask: half-precision copy of the default model in {}", to.display());
    Ok(())
}

fn to_f16(tensor: Tensor) -> Tensor {
    if tensor.dtype != "F32" {
        return tensor;
    }
    let data = tensor
        .data
        .chunks_exact(4)
        .flat_map(|b| f16_bits(f32::from_le_bytes([b[0], b[1], b[2], b[3]])).to_le_bytes())
        .collect();
    Tensor { dtype: "F16".into(), data, ..tensor }
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
