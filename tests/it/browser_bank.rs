//! A bank-form backend in a real browser: the demo's auto-submitted SystemPay form lands on a
//! loopback SystemPay bank (below, written from the protocol reference, bankform.md §1), which
//! checks the form's signature, shows a payment page, then notifies the shop (IPN to
//! `vads_url_check`) and sends the browser back to `vads_url_return` with a signed answer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::post;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::browser::Browser;
use crate::demo::Demo;
use crate::support::Files;

/// The shop's TEST certificate.
const SECRET: &str = "1122334455667788";

type Fields = Vec<(String, String)>;

/// The signature of a vads message (§1.5, `hmac_sha256`): HMAC-SHA-256 keyed with the secret
/// over the values of the `vads_*` fields sorted by name, joined with `+`, then `+` and the
/// secret; base64.
fn signature(fields: &Fields) -> String {
    let mut vads: Vec<&(String, String)> = fields
        .iter()
        .filter(|(n, _)| n.starts_with("vads_"))
        .collect();
    vads.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut text: String = vads.iter().map(|(_, v)| format!("{v}+")).collect();
    text.push_str(SECRET);
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(text.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The loopback SystemPay bank.
pub struct SystemPayBank {
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SystemPayBank {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone)]
struct Bank {
    payments: Arc<Mutex<HashMap<u64, Fields>>>,
    http: reqwest::Client,
}

impl SystemPayBank {
    pub async fn start() -> SystemPayBank {
        let bank = Bank {
            payments: Arc::default(),
            http: reqwest::Client::new(),
        };
        let app = Router::new()
            .route("/vads-payment/", post(payment_page))
            .route("/vads-payment/answer", post(answer))
            .with_state(bank);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/vads-payment/", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        SystemPayBank { url, task }
    }
}

/// The form the shop's page submitted: checked, then a payment page.
async fn payment_page(State(bank): State<Bank>, Form(fields): Form<Fields>) -> Response {
    let Some(sent) = field(&fields, "signature") else {
        return (StatusCode::BAD_REQUEST, "no signature").into_response();
    };
    if sent != signature(&fields) || field(&fields, "vads_site_id") != Some("12345678") {
        return (StatusCode::BAD_REQUEST, Html("<h1>Signature error</h1>")).into_response();
    }
    let amount = field(&fields, "vads_amount").unwrap_or_default().to_owned();
    let mut payments = bank.payments.lock().unwrap();
    let id = payments.len() as u64 + 1;
    payments.insert(id, fields);
    Html(format!(
        "<!DOCTYPE html><html><head><meta charset=utf-8><title>SystemPay test bank</title></head>\
         <body style=\"font-family:sans-serif;max-width:40rem;margin:2rem auto\">\
         <h1>SystemPay test bank</h1><p>The shop's form arrived with a valid signature.</p>\
         <p id=amount>Amount: {amount} (minor units)</p>\
         <form method=post action=/vads-payment/answer><input type=hidden name=id value={id}>\
         <button id=bank-pay name=outcome value=paid>Pay</button> \
         <button id=bank-refuse name=outcome value=refused>Refuse</button></form></body></html>"
    ))
    .into_response()
}

/// The person's answer: the signed result goes to the shop's server (IPN), then the browser
/// goes back to the shop with it.
async fn answer(State(bank): State<Bank>, Form(form): Form<Fields>) -> Response {
    let id: u64 = field(&form, "id").and_then(|v| v.parse().ok()).unwrap_or(0);
    let Some(request) = bank.payments.lock().unwrap().get(&id).cloned() else {
        return (StatusCode::NOT_FOUND, "no such payment").into_response();
    };
    let paid = field(&form, "outcome") == Some("paid");
    let (result, status) = if paid {
        ("00", "AUTHORISED")
    } else {
        ("05", "REFUSED")
    };
    let copy = |name: &str| field(&request, name).unwrap_or_default().to_owned();
    let mut fields: Fields = vec![
        ("vads_amount".into(), copy("vads_amount")),
        ("vads_auth_mode".into(), "FULL".into()),
        ("vads_auth_number".into(), "3fe0a1".into()),
        ("vads_auth_result".into(), result.into()),
        ("vads_ctx_mode".into(), copy("vads_ctx_mode")),
        ("vads_currency".into(), copy("vads_currency")),
        (
            "vads_effective_creation_date".into(),
            copy("vads_trans_date"),
        ),
        ("vads_order_id".into(), copy("vads_order_id")),
        ("vads_result".into(), result.into()),
        ("vads_site_id".into(), copy("vads_site_id")),
        ("vads_trans_date".into(), copy("vads_trans_date")),
        ("vads_trans_id".into(), copy("vads_trans_id")),
        ("vads_trans_status".into(), status.into()),
    ];
    if let Some(x) = field(&request, "vads_ext_info_eopayment_trans_id") {
        fields.push(("vads_ext_info_eopayment_trans_id".into(), x.into()));
    }
    let sig = signature(&fields);
    fields.push(("signature".into(), sig));
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&fields)
        .finish();
    if let Some(check) = field(&request, "vads_url_check") {
        let ipn = bank
            .http
            .post(check)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(query.clone())
            .send()
            .await
            .expect("IPN delivered");
        assert!(ipn.status().is_success(), "the shop refused the IPN");
    }
    let back = field(&request, "vads_url_return").unwrap_or_default();
    Redirect::to(&format!("{back}?{query}")).into_response()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn systempay_form_to_a_loopback_bank_and_back_signed() {
    let bank = SystemPayBank::start().await;
    let files = Files::new();
    let config = files.write(
        "shop.toml",
        &format!(
            "[backends.dummy]\nkind = \"dummy\"\nsecret = \"browser-test-secret\"\n\n\
             [backends.cards]\nkind = \"systempayv2\"\nservice_url = \"{}\"\n\
             secret_test = \"{SECRET}\"\nvads_site_id = \"12345678\"\n\
             signature_algo = \"hmac_sha256\"\nvads_language = \"en\"\n",
            bank.url
        ),
    );
    let demo = Demo::with_config(&config);
    let mut browser = Browser::start("systempay").await;
    browser.goto(demo.base.as_str()).await;
    browser.click("input[name=instance][value=cards]").await;
    browser.shot("shop-cards").await;
    browser.click("#pay").await;

    // The shop's page submitted its form by itself: we are at the bank.
    let amount = browser.find("#amount").await.text().await.unwrap();
    assert!(amount.contains("1000"), "{amount}");
    assert!(browser.url().await.starts_with(&bank.url));
    browser.shot("bank").await;
    browser.click("#bank-pay").await;

    browser.wait_for_status("paid").await;
    let history = browser.find("#history").await.text().await.unwrap();
    assert!(history.contains("notification"), "{history}");
    assert!(!browser.source().await.contains("(not verified)"));
    browser.shot("order-paid").await;

    // A refused payment comes back refused.
    browser.goto(demo.base.as_str()).await;
    browser.click("input[name=instance][value=cards]").await;
    browser.click("#pay").await;
    browser.click("#bank-refuse").await;
    browser.wait_for_status("denied").await;
}
