//! Keeps large freed blocks in the process heap for the next training step.
//!
//! glibc serves a large block with an `mmap` of its own and unmaps it when freed, and a CPU
//! training step allocates and frees the same large buffers every step (activations,
//! gradients, the 47 MB word-embedding gradient): every step faulted fresh, zeroed pages in,
//! on the one thread that runs autodiff. Served from the heap, and the heap kept once grown,
//! the next step reuses them. RSS stays at its high-water mark, which a training run reaches
//! in its first step anyway.

/// Asks glibc to serve every block from the heap and not to trim it. Other C libraries and
/// systems keep their defaults.
pub fn keep_freed_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only sets allocator parameters; called before training allocates,
    // and glibc applies it under its own lock either way.
    unsafe {
        libc::mallopt(libc::M_MMAP_MAX, 0);
        libc::mallopt(libc::M_TRIM_THRESHOLD, libc::c_int::MAX);
    }
}
