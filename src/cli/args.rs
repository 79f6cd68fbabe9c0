//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// One API for many payment backends.
#[derive(Debug, Parser)]
#[command(name = "polypay", version, about, long_about = None)]
pub struct Cli {
    /// Print JSON on stdout (for request, response, cancel, validate, refund, status).
    #[arg(long, global = true)]
    pub json: bool,
    /// More logging on stderr (-v info, -vv debug, -vvv trace); POLYPAY_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Load a plugin library (repeatable): its backends join the built-in ones for every
    /// subcommand. `PATH#SHA256` pins the file's SHA-256, checked before it is loaded.
    #[arg(long = "plugin", global = true, value_name = "PATH[#SHA256]")]
    pub plugins: Vec<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Output format of `describe`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DescribeFormat {
    /// Parameters and capabilities, for people.
    Text,
    /// The description as JSON.
    Json,
    /// JSON Schema draft-07 of the configuration.
    JsonSchema,
    /// A server-side HTML form.
    Html,
    /// A commented TOML template.
    Toml,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the available backend kinds.
    Backends {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Describe a backend kind: its parameters, as text, JSON, JSON Schema, HTML or TOML.
    Describe {
        /// Backend kind (see `polypay backends`).
        kind: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DescribeFormat::Text)]
        format: DescribeFormat,
    },
    /// Check a configuration file and report every error (exit status 1 if any).
    CheckConfig {
        /// The TOML configuration file.
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Start a payment.
    Request(RequestArgs),
    /// Handle a bank return or notification.
    Response(ResponseArgs),
    /// Cancel an authorisation or an unpaid payment.
    Cancel(AdjustArgs),
    /// Capture an authorisation.
    Validate(AdjustArgs),
    /// Refund a payment.
    Refund(AdjustArgs),
    /// Ask where a payment stands.
    Status(StatusArgs),
    /// Chainside WebPOS calls beyond payments: list orders, show one, and in the sandbox
    /// reset one, trigger a callback, list the callbacks sent.
    #[cfg(feature = "crypto")]
    #[command(subcommand)]
    Chainside(super::chainside::ChainsideCommand),
    /// Serve the demo shop (dummy backend unless --config is given).
    Demo {
        /// Address to listen on (port 0 picks a free port; the URL is printed).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// A configuration file with the backend instances to offer.
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

/// Which configured instance to use.
#[derive(Debug, Args)]
pub struct InstanceArgs {
    /// The TOML configuration file.
    #[arg(long)]
    pub config: PathBuf,
    /// The instance name in the file (may be omitted when the file holds one).
    #[arg(long)]
    pub backend: Option<String>,
    /// Fix the clock (RFC 3339), for reproducible output.
    #[arg(long)]
    pub now: Option<String>,
}

/// Arguments of `request`.
#[derive(Debug, Args)]
pub struct RequestArgs {
    #[command(flatten)]
    pub instance: InstanceArgs,
    /// Amount: `10.00` (with --currency), `10.00 EUR` or `EUR:10.00`.
    #[arg(long, allow_hyphen_values = true)]
    pub amount: String,
    /// Currency of a bare amount.
    #[arg(long, default_value = "EUR")]
    pub currency: String,
    /// A transaction id of your choice (where the backend allows it).
    #[arg(long)]
    pub transaction_id: Option<String>,
    /// Your order reference.
    #[arg(long)]
    pub order_id: Option<String>,
    /// The customer's e-mail.
    #[arg(long)]
    pub email: Option<String>,
    /// What is paid for.
    #[arg(long)]
    pub description: Option<String>,
    /// Return URL for the browser (overrides the configuration).
    #[arg(long)]
    pub return_url: Option<String>,
    /// Notification URL for the bank's server (overrides the configuration).
    #[arg(long)]
    pub notification_url: Option<String>,
    /// Authorise only; capture later with `validate`.
    #[arg(long)]
    pub manual_validation: bool,
    /// Backend-specific per-transaction field, NAME=VALUE (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
}

/// Arguments of `response`.
#[derive(Debug, Args)]
pub struct ResponseArgs {
    #[command(flatten)]
    pub instance: InstanceArgs,
    /// The query string received (browser return).
    #[arg(long, conflicts_with = "body")]
    pub query: Option<String>,
    /// A file holding the body received (`-` for standard input).
    #[arg(long)]
    pub body: Option<PathBuf>,
    /// A header received, `Name: value` (repeatable).
    #[arg(long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// The HTTP method received (default GET with --query, POST with --body).
    #[arg(long)]
    pub method: Option<String>,
}

/// Arguments of `cancel`, `validate` and `refund`.
#[derive(Debug, Args)]
pub struct AdjustArgs {
    #[command(flatten)]
    pub instance: InstanceArgs,
    /// Amount to cancel, capture or refund.
    #[arg(long, allow_hyphen_values = true)]
    pub amount: String,
    /// Currency of a bare amount.
    #[arg(long, default_value = "EUR")]
    pub currency: String,
    /// The id `request` returned.
    #[arg(long, default_value = "")]
    pub transaction_id: String,
    /// The payment's bank data (JSON object, as `response --json` printed it).
    #[arg(long)]
    pub bank_data: Option<String>,
}

/// Arguments of `status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub instance: InstanceArgs,
    /// The id `request` returned.
    #[arg(long)]
    pub transaction_id: String,
    /// The payment's bank data (JSON object).
    #[arg(long)]
    pub bank_data: Option<String>,
    /// Wait up to this many seconds for a change, where the backend can (long polling).
    #[arg(long)]
    pub wait: Option<u64>,
}
