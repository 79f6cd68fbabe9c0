//! Secrets in headers, query strings and user info never reach TRACE logs or error messages.

use std::collections::HashMap;

use axum::Router;
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;

use super::support::{
    Capture, LoopBackend, closed_port, get as get_req, local_policy, pay, payment, serve,
};
use crate::HttpRequest;

const BEARER: &str = "bearer-secret-4242";
const QUERY_TOKEN: &str = "query-secret-1717";
const USER_PASSWORD: &str = "userinfo-secret-5555";
const FLAGGED: &str = "flagged-secret-8888";
const SECRETS: [&str; 4] = [BEARER, QUERY_TOKEN, USER_PASSWORD, FLAGGED];

/// A request carrying every kind of secret, plus a visible header as a control.
fn secret_request(base: &str) -> HttpRequest {
    let url = format!("http://merchant:{USER_PASSWORD}@{base}/pay?token={QUERY_TOKEN}&order=7");
    get_req(&url.parse().unwrap())
        .with_bearer(BEARER)
        .with_sensitive_header("X-Signature-Key", FLAGGED)
        .with_header("X-Visible", "visible-value-77")
}

#[tokio::test]
async fn secrets_never_reach_trace_logs_or_errors() {
    let capture = Capture::start();

    // The server checks that the secrets were really sent: redaction must not break the request.
    let router = Router::new().route(
        "/pay",
        get(
            |headers: HeaderMap, Query(query): Query<HashMap<String, String>>| async move {
                let bearer = headers.get("authorization").and_then(|v| v.to_str().ok());
                let flagged = headers.get("x-signature-key").and_then(|v| v.to_str().ok());
                let ok = bearer == Some(&format!("Bearer {BEARER}"))
                    && flagged == Some(FLAGGED)
                    && query.get("token").map(String::as_str) == Some(QUERY_TOKEN);
                if ok {
                    (StatusCode::OK, "paid")
                } else {
                    (StatusCode::BAD_REQUEST, "secrets missing")
                }
            },
        ),
    );
    let addr = serve(router).await;
    let backend = LoopBackend::new(secret_request(&addr.to_string())).arc();
    pay(&payment(&backend, local_policy())).await.unwrap();
    assert_eq!(
        backend.last_response().status,
        200,
        "the server did not get the secrets"
    );

    // A failing exchange, retried: its error and its retry traces must not leak either.
    let refused = closed_port();
    let backend = LoopBackend::new(secret_request(&refused.to_string())).arc();
    let err = pay(&payment(&backend, local_policy().retries(1)))
        .await
        .unwrap_err();
    let message = format!("{err} / {err:?}");
    assert!(
        message.contains(&refused.to_string()),
        "the error names the host: {message}"
    );
    for secret in SECRETS {
        assert!(
            !message.contains(secret),
            "{secret} leaked into the error: {message}"
        );
    }

    let logs = capture.text();
    // Controls: TRACE capture works and shows what is not secret.
    for expected in [
        "polypay HTTP request headers",
        "X-Visible: \"visible-value-77\"",
        "Authorization: \"<redacted>\"",
        "X-Signature-Key: \"<redacted>\"",
        "/pay?<redacted>",
        "retrying polypay HTTP request",
        "backend=\"loopback\"",
    ] {
        assert!(logs.contains(expected), "missing {expected:?} in:\n{logs}");
    }
    for secret in SECRETS {
        assert!(
            !logs.contains(secret),
            "{secret} leaked into the traces:\n{logs}"
        );
    }
}
