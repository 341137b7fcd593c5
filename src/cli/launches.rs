//! Kernel launches per training step, counted through cubecl's launch observer: what burn's
//! fusion saves on a GPU (`--json`'s `kernel_launches`). The CPU backend (flex) launches none.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use cubecl_runtime::logging::{LaunchObservation, LaunchObserver};

#[derive(Default)]
struct Count(AtomicU64);

impl LaunchObserver for Count {
    fn launched(&self, _kernel: &'static str) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Counts every launch the process issues while it lives.
pub struct LaunchCounter {
    count: Arc<Count>,
    _observation: LaunchObservation,
}

impl LaunchCounter {
    pub fn start() -> Self {
        let count = Arc::new(Count::default());
        Self { _observation: LaunchObservation::new(count.clone()), count }
    }

    /// Launches since the last call (or since the start).
    pub fn take(&self) -> u64 {
        self.count.0.swap(0, Ordering::Relaxed)
    }
}
