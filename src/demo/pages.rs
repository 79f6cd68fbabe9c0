//! The shop's pages (maud escapes every value).

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::Shop;
use super::handlers::PRODUCTS;
use super::live;
use super::store::Order;
use crate::{Action, Operation, PaymentStatus};

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}\
nav a{margin-right:1rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}\
.status{font-weight:bold}.paid,.accepted{color:#17692e}.denied,.cancelled,.error,.expired{color:#a01818}.waiting,.received{color:#8a6100}\
.unverified{color:#a01818;font-style:italic}fieldset{margin:1rem 0}button{padding:.4rem 1rem;margin:.2rem}.error{color:#a01818}\
.wallet{display:flex;gap:1.5rem;align-items:center;border:1px solid #ddd;border-radius:.5rem;padding:1rem;margin:1rem 0}.wallet img{width:200px;height:200px}\
.wallet a.uri{word-break:break-all}.live{color:#666;font-size:.9em}\
.polypay-config .field{margin:.8rem 0}.polypay-config label{display:block;font-weight:600}.polypay-config .help{color:#555;font-size:.9em}\
.polypay-config .help p{margin:.2rem 0}.polypay-config input[type=text],.polypay-config input[type=url],.polypay-config input[type=password],.polypay-config input[type=email],.polypay-config select,.polypay-config textarea{width:100%;max-width:32rem;padding:.3rem}\
.polypay-config p.error{font-weight:600;margin:.2rem 0}.polypay-config [aria-invalid=true]{border:2px solid #a01818}pre{background:#f5f5f5;padding:1rem;overflow:auto}";

/// Polls `status.json` and reloads the page when the order changes. Values come from the
/// page's `#order-status` data attributes, so the script itself is constant.
const LIVE_SCRIPT: &str = "(function(){var b=document.getElementById('order-status');\
if(!b||b.dataset.final==='true')return;var ask=b.dataset.ask==='true';\
var url='/orders/'+b.dataset.order+'/status.json?wait='+(ask?'10':'0');var pause=ask?1500:2000;\
function poll(){fetch(url,{cache:'no-store'}).then(function(r){return r.json();}).then(function(s){\
if(s.status!==b.dataset.status||String(s.events)!==b.dataset.events){location.reload();return;}\
if(!s.final)setTimeout(poll,pause);}).catch(function(){setTimeout(poll,5000);});}\
setTimeout(poll,pause);})();";

pub(super) fn layout(title: &str, body: Markup) -> String {
    page(title, false, body)
}

/// A page; `live` adds a refresh for browsers without JavaScript.
fn page(title: &str, live: bool, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if live { noscript { meta http-equiv="refresh" content="5"; } }
                title { (title) " — polypay demo shop" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                nav {
                    a href="/" { "Shop" }
                    a href="/orders" { "Orders (admin)" }
                    a href="/admin/config" { "Configuration (admin)" }
                }
                h1 { (title) }
                (body)
            }
        }
    }
    .into_string()
}

pub(super) use layout as admin_layout;

fn status_badge(status: PaymentStatus, verified: bool) -> Markup {
    html! {
        span class={ "status " (status.as_str()) } data-status=(status.as_str()) { (status.as_str()) }
        @if !verified { " " span class="unverified" { "(not verified)" } }
    }
}

pub(super) fn home(shop: &Shop) -> String {
    layout(
        "polypay demo shop",
        html! {
            p { "A tiny shop showing a complete polypay integration. Pick a product and a way to pay." }
            form method="post" action="/orders" id="buy" {
                fieldset {
                    legend { "Product" }
                    @for (i, (name, price)) in PRODUCTS.iter().enumerate() {
                        label { input type="radio" name="product" value=(i) checked[i == 0]; " " (name) " — " (price) " EUR" } br;
                    }
                }
                fieldset {
                    legend { "Pay with" }
                    @for (i, inst) in shop.instances.iter().enumerate() {
                        label {
                            input type="radio" name="instance" value=(inst.name) checked[i == 0];
                            " " (inst.name) " (" (inst.description.caption) ")"
                        } br;
                    }
                }
                label { "E-mail " input type="email" name="email" placeholder="buyer@example.com"; } br;
                label { input type="checkbox" name="manual_validation" value="1"; " Authorise only (capture later from the order page)" }
                p { button type="submit" id="pay" { "Pay" } }
            }
        },
    )
}

pub(super) fn orders(orders: &[Order]) -> String {
    layout(
        "Orders",
        html! {
            @if orders.is_empty() { p { "No order yet." } }
            @else {
                table id="orders" {
                    tr { th { "#" } th { "Product" } th { "Amount" } th { "Paid with" } th { "Status" } th { "Verified" } }
                    @for o in orders {
                        tr data-order=(o.id) {
                            td { a href={ "/orders/" (o.id) } { (o.id) } }
                            td { (o.product) }
                            td { (o.amount) }
                            td { (o.instance) }
                            td { (status_badge(o.status, true)) }
                            td class="verified" { @if o.verified { "yes" } @else { "no" } }
                        }
                    }
                }
            }
        },
    )
}

pub(super) fn order(shop: &Shop, o: &Order) -> String {
    let caps = shop
        .instance(&o.instance)
        .map(|i| i.description.capabilities.clone());
    let can = |op: Operation| caps.as_ref().is_some_and(|c| c.supports(op));
    let live = !o.status.is_final();
    page(
        &format!("Order {}", o.id),
        live,
        html! {
            p { (o.product) " — " (o.amount) " — paid with " (o.instance) }
            p id="order-status" data-order=(o.id) data-status=(o.status.as_str())
                data-events=(o.history.len()) data-final=(o.status.is_final())
                data-ask=(live::asks_the_bank(shop, o)) {
                "Status: " (status_badge(o.status, o.verified || !o.had_unverified_report()))
                @if !o.verified && !o.had_unverified_report() {
                    " " span class="pending" { "(no report from the bank yet)" }
                }
                @if live { " " span class="live" { "(updates by itself)" } }
            }
            @if let Some(t) = &o.transaction_id { p { "Transaction: " code { (t) } } }
            @if o.duplicates > 0 {
                p id="duplicates" { (o.duplicates) " report(s) received again and ignored." }
            }
            @if live {
                @match &o.action {
                    Some(Action::Uri { uri, url }) => (wallet_box(o, uri, url.as_ref())),
                    Some(action @ Action::Html { .. }) => div class="pay" { (PreEscaped(action.to_html())) },
                    _ => {}
                }
            }
            h2 { "Admin actions" }
            @if can(Operation::Validate) && o.status == PaymentStatus::Accepted {
                form method="post" action={ "/orders/" (o.id) "/validate" } {
                    input type="text" name="amount" value=(o.amount.value_string()) size="8";
                    button type="submit" id="validate" { "Validate (capture)" }
                }
            }
            @if can(Operation::Cancel) && matches!(o.status, PaymentStatus::Accepted | PaymentStatus::Waiting) {
                form method="post" action={ "/orders/" (o.id) "/cancel" } { button type="submit" id="cancel" { "Cancel" } }
            }
            @if can(Operation::Refund) && matches!(o.status, PaymentStatus::Paid | PaymentStatus::Refunded) {
                form method="post" action={ "/orders/" (o.id) "/refund" } {
                    input type="text" name="amount" value=(o.amount.value_string()) size="8";
                    button type="submit" id="refund" { "Refund" }
                }
            }
            @if can(Operation::Status) {
                form method="post" action={ "/orders/" (o.id) "/status" } { button type="submit" id="refresh" { "Ask the bank" } }
            }
            h2 { "History" }
            table id="history" {
                tr { th { "When" } th { "From" } th { "Status" } th { "Details" } }
                @for e in &o.history {
                    tr { td { (e.at.strftime("%H:%M:%S")) } td { (e.source) } td { (status_badge(e.status, e.verified || e.source == "shop" || e.source == "request")) } td { (e.note) } }
                }
            }
            @if live { script { (PreEscaped(LIVE_SCRIPT)) } }
        },
    )
}

/// A payment URI for a wallet: the link, the QR code, the browser alternative, the expiry.
fn wallet_box(o: &Order, uri: &str, url: Option<&url::Url>) -> Markup {
    html! {
        div class="wallet" id="wallet" {
            @if live::has_qr() {
                img id="qr" src={ "/orders/" (o.id) "/qr.svg" } alt="QR code of the payment link";
            }
            div {
                p { strong { "Pay with your wallet" } }
                p { "Scan the code, or open " a class="uri" id="pay-uri" href=(uri) { (uri) } }
                @if let Some(url) = url {
                    p { a id="pay-url" href=(url.as_str()) { "Pay in the browser instead" } }
                }
                @if let Some(at) = o.expires_at {
                    p { "This offer expires at " (at.strftime("%Y-%m-%d %H:%M:%S UTC")) "." }
                }
                p class="live" { "This page follows the payment and changes by itself once it is made." }
            }
        }
    }
}

pub(super) fn pay_with(id: u64, action: &Action) -> String {
    layout(
        &format!("Pay order {id}"),
        html! {
            (PreEscaped(action.to_html()))
            p { a href={ "/orders/" (id) } { "See the order" } }
        },
    )
}

#[cfg(feature = "dummy")]
pub(super) fn bank_page(page: &polypay_dummy::PaymentPage, request_url: &str) -> String {
    let outcomes = [
        ("paid", "Pay"),
        ("denied", "Refuse (card declined)"),
        ("cancelled", "Cancel the payment"),
        ("waiting", "Leave it pending"),
        ("accepted", "Authorise only"),
        ("error", "Fail with an error"),
    ];
    layout(
        "Dummy bank",
        html! {
            p { "This is the dummy bank: it signs its answers like a real bank, so the shop can verify them." }
            p { "Merchant: " strong { (page.origin) } }
            p id="amount" { "Amount: " strong { (page.amount) } }
            p { "Transaction: " code { (page.transaction_id) } }
            form method="post" action="/dummy-bank/answer" {
                input type="hidden" name="request" value=(request_url);
                @for (value, label) in outcomes {
                    button type="submit" name="outcome" value=(value) id={ "outcome-" (value) } { (label) }
                }
            }
        },
    )
}

pub(super) fn error_page(title: &str, message: &str) -> String {
    layout(
        title,
        html! { p class="error" { (message) } p { a href="/" { "Back to the shop" } } },
    )
}
