//! Seeded, stratified train/dev/test splits.
//!
//! Each stratum (a label, or an NER sentence's first entity type) is shuffled and cut on its
//! own, so a rare label still reaches dev and test. Within each split the items keep their
//! file order, which makes a split easy to check by eye and independent of stratum order.

use std::collections::BTreeMap;

use thiserror::Error;

use super::NerExample;
use crate::core::rng::Rng;

/// Shares of train, dev and test; validated, so splitting itself cannot fail.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fractions {
    train: f64,
    dev: f64,
    test: f64,
}

/// Why a set of fractions was refused.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SplitError {
    #[error("split fractions must be finite and not negative (got train {train}, dev {dev}, test {test})")]
    Invalid { train: f64, dev: f64, test: f64 },
    #[error("split fractions must not all be zero")]
    AllZero,
}

impl Fractions {
    /// 80 % train, 10 % dev, 10 % test.
    pub const DEFAULT: Fractions = Fractions { train: 0.8, dev: 0.1, test: 0.1 };

    /// Takes any non-negative shares and scales them to sum to 1.
    pub fn new(train: f64, dev: f64, test: f64) -> Result<Self, SplitError> {
        if [train, dev, test].iter().any(|f| !f.is_finite() || *f < 0.0) {
            return Err(SplitError::Invalid { train, dev, test });
        }
        let sum = train + dev + test;
        if sum <= 0.0 {
            return Err(SplitError::AllZero);
        }
        Ok(Self { train: train / sum, dev: dev / sum, test: test / sum })
    }

    pub fn train(&self) -> f64 {
        self.train
    }

    pub fn dev(&self) -> f64 {
        self.dev
    }

    pub fn test(&self) -> f64 {
        self.test
    }
}

impl Default for Fractions {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl TryFrom<(f64, f64, f64)> for Fractions {
    type Error = SplitError;

    fn try_from((train, dev, test): (f64, f64, f64)) -> Result<Self, SplitError> {
        Self::new(train, dev, test)
    }
}

/// The three parts of a dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Splits<T> {
    pub train: Vec<T>,
    pub dev: Vec<T>,
    pub test: Vec<T>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Train,
    Dev,
    Test,
}

/// How many of a stratum's `n` items go to dev and to test: rounded shares, at least one each
/// (when its share is not zero) once the stratum has 3 items, and never all of it.
fn allot(n: usize, fractions: &Fractions) -> (usize, usize) {
    let share = |f: f64| (n as f64 * f).round() as usize;
    let (mut dev, mut test) = (share(fractions.dev), share(fractions.test));
    if n >= 3 {
        if fractions.dev > 0.0 {
            dev = dev.max(1);
        }
        if fractions.test > 0.0 {
            test = test.max(1);
        }
    }
    let keep = usize::from(fractions.train > 0.0 && n > 0);
    while dev + test > n - keep.min(n) {
        if dev >= test && dev > 0 {
            dev -= 1;
        } else {
            test -= 1;
        }
    }
    (dev, test)
}

/// Splits `items` by `fractions`, stratified by `key`, reproducibly for a given `seed`.
/// Each stratum is shuffled with its own generator (from the seed and the key), then its
/// first items go to dev, the next to test and the rest to train.
pub fn split_stratified<T>(items: Vec<T>, key: impl Fn(&T) -> String, fractions: Fractions, seed: u64) -> Splits<T> {
    let mut strata: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (index, item) in items.iter().enumerate() {
        strata.entry(key(item)).or_default().push(index);
    }
    let mut part = vec![Part::Train; items.len()];
    for (stratum, indices) in &mut strata {
        Rng::new(seed ^ fnv1a(stratum)).shuffle(indices);
        let (dev, test) = allot(indices.len(), &fractions);
        indices[..dev].iter().for_each(|&i| part[i] = Part::Dev);
        indices[dev..dev + test].iter().for_each(|&i| part[i] = Part::Test);
    }
    let mut splits = Splits { train: Vec::new(), dev: Vec::new(), test: Vec::new() };
    for (item, part) in items.into_iter().zip(part) {
        match part {
            Part::Train => splits.train.push(item),
            Part::Dev => splits.dev.push(item),
            Part::Test => splits.test.push(item),
        }
    }
    splits
}

/// FNV-1a: gives each stratum its own stream, so adding or removing one label leaves the
/// split of every other label as it was.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xCBF2_9CE4_8422_2325, |hash, b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3))
}

/// The stratum of an NER sentence: the type of its first entity, or `O` when it has none.
pub fn ner_stratum(example: &NerExample) -> String {
    example.tags.iter().find_map(|t| t.strip_prefix("B-").or_else(|| t.strip_prefix("I-"))).unwrap_or("O").to_string()
}

/// The first `n` items (all of them when `n` is `None`).
pub fn limit<T>(mut items: Vec<T>, n: Option<usize>) -> Vec<T> {
    if let Some(n) = n {
        items.truncate(n);
    }
    items
}
