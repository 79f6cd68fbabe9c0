//! The shop's HTTP handlers: buying, the bank's returns and notifications, admin actions.

use std::sync::Arc;

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::store::Applied;
use super::{Shop, pages};
use crate::axum::{Acknowledge, ActionResponse, IncomingRequest};
use crate::{
    Action, Adjustment, Amount, Currency, Description, Incoming, Operation, PaymentRequest,
    PaymentResponse, Scope, Timestamp,
};

/// What the shop sells.
pub(super) const PRODUCTS: &[(&str, &str)] =
    &[("polypay T-shirt", "10.00"), ("polypay mug", "7.50")];

pub(super) async fn home(State(shop): State<Arc<Shop>>) -> Html<String> {
    Html(pages::home(&shop))
}

pub(super) async fn orders(State(shop): State<Arc<Shop>>) -> Html<String> {
    Html(pages::orders(&shop.orders.all()))
}

pub(super) async fn order(State(shop): State<Arc<Shop>>, Path(id): Path<u64>) -> Response {
    match shop.orders.get(id) {
        Some(o) => Html(pages::order(&shop, &o)).into_response(),
        None => not_found(),
    }
}

pub(super) fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(pages::error_page("Not found", "no such order")),
    )
        .into_response()
}

pub(super) fn bad_request(title: &str, e: impl std::fmt::Display) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Html(pages::error_page(title, &e.to_string())),
    )
        .into_response()
}

/// The buy form.
#[derive(Debug, Deserialize)]
pub(super) struct Buy {
    product: usize,
    instance: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    manual_validation: Option<String>,
}

/// Creates the order, starts the payment and sends the payer on: a redirect or a form goes
/// straight to the bank; HTML is shown in the shop's page; a payment URI (`taler://`,
/// `bitcoin:`) goes to the order page, which shows it with its QR code and a live status.
pub(super) async fn buy(State(shop): State<Arc<Shop>>, Form(buy): Form<Buy>) -> Response {
    let Some((name, price)) = PRODUCTS.get(buy.product) else {
        return bad_request("Unknown product", "pick a product from the list");
    };
    let Some(inst) = shop.instance(&buy.instance) else {
        return bad_request("Unknown payment method", &buy.instance);
    };
    let amount = match Amount::parse_in(price, Currency::EUR) {
        Ok(a) => a,
        Err(e) => return bad_request("Bad price", e),
    };
    let now = Timestamp::now();
    let id = shop.orders.create(name, amount, &inst.name, now);
    let mut req = PaymentRequest::new(amount)
        .with_order_id(id.to_string())
        .with_description(*name)
        .with_return_url(shop.url(&format!("return/{}", inst.name)))
        .with_notification_url(shop.url(&format!("notify/{}", inst.name)))
        .with_manual_validation(buy.manual_validation.is_some());
    if !buy.email.trim().is_empty() {
        req = req.with_email(buy.email.trim());
    }
    // A self-custodial Bitcoin instance derives one address per payment at the index the
    // shop passes: the order number is the shop's sequence (the demo's orders live in memory,
    // so a restarted demo hands the same addresses out again; a real shop persists it).
    if takes_address_index(&inst.description) {
        req = req.with_extra("address_index", id.to_string());
    }
    match inst.payment.request(&req).await {
        Ok(intent) => {
            shop.orders.started(id, &intent, now);
            match intent.action {
                Action::Html { .. } => Html(pages::pay_with(id, &intent.action)).into_response(),
                Action::Uri { .. } => Redirect::to(&format!("/orders/{id}")).into_response(),
                action => ActionResponse(action).into_response(),
            }
        }
        Err(e) => {
            shop.orders.failed(id, &e.to_string(), now);
            bad_request("The payment could not start", e)
        }
    }
}

/// Whether the backend asks for a per-payment `address_index` (the `bitcoin` kind).
fn takes_address_index(description: &Description) -> bool {
    description.kind == "bitcoin"
        || description
            .parameters
            .iter()
            .any(|p| p.name == "address_index" && p.scope == Scope::Transaction)
}

/// Finds the order a response belongs to: by the reference it reports (after verification,
/// the backend already checked the signature over it).
fn order_of(shop: &Shop, response: &PaymentResponse) -> Option<u64> {
    response
        .order_id
        .as_deref()
        .and_then(|t| shop.orders.by_transaction(t))
}

