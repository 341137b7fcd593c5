//! What the bench measures and how its figures are summarised: the setup of a run, one row of
//! the table, and medians over epochs or steps. Shared by every side of the bench.

use serde_json::Value;

pub const MODEL: &str = "web/models/all-MiniLM-L6-v2";
pub const DATA: &str = "../shared/data/wnut17/train.conll";

/// What one bench run measures.
#[derive(Debug, Clone, Copy)]
pub struct Setup {
    /// The first N sentences of WNUT-17's training file.
    pub sentences: usize,
    /// Epochs on the CPU rows; the first is the warm-up.
    pub epochs: usize,
    /// Steps on the software-GPU and in-browser rows (an epoch there takes hours); the first
    /// (shader compilation, first allocations) is the warm-up.
    pub slow_steps: usize,
    pub batch: usize,
    pub max_len: usize,
    /// Release builds (the figures that count); `--tiny` reuses the tests' dev builds.
    pub release: bool,
    pub threads: usize,
}

impl Setup {
    pub fn full() -> Self {
        Self { sentences: 512, epochs: 3, slow_steps: 4, batch: 16, max_len: 128, release: true, threads: threads() }
    }

    /// What `cargo xtask test` runs: the same code paths on a few steps.
    pub fn tiny() -> Self {
        Self { sentences: 32, epochs: 2, slow_steps: 2, release: false, ..Self::full() }
    }
}

/// Threads Tunelab's CPU backend uses (rayon's default: one per core), so PyTorch gets as many.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// One measured configuration. `tokens_per_s` is `None` when it could not be measured, and
/// `note` says why.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub name: String,
    pub measured: String,
    pub tokens_per_s: Option<f64>,
    pub sequences_per_s: Option<f64>,
    pub peak_rss_mb: Option<f64>,
    pub device_memory_mb: Option<f64>,
    pub note: Option<String>,
    pub detail: Value,
}

impl Row {
    pub fn failed(name: impl Into<String>, why: impl Into<String>) -> Self {
        Self { name: name.into(), note: Some(why.into()), ..Self::default() }
    }
}

/// "2 epochs after 1 warm-up".
pub fn counted(n: usize, unit: &str) -> String {
    format!("{n} {unit}{} after 1 warm-up", if n == 1 { "" } else { "s" })
}

pub fn median(mut values: Vec<f64>) -> Option<f64> {
    values.retain(|v| v.is_finite());
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

/// Median tokens/s and sequences/s over the epochs after the first.
pub fn epoch_rates(epochs: &[Value], seconds: &str, tokens: &str, sequences: &str) -> (Option<f64>, Option<f64>) {
    let measured = epochs.get(1..).unwrap_or_default();
    let rate =
        |key: &str| median(measured.iter().filter_map(|e| Some(e[key].as_f64()? / e[seconds].as_f64()?)).collect());
    (rate(tokens), rate(sequences))
}

/// Median tokens/s and sequences/s over the steps after the first, from cumulative
/// `(elapsed_s, tokens)` points taken after each step.
pub fn step_rates(points: &[(f64, f64)], batch: usize) -> (Option<f64>, Option<f64>) {
    let durations: Vec<(f64, f64)> = points.windows(2).map(|w| (w[1].0 - w[0].0, w[1].1 - w[0].1)).collect();
    let tokens = median(durations.iter().map(|(s, t)| t / s).collect());
    let sequences = median(durations.iter().map(|(s, _)| batch as f64 / s).collect());
    (tokens, sequences)
}
