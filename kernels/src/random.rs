//! SplitMix64's output function (Steele, Lea and Flood 2014). Its state advances by a constant,
//! so the k-th value of a stream is a function of `seed + k·γ` alone, and any block of a stream
//! can be drawn without the values before it: in parallel, the same values as in order.

/// The constant the state advances by at each draw.
pub const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The value drawn when the state has become `state`.
pub fn output(state: u64) -> u64 {
    let mut z = state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The `k`-th value (from 1) of the stream seeded with `seed`.
pub fn nth(seed: u64, k: u64) -> u64 {
    output(seed.wrapping_add(k.wrapping_mul(GAMMA)))
}
