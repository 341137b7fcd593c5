//! A run whose device could not allocate. cubecl panics on wgpu's out-of-memory error; the CLI
//! answers that panic with the flags that make the run fit, where other panics stay bugs.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use super::error::CliError;
use crate::core::train::{halve_batch, is_allocation_failure, TrainConfig};

/// Runs `run` (a training command with `settings`), turning a failed device allocation into
/// [`CliError::OutOfMemory`] or [`CliError::OutOfMemoryAtOne`].
pub fn answer_allocation_failures(
    settings: &TrainConfig,
    run: impl FnOnce() -> Result<(), CliError>,
) -> Result<(), CliError> {
    let payload = match catch_unwind(AssertUnwindSafe(run)) {
        Ok(result) => return result,
        Err(payload) => payload,
    };
    let text = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or_default();
    if !is_allocation_failure(text) {
        resume_unwind(payload)
    }
    let why = text.to_string();
    Err(match halve_batch(settings) {
        Some((smaller, accumulation)) => {
            CliError::OutOfMemory { batch: settings.batch_size, max_len: settings.max_len, smaller, accumulation, why }
        }
        None => CliError::OutOfMemoryAtOne { max_len: settings.max_len, why },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::panic)]
    fn a_failed_allocation_is_answered_with_half_the_batch_and_other_panics_go_on() {
        let settings = TrainConfig { batch_size: 16, grad_accumulation: 2, ..TrainConfig::default() };
        let failed = answer_allocation_failures(&settings, || panic!("wgpu error: Out of Memory"));
        let Err(error @ CliError::OutOfMemory { smaller: 8, accumulation: 4, .. }) = failed else {
            panic!("expected batch 8 × 4, got {failed:?}")
        };
        assert!(error.to_string().contains("--batch-size 8 --grad-accumulation 4"), "{error}");
        let at_one = TrainConfig { batch_size: 1, ..TrainConfig::default() };
        let failed = answer_allocation_failures(&at_one, || panic!("out of device memory allocating 9 bytes"));
        assert!(matches!(failed, Err(CliError::OutOfMemoryAtOne { max_len: 128, .. })), "{failed:?}");
        let bug = catch_unwind(|| answer_allocation_failures(&settings, || panic!("index out of bounds")));
        assert!(bug.is_err(), "a panic that is not an allocation failure is not swallowed");
        assert!(answer_allocation_failures(&settings, || Ok(())).is_ok());
    }
}
