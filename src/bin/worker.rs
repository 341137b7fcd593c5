//! The training worker (Trunk `data-type="worker"`): the page never runs burn itself.

/// Counting, so that the worker can report its heap to the page (`Request::Memory`).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: tunelab::core::heap::CountingAllocator = tunelab::core::heap::CountingAllocator;

#[cfg(target_arch = "wasm32")]
fn main() {
    tunelab::browser::worker::run();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the Tunelab worker runs inside a browser; build it for wasm32 (see README)");
    std::process::exit(2);
}
