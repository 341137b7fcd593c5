//! The native command line; see `tunelab --help`.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    tunelab::cli::main()
}

/// The CLI reads files and threads; in a browser the worker and the JS package take its place.
#[cfg(target_arch = "wasm32")]
fn main() {}
