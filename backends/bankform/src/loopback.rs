//! Follow-up operations through the real `Payment` facade and its reqwest executor, against
//! bank servers simulated on 127.0.0.1: the Sips office server (sealed JSON) and Paybox Direct
//! (form in, `k=v` out).

use std::sync::Arc;

use axum::Router;
use axum::routing::post;
use polypay_core::{Adjustment, Amount, Payment, PaymentStatus, Policy, StatusQuery};
use serde_json::{Map, Value, json};
use url::Url;

use crate::paybox::Paybox;
use crate::simulator::config;
use crate::sips2::Sips2;

/// Serves `app` on an ephemeral loopback port; the server stops with the test's runtime.
async fn serve(app: Router) -> Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/").parse().unwrap()
}

fn policy() -> Policy {
    Policy::default().allow_http(true).retries(0)
}

/// The office server: checks the request's seal, answers with a sealed body.
async fn office(body: axum::body::Bytes) -> String {
    let request: Map<String, Value> = serde_json::from_slice(&body).unwrap_or_default();
    let key = crate::sips2::SIMULATION_SECRET_KEY;
    let expected = crate::sips2::office_seal_for_tests(&request, key);
    let code = if request.get("seal").and_then(Value::as_str) == Some(expected.as_str()) {
        "00"
    } else {
        "34"
    };
    let mut answer = json!({ "responseCode": code, "transactionStatus": "CAPTURED", "amount": 1000, "currencyCode": "978" });
    let seal = crate::sips2::office_seal_for_tests(answer.as_object().unwrap(), key);
    answer["seal"] = seal.into();
    answer.to_string()
}

#[tokio::test(flavor = "current_thread")]
async fn sips_office_server_on_loopback() {
    let base = serve(Router::new().fallback(post(office))).await;
    let backend = Sips2::build_for_tests(&config("sips2")).with_office_url(base);
    let payment = Payment::new(Arc::new(backend)).with_policy(policy());
    let adj = Adjustment::new("abc123", Amount::parse("EUR:10").unwrap());
    let r = payment.validate(&adj).await.unwrap();
    assert!(r.is_verified() && r.status() == PaymentStatus::Paid);
    let r = payment.cancel(&adj).await.unwrap();
    assert_eq!(r.status(), PaymentStatus::Cancelled);
    let r = payment.status(&StatusQuery::new("abc123")).await.unwrap();
    assert_eq!(r.status(), PaymentStatus::Paid);
    assert_eq!(r.amount, Some(Amount::parse("EUR:10").unwrap()));
}

/// Paybox Direct: answers 00000 to a question carrying the right key, 00006 otherwise.
async fn ppps(body: String) -> Vec<u8> {
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let get = |n: &str| {
        fields
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let answer = if get("CLE") == "1999888I" {
        format!(
            "NUMTRANS={}&NUMAPPEL={}&NUMQUESTION={}&CODEREPONSE=00000&COMMENTAIRE=Demande trait\u{e9}e avec succ\u{e8}s",
            get("NUMTRANS"),
            get("NUMAPPEL"),
            get("NUMQUESTION")
        )
    } else {
        "CODEREPONSE=00006&COMMENTAIRE=Acc\u{e8}s refus\u{e9}".to_owned()
    };
    // PPPS answers in ISO-8859-1.
    answer
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}

#[tokio::test(flavor = "current_thread")]
async fn paybox_direct_on_loopback() {
    let base = serve(Router::new().fallback(post(ppps))).await;
    let mut data = Map::new();
    data.insert("numero_transaction".into(), json!("13957441"));
    data.insert("numero_appel".into(), json!("30310733"));
    data.insert("reference".into(), json!("order42"));
    let adj = Adjustment::new("order42", Amount::parse("EUR:10").unwrap()).with_bank_data(data);

    let backend = Paybox::build_for_tests(&config("paybox")).with_direct_url(base.clone());
    let payment = Payment::new(Arc::new(backend)).with_policy(policy());
    for (status, r) in [
        (PaymentStatus::Paid, payment.validate(&adj).await),
        (PaymentStatus::Cancelled, payment.cancel(&adj).await),
        (PaymentStatus::Refunded, payment.refund(&adj).await),
    ] {
        let r = r.unwrap();
        assert_eq!(r.status(), status);
        assert_eq!(r.bank_data["COMMENTAIRE"], "Demande traitée avec succès");
    }
    let mut wrong = config("paybox");
    wrong.insert("cle".into(), json!("wrong-key"));
    let backend = Paybox::build_for_tests(&wrong).with_direct_url(base);
    let err = Payment::new(Arc::new(backend))
        .with_policy(policy())
        .validate(&adj)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("00006") && !err.to_string().contains("wrong-key"),
        "{err}"
    );
}
