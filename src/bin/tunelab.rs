fn main() -> std::process::ExitCode {
    tunelab::cli::main()
}
