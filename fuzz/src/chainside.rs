//! The `chainside` targets' backends and the checks of their calls.

use std::sync::Arc;

use polypay_core::{
    Backend, Exchange, HttpRequest, HttpResponse, Method, StatusQuery, Step, Timestamp,
};
use polypay_crypto::chainside::{SANDBOX_URL, is_uuid};
use serde_json::{Value, json};

use crate::{backend as build, cx};

/// The client secret of the fuzzed WebPOS (it logs in with it and signs callbacks with it).
pub const SECRET: &str = "fuzz-chainside-secret";
/// `cid:fuzz-chainside-secret` in base64 (the login's Basic header).
pub const BASIC: &str = "Y2lkOmZ1enotY2hhaW5zaWRlLXNlY3JldA==";
/// The payment order of the seeds (the shape of the backend's own tests).
pub const U: &str = "3f1c1a9e-0000-4000-8000-000000000001";
/// The access token of the login done before a target runs (see [`logged_in`]).
pub const TOKEN: &str = "AT-fuzz-0123456789abcdef";

/// A fresh backend (its token store is empty: the first call logs in). Fresh for every
/// input, so that no token cached by an earlier input changes what happens.
pub fn fresh(secret: &str) -> Arc<dyn Backend> {
    build(
        "chainside",
        json!({"client_id": "cid", "secret": secret, "required_confirmations": 2}),
    )
}

/// A good login answer.
pub fn login_ok(token: &str) -> HttpResponse {
    HttpResponse::new(
        200,
        json!({"access_token": token, "id_token": "a.b.c", "expires_in": 3600,
               "token_type": "Bearer", "scope": "*"})
        .to_string(),
    )
}

/// A backend that already holds [`TOKEN`] (logged in through a status call whose own call
/// is dropped): its calls go out at once with the bearer token.
pub fn logged_in(secret: &str) -> Arc<dyn Backend> {
    let b = fresh(secret);
    let q = StatusQuery::new(U);
    let Ok(Step::Http { state, request }) = b.status(&q, cx()) else {
        panic!("a fresh chainside backend logs in first")
    };
    assert_eq!(request.url.path(), "/token");
    let exchange = Exchange {
        state,
        response: login_ok(TOKEN),
    };
    let Ok(Step::Http { .. }) = b.status(&q, cx().with_prior(&exchange)) else {
        panic!("the login answer is taken")
    };
    b
}

/// The fixed time of the chainside targets (the token above stays valid for an hour).
pub fn now() -> Timestamp {
    cx().now
}

/// Every call goes to the API under its root: the login, the order creation, or one order
/// named by a uuid; credentials only in sensitive headers.
pub fn check_request(r: &HttpRequest) {
    let url = r.url.as_str();
    let path = url
        .strip_prefix(SANDBOX_URL)
        .unwrap_or_else(|| panic!("a call left the Chainside API: {url}"));
    let ok = match r.method {
        Method::Post => path == "token" || path == "payment-order",
        Method::Get | Method::Delete => path.strip_prefix("payment-order/").is_some_and(is_uuid),
        _ => false,
    };
    assert!(ok, "an unexpected Chainside call: {} {url}", r.method);
    crate::crypto::check_credentials(r, &[SECRET, BASIC, TOKEN]);
}

/// The state that crosses the host never holds a credential: not the client secret, not
/// the harness's token (unless `input` spelled it: a callback's claimed reference is kept),
/// and the token used is named by its fingerprint only (16 hex digits).
pub fn check_state(state: &Value, input: &[u8]) {
    let text = state.to_string();
    for secret in [SECRET, BASIC, TOKEN] {
        assert!(
            !text.contains(secret) || crate::crypto::input_spells(input, secret),
            "a step state holds a credential: {text}"
        );
    }
    let Value::Object(map) = state else {
        panic!("a step state that is not an object: {text}")
    };
    for (k, v) in map {
        match k.as_str() {
            "phase" | "op" | "renewed" | "lease" => {}
            "token" => assert!(
                v.as_str()
                    .is_some_and(|f| f.len() == 16 && f.bytes().all(|b| b.is_ascii_hexdigit())),
                "a step state's token is not a fingerprint: {text}"
            ),
            _ => panic!("a step state with an unexpected key {k:?}: {text}"),
        }
    }
}
