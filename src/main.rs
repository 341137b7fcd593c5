//! The page (Trunk `data-bin="page"`): mounts the playground; the worker does the training.

#[cfg(target_arch = "wasm32")]
fn main() {
    tunelab::ui::mount();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the Tunelab page runs inside a browser: `cargo xtask serve` builds and serves it");
    std::process::exit(2);
}
