//! The training worker (Trunk `data-type="worker"`): the page never runs burn itself.

#[cfg(target_arch = "wasm32")]
fn main() {
    tunelab::browser::worker::run();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the Tunelab worker runs inside a browser; build it for wasm32 (see README)");
    std::process::exit(2);
}
