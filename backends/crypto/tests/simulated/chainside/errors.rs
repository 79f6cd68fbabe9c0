//! The API's errors as polypay reports them (code, name, message, request id, debug), and
//! the simulator's own rules checked with raw requests.

use base64::Engine as _;
use polypay_core::{
    Error, ErrorKind, HttpExecutor, HttpRequest, HttpResponse, Method, ReqwestExecutor,
};
use polypay_crypto::chainside::ListQuery;
use polypay_crypto::simulator::chainside::ChainsideSimulator;
use serde_json::{Value, json};

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_errors_keep_code_message_request_id_and_debug() {
    let Env {
        sim,
        payment,
        client,
        ..
    } = env().await;
    sim.script(
        "POST",
        "/payment-order",
        503,
        r#"{"error_code":"4006","message":"down for maintenance","request_id":"rq-1","debug_info":{"node":"b"}}"#,
    );
    let e = payment.request(&req("1.00", "err-1")).await.unwrap_err();
    assert!(e.is_retryable());
    match &e {
        Error::Provider {
            status,
            code,
            message,
        } => {
            assert_eq!((*status, code.as_deref()), (Some(503), Some("4006")));
            for part in [
                "4006 FunctionalityDown",
                "down for maintenance",
                "request_id rq-1",
                "\"node\":\"b\"",
                "err-1",
            ] {
                assert!(message.contains(part), "{part}: {message}");
            }
        }
        other => panic!("{other:?}"),
    }
    sim.script("POST", "/payment-order", 429, r#"{"error_code":"2000"}"#);
    let e = payment.request(&req("1.00", "err-2")).await.unwrap_err();
    assert!(
        e.is_retryable() && e.to_string().contains("TooManyRequests"),
        "{e}"
    );
    sim.script("GET", "/payment-order", 403, r#"{"error_code":"1012"}"#);
    let e = client.list(&ListQuery::default()).await.unwrap_err();
    assert!(e.to_string().contains("1012 Forbidden"), "{e}");
    sim.script("POST", "/payment-order", 502, "<html>bad gateway</html>");
    let e = payment.request(&req("1.00", "err-3")).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Provider {
                status: Some(502),
                code: None,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_errors_of_the_api() {
    // Chainside only calls back https:// URLs: the faithful simulator refuses the others.
    let sim = ChainsideSimulator::builder().start().await.unwrap();
    let env = env_for(sim, json!({}));
    let e = env
        .payment
        .request(
            &req("1.00", "val-1").with_notification_url("http://127.0.0.1:9/cb".parse().unwrap()),
        )
        .await
        .unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("0001 ValidationError") && text.contains("callback_url"),
        "{text}"
    );
    assert_eq!(e.kind(), ErrorKind::Provider);
    // A small amount is fine (0.01 EUR is 25 sat at the simulator's rate).
    let e = env
        .payment
        .request(&req("0.01", "val-2").with_extra("details", "x"))
        .await;
    assert!(e.is_ok(), "{e:?}");
}

/// Raw exchanges with the simulator, to check its own rules.
struct Raw {
    base: url::Url,
    executor: ReqwestExecutor,
}

impl Raw {
    async fn send(&self, request: HttpRequest) -> (u16, Value) {
        let r: HttpResponse = self.executor.execute(request, &policy()).await.unwrap();
        (
            r.status,
            serde_json::from_slice(&r.body).unwrap_or(Value::Null),
        )
    }

    fn req(&self, method: Method, path: &str) -> HttpRequest {
        HttpRequest::new(method, self.base.join(path).unwrap())
            .with_header("X-Api-Version", "v1")
            .with_header("Accept", "application/json")
    }

    fn basic(id: &str, secret: &str) -> String {
        let b = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
        format!("Basic {b}")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_checks_headers_credentials_and_parameters() {
    let sim = ChainsideSimulator::builder().start().await.unwrap();
    let raw = Raw {
        base: sim.base_url(),
        executor: ReqwestExecutor::new(),
    };
    let code = |v: &Value| v["error_code"].as_str().unwrap_or("").to_owned();
    let login = |form: &[(&str, &str)], auth: &str| {
        raw.req(Method::Post, "token")
            .with_header("Authorization", auth)
            .with_form(form)
    };
    let good = Raw::basic(sim.client_id(), sim.secret());
    let cc = [("grant_type", "client_credentials"), ("scope", "*")];
    let (s, v) = raw
        .send(login(&[("grant_type", "password"), ("scope", "*")], &good))
        .await;
    assert_eq!((s, code(&v)), (400, "1002".into()));
    let (s, v) = raw
        .send(login(&[("grant_type", "client_credentials")], &good))
        .await;
    assert_eq!((s, code(&v)), (400, "1013".into()));
    let (s, v) = raw.send(login(&cc, &Raw::basic("x", "y"))).await;
    assert_eq!((s, code(&v)), (401, "1001".into()));
    let (s, v) = raw.send(login(&cc, "Basic !!")).await;
    assert_eq!((s, code(&v)), (401, "3007".into()));
    let (s, v) = raw.send(login(&cc, &good)).await;
    assert_eq!(s, 200);
    assert_eq!(v["token_type"], "Bearer");
    assert!(v["request_id"].is_null());
    let token = v["access_token"].as_str().unwrap().to_owned();
    let authed = |method, path: &str| raw.req(method, path).with_bearer(&token);

    let no_version = HttpRequest::new(Method::Get, sim.base_url().join("payment-order").unwrap())
        .with_bearer(&token);
    let (s, v) = raw.send(no_version).await;
    assert_eq!((s, code(&v)), (400, "0001".into()));
    assert!(v["request_id"].as_str().unwrap().starts_with("req-"));
    let (s, v) = raw
        .send(
            HttpRequest::new(Method::Get, sim.base_url().join("payment-order").unwrap())
                .with_header("X-Api-Version", "v1")
                .with_header("Accept", "text/html")
                .with_bearer(&token),
        )
        .await;
    assert_eq!((s, code(&v)), (406, "3013".into()));
    let (s, v) = raw.send(raw.req(Method::Get, "payment-order")).await;
    assert_eq!((s, code(&v)), (401, "3007".into()));
    let (s, v) = raw
        .send(raw.req(Method::Get, "payment-order").with_bearer("nope"))
        .await;
    assert_eq!((s, code(&v)), (401, "1007".into()));
    let (s, v) = raw
        .send(authed(Method::Post, "payment-order").with_form(&[("amount", "1")]))
        .await;
    assert_eq!((s, code(&v)), (415, "3012".into()));
    for (body, field) in [
        (json!({}), "amount"),
        (json!({"amount": "1.234"}), "amount"),
        (
            json!({"amount": "1", "reference": "x".repeat(301)}),
            "reference",
        ),
        (
            json!({"amount": "1", "continue_url": "ftp://x"}),
            "continue_url",
        ),
        (
            json!({"amount": "1", "required_confirmations": -1}),
            "required_confirmations",
        ),
    ] {
        let (s, v) = raw
            .send(authed(Method::Post, "payment-order").with_json(&body))
            .await;
        assert_eq!((s, code(&v)), (400, "0001".into()), "{body}");
        assert_eq!(v["debug_info"]["field"], field, "{body}");
    }
    for q in [
        "page_size=41",
        "page_size=0",
        "page=-1",
        "status=odd",
        "sort_by=x",
        "sort_order=up",
    ] {
        let (s, v) = raw
            .send(authed(Method::Get, &format!("payment-order?{q}")))
            .await;
        assert_eq!((s, code(&v)), (400, "0001".into()), "{q}");
    }
    let (s, v) = raw
        .send(authed(Method::Post, "payment-order").with_json(&json!({"amount": "2.50"})))
        .await;
    assert_eq!(s, 201);
    let uuid = v["uuid"].as_str().unwrap().to_owned();
    assert_eq!(v["amount"], 6250);
    let (s, v) = raw
        .send(
            authed(Method::Patch, &format!("payment-order/{uuid}/test/"))
                .with_json(&json!({"callback": "payment.paid"})),
        )
        .await;
    assert_eq!((s, code(&v)), (400, "0013".into()));
    let (s, v) = raw
        .send(authed(Method::Put, &format!("payment-order/{uuid}")))
        .await;
    assert_eq!((s, code(&v)), (405, "3003".into()));
    let (s, v) = raw.send(authed(Method::Get, "nothing-here")).await;
    assert_eq!((s, code(&v)), (404, "3001".into()));
    sim.advance(3600);
    let (s, v) = raw.send(authed(Method::Get, "payment-order")).await;
    assert_eq!((s, code(&v)), (401, "1004".into()));
}
