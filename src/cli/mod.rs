//! The native command line: a thin face over the core for scripts, benchmarks and teachers
//! preparing a dataset on a real GPU.

mod args;
mod commands;
mod device;
mod error;
mod files;
mod heap_reuse;
mod launches;
mod out_of_memory;
mod progress;
mod settings_args;
mod summary;

use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command};

/// Runs the CLI and turns any failure into a message on stderr and a non-zero exit.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(args) => {
            heap_reuse::keep_freed_blocks();
            let settings = args.settings.0.clone();
            out_of_memory::answer_allocation_failures(&settings, || pollster::block_on(commands::train_command(*args)))
        }
        Command::Eval(args) => pollster::block_on(commands::eval_command(args)),
        Command::Onnx(args) => commands::onnx_command(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", error::report(&error));
            ExitCode::FAILURE
        }
    }
}
