//! A small seeded random number generator (SplitMix64), the same on every platform.
//!
//! Splits, shuffles and weight initialisation must repeat exactly for a given seed, natively
//! and in wasm, without depending on a crate's version-to-version stream stability.

use tunelab_kernels::random;

/// SplitMix64 (Steele, Lea & Flood 2014): one 64-bit state, passes BigCrush, never stuck at 0.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rng {
    state: u64,
    /// The second value of the last Box–Muller pair.
    spare_normal: Option<u64>,
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self { state: seed, spare_normal: None }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(random::GAMMA);
        random::output(self.state)
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n` without modulo bias (Lemire's method); 0 when `n` is 0.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let threshold = n.wrapping_neg() % n;
        loop {
            let product = u128::from(self.next_u64()) * u128::from(n);
            if (product as u64) >= threshold {
                return (product >> 64) as u64;
            }
        }
    }

    /// Fisher–Yates.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }

    /// Standard normal (mean 0, variance 1), by Box–Muller; pairs are used in full.
    pub fn normal(&mut self) -> f64 {
        if let Some(bits) = self.spare_normal.take() {
            return f64::from_bits(bits);
        }
        let u1 = 1.0 - self.next_f64();
        let u2 = self.next_f64();
        let radius = (-2.0 * u1.ln()).sqrt();
        let angle = std::f64::consts::TAU * u2;
        self.spare_normal = Some((radius * angle.sin()).to_bits());
        radius * angle.cos()
    }
}
