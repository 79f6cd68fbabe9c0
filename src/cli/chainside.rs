//! `polypay chainside …`: the Chainside WebPOS calls beyond payments, for a configured
//! `chainside` instance: list payment orders (filters, pages, sorting), show one, and in the
//! sandbox reset one, trigger a callback, list the callbacks sent.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use polypay_crypto::chainside::{
    CallbackEvent, ChainsideClient, ChainsideFactory, KIND, ListQuery, OrderStatus, PaymentOrder,
    SortBy, SortOrder,
};

use super::args::InstanceArgs;
use super::output::{outln, print_json};
use crate::config::ConfigFile;
use crate::{Error, Payment, Result, Timestamp};

/// The `chainside` subcommands.
#[derive(Debug, Subcommand)]
pub enum ChainsideCommand {
    /// List payment orders (newest first unless sorted otherwise).
    List(ListArgs),
    /// Show one payment order.
    Get(UuidArgs),
    /// Sandbox: put a payment order back to pending, its payments forgotten.
    Reset(UuidArgs),
    /// Sandbox: move a payment order as an event says and send that callback.
    Trigger(TriggerArgs),
    /// List the callbacks sent for a payment order.
    Callbacks(UuidArgs),
}

/// Arguments of `chainside list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub instance: InstanceArgs,
    /// Only orders in this status.
    #[arg(long, value_parser = ["pending", "paid", "cancelled", "expired", "network_dispute", "chargeback"])]
    pub status: Option<String>,
    /// The page, from 0.
    #[arg(long)]
    pub page: Option<u32>,
    /// Orders a page (1 to 40).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=40))]
    pub page_size: Option<u32>,
    /// Sort key.
    #[arg(long, value_parser = ["amount", "created_at"])]
    pub sort_by: Option<String>,
    /// Sort order.
    #[arg(long, value_parser = ["asc", "desc"])]
    pub sort_order: Option<String>,
}

/// Arguments naming one payment order.
#[derive(Debug, Args)]
pub struct UuidArgs {
    #[command(flatten)]
    pub instance: InstanceArgs,
    /// The payment order's uuid (`uuid` in the intent's backend data).
    #[arg(long)]
    pub uuid: String,
}

/// Arguments of `chainside trigger`.
#[derive(Debug, Args)]
pub struct TriggerArgs {
    #[command(flatten)]
    pub order: UuidArgs,
    /// The event: payment.completed, payment.overpaid, payment.cancelled, payment.expired,
    /// payment.dispute.start, payment.dispute.end or payment.chargeback (the `payment.`
    /// prefix may be left out).
    #[arg(long)]
    pub event: String,
}

/// The client of the configured `chainside` instance, with the file's HTTP policy.
fn client(args: &InstanceArgs) -> Result<ChainsideClient> {
    let config = ConfigFile::load(&args.config)?;
    let instance = config.instance(args.backend.as_deref())?;
    if instance.kind != KIND {
        return Err(Error::invalid_input(format!(
            "the instance {:?} is a {} backend, not {KIND}",
            instance.name, instance.kind
        )));
    }
    let chainside = ChainsideFactory
        .build_chainside(&instance.params)
        .map_err(|e| match e {
            Error::Config(errors) => {
                Error::Config(errors.prefixed(&format!("backends.{}", instance.name)))
            }
            other => other,
        })?;
    let payment = Payment::new(chainside.clone()).with_policy(config.policy());
    let client = ChainsideClient::with_payment(chainside, payment);
    Ok(match &args.now {
        Some(text) => {
            let now: Timestamp = text.parse().map_err(|e| {
                Error::invalid_input(format!("--now {text:?} is not an RFC 3339 time: {e}"))
            })?;
            client.with_clock(move || now)
        }
        None => client,
    })
}

fn list_query(a: &ListArgs) -> ListQuery {
    let mut q = ListQuery::default();
    q.status = a.status.as_deref().and_then(OrderStatus::parse);
    q.page = a.page;
    q.page_size = a.page_size;
    q.sort_by = a.sort_by.as_deref().and_then(SortBy::parse);
    q.sort_order = a.sort_order.as_deref().and_then(SortOrder::parse);
    q
}

fn order_line(o: &PaymentOrder) -> String {
    let blockchain = o
        .state
        .blockchain_status
        .as_deref()
        .filter(|b| *b != o.state.status)
        .map(|b| format!(" ({b})"))
        .unwrap_or_default();
    format!(
        "{}  {}  {}  {}{blockchain}",
        o.uuid,
        o.reference.as_deref().unwrap_or("-"),
        o.amount,
        o.state.status
    )
}

fn print_order(o: &PaymentOrder, json: bool) -> Result<()> {
    if json {
        return print_json(o);
    }
    outln!("uuid: {}", o.uuid);
    if let Some(r) = &o.reference {
        outln!("reference: {r}");
    }
    outln!("amount: {} ({} sat)", o.amount, o.btc_amount.unwrap_or(0));
    let blockchain = o.state.blockchain_status.as_deref().unwrap_or("-");
    outln!("status: {} (blockchain: {blockchain})", o.state.status);
    if let Some(uri) = &o.uri {
        outln!("bitcoin URI: {uri}");
    }
    outln!("transactions: {}", o.transactions.len());
    Ok(())
}

/// Runs one `chainside` subcommand.
pub(super) async fn run(command: ChainsideCommand, json: bool) -> Result<ExitCode> {
    match command {
        ChainsideCommand::List(a) => {
            let page = client(&a.instance)?.list(&list_query(&a)).await?;
            if json {
                print_json(&page)?;
            } else {
                outln!(
                    "{} payment orders, {} pages",
                    page.total_items,
                    page.total_pages
                );
                for o in &page.paymentorders {
                    outln!("{}", order_line(o));
                }
            }
        }
        ChainsideCommand::Get(a) => {
            let order = client(&a.instance)?.get(&a.uuid).await?;
            print_order(&order, json)?;
        }
        ChainsideCommand::Reset(a) => {
            let order = client(&a.instance)?.reset(&a.uuid).await?;
            print_order(&order, json)?;
        }
        ChainsideCommand::Trigger(a) => {
            let event = CallbackEvent::parse(&a.event).ok_or_else(|| {
                Error::invalid_input(format!(
                    "--event {:?} is not a Chainside callback: payment.completed, \
                     payment.overpaid, payment.cancelled, payment.expired, \
                     payment.dispute.start, payment.dispute.end or payment.chargeback",
                    a.event
                ))
            })?;
            client(&a.order.instance)?
                .trigger(&a.order.uuid, event)
                .await?;
            if json {
                print_json(
                    &serde_json::json!({ "uuid": a.order.uuid, "triggered": event.as_str() }),
                )?;
            } else {
                outln!("triggered {event} on {}", a.order.uuid);
            }
        }
        ChainsideCommand::Callbacks(a) => {
            let names = client(&a.instance)?.callbacks(&a.uuid).await?;
            if json {
                print_json(&names)?;
            } else {
                for n in &names {
                    outln!("{n}");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