/// Verifies a return or notification with the instance's backend and applies it to its order.
async fn handle_response(
    shop: &Shop,
    instance: &str,
    incoming: &Incoming,
    source: &str,
) -> Result<(u64, PaymentResponse, Applied), Response> {
    let Some(inst) = shop.instance(instance) else {
        return Err(bad_request("Unknown payment method", instance));
    };
    let response = inst
        .payment
        .response(incoming)
        .await
        .map_err(|e| bad_request("The bank's answer was refused", e))?;
    let Some(id) = order_of(shop, &response) else {
        return Err(bad_request(
            "Unknown order",
            "the answer names no order of this shop",
        ));
    };
    let applied = shop
        .orders
        .apply(id, &response, source, true, Timestamp::now());
    Ok((id, response, applied))
}

/// The browser comes back from the bank (GET or POST, depending on the bank).
pub(super) async fn browser_return(
    State(shop): State<Arc<Shop>>,
    Path(instance): Path<String>,
    IncomingRequest(incoming): IncomingRequest,
) -> Response {
    match handle_response(&shop, &instance, &incoming, "return").await {
        Ok((id, _, _)) => Redirect::to(&format!("/orders/{id}")).into_response(),
        Err(r) => r,
    }
}

/// The bank's server tells the shop's server; the answer is what the bank expects.
pub(super) async fn notify(
    State(shop): State<Arc<Shop>>,
    Path(instance): Path<String>,
    IncomingRequest(incoming): IncomingRequest,
) -> Response {
    match handle_response(&shop, &instance, &incoming, "notification").await {
        Ok((_, response, _)) => Acknowledge::from(&response).into_response(),
        Err(r) => r,
    }
}

/// A notification sent to the one URL shared by every instance: the instance is found by
/// [`crate::route::guess_among`], with a clear refusal when none or several claim it.
pub(super) async fn callback(
    State(shop): State<Arc<Shop>>,
    IncomingRequest(incoming): IncomingRequest,
) -> Response {
    let candidates = shop
        .instances
        .iter()
        .map(|i| (i.name.as_str(), &**i.payment.backend()));
    let instance = match crate::route::guess_among(candidates, &incoming) {
        Ok(routed) => routed.instance.to_owned(),
        Err(e) => return bad_request("This callback belongs to no single instance", e),
    };
    match handle_response(&shop, &instance, &incoming, "notification").await {
        Ok((_, response, _)) => Acknowledge::from(&response).into_response(),
        Err(r) => r,
    }
}

/// The admin action form.
#[derive(Debug, Deserialize)]
pub(super) struct AdminForm {
    #[serde(default)]
    amount: String,
}

/// Validate (capture), cancel, refund or ask the bank, then back to the order page.
pub(super) async fn admin(
    State(shop): State<Arc<Shop>>,
    Path((id, op)): Path<(u64, String)>,
    Form(form): Form<AdminForm>,
) -> Response {
    let Some(order) = shop.orders.get(id) else {
        return not_found();
    };
    let Some(inst) = shop.instance(&order.instance) else {
        return bad_request("Unknown payment method", &order.instance);
    };
    let operation = match op.as_str() {
        "validate" => Operation::Validate,
        "cancel" => Operation::Cancel,
        "refund" => Operation::Refund,
        "status" => Operation::Status,
        _ => return not_found(),
    };
    let amount = if form.amount.trim().is_empty() {
        Ok(order.amount)
    } else {
        Amount::parse_in(form.amount.trim(), order.amount.currency())
    };
    let amount = match amount {
        Ok(a) => a,
        Err(e) => return bad_request("Bad amount", e),
    };
    let tx = order.transaction_id.clone().unwrap_or_default();
    let adj = Adjustment::new(tx.clone(), amount).with_bank_data(order.bank_data.clone());
    let result = match operation {
        Operation::Validate => inst.payment.validate(&adj).await,
        Operation::Cancel => inst.payment.cancel(&adj).await,
        Operation::Refund => inst.payment.refund(&adj).await,
        _ => {
            let q = crate::StatusQuery::new(tx).with_bank_data(order.bank_data.clone());
            inst.payment.status(&q).await
        }
    };
    let now = Timestamp::now();
    match result {
        Ok(response) => {
            shop.orders
                .apply(id, &response, operation.as_str(), false, now);
        }
        Err(e) => shop.orders.note(
            id,
            operation.as_str(),
            &format!("{operation} failed: {e}"),
            now,
        ),
    }
    Redirect::to(&format!("/orders/{id}")).into_response()
}
