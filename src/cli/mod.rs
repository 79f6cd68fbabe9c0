//! The `polypay` command line: describe backends, check configurations, run every operation,
//! and serve the demo shop. JSON on stdout with `--json`, human text otherwise; errors on
//! stderr with a non-zero exit status (1 for a failed operation or an invalid configuration,
//! 2 for a usage error).

mod args;
#[cfg(feature = "crypto")]
mod chainside;
mod describe;
mod ops;
mod output;
mod plugins;

use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command};

/// Runs the command line with the process arguments.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("POLYPAY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Runs one parsed command.
pub async fn run(cli: Cli) -> crate::Result<ExitCode> {
    let (registry, origins) = plugins::registry(&cli)?;
    match cli.command {
        Command::Backends { json } => describe::backends(&registry, &origins, json),
        Command::Describe { kind, format } => {
            describe::describe(&registry, &kind, format, origins.get(&kind))
        }
        Command::CheckConfig { file, json } => describe::check_config(&registry, &file, json),
        Command::Request(a) => ops::request(&registry, a, cli.json).await,
        Command::Response(a) => ops::response(&registry, a, cli.json).await,
        Command::Cancel(a) => ops::adjust(&registry, a, crate::Operation::Cancel, cli.json).await,
        Command::Validate(a) => {
            ops::adjust(&registry, a, crate::Operation::Validate, cli.json).await
        }
        Command::Refund(a) => ops::adjust(&registry, a, crate::Operation::Refund, cli.json).await,
        Command::Status(a) => ops::status(&registry, a, cli.json).await,
        #[cfg(feature = "crypto")]
        Command::Chainside(c) => chainside::run(c, cli.json).await,
        Command::Demo { listen, config } => {
            crate::demo::serve(registry, &listen, config.as_deref()).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
