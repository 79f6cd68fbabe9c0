//! The `polypay` command.
fn main() -> std::process::ExitCode {
    polypay::cli::main()
}
