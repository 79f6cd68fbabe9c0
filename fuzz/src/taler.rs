//! The GNU Taler targets' backends and the driving of an operation through its HTTP steps.

use std::sync::{Arc, LazyLock};

use polypay_core::{Backend, Context, Exchange, HttpResponse, Result, Step};
use serde_json::{Value, json};

use crate::{backend, cx};

/// The instance every target's backend talks to.
pub const BASE: &str = "https://backend.example.com/instances/shop/";

/// A valid `GET /config` answer (the shape of backends/taler's tests).
pub fn config_reply() -> HttpResponse {
    HttpResponse::new(
        200,
        json!({"version": "20:0:8", "name": "taler-merchant", "currency": "EUR"}).to_string(),
    )
}

/// The configuration of the fuzzed backends (`extra` added).
pub fn config(extra: Value) -> Value {
    let mut c = json!({
        "base_url": "https://backend.example.com/",
        "instance": "shop",
        "token": "secret-token:fuzz",
        "fulfillment_url": "https://shop.example/thanks?order=${ORDER_ID}",
    });
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        if v.is_null() {
            c.as_object_mut().unwrap().remove(&k);
        } else {
            c[k] = v;
        }
    }
    c
}

/// A backend that already passed its version check, so every input reaches the operation's
/// own calls. Its only state (the checked `/config`) never changes afterwards, so runs stay
/// reproducible.
pub fn checked(extra: Value) -> Arc<dyn Backend> {
    let b = backend("taler", config(extra));
    let query = polypay_core::StatusQuery::new("O1");
    let Ok(Step::Http { state, .. }) = b.status(&query, cx()) else {
        panic!("the first step of a taler status is the version check")
    };
    let exchange = Exchange {
        state,
        response: config_reply(),
    };
    // The answer is the status call; only the recorded version matters here.
    let _ = b.status(&query, cx().with_prior(&exchange));
    b
}

/// The token-authenticated backend shared by the targets.
pub static CHECKED: LazyLock<Arc<dyn Backend>> = LazyLock::new(|| checked(json!({})));

/// Every request a backend asks for must stay on its instance: an id from outside must never
/// steer a call elsewhere (`..` in a path, another host).
pub fn check_request_url(url: &url::Url) {
    assert!(
        url.as_str().starts_with(BASE),
        "a request left the instance: {url}"
    );
    let rest = &url.path()["/instances/shop/".len()..];
    assert!(
        rest == "config" || rest.starts_with("private/"),
        "a request left the private API: {url}"
    );
    if let Some(orders) = rest.strip_prefix("private/orders") {
        let id = orders
            .strip_prefix('/')
            .unwrap_or("")
            .split('/')
            .next()
            .unwrap_or("");
        assert!(
            orders.is_empty() || (!id.is_empty() && id != "." && id != ".."),
            "an order URL without its order: {url}"
        );
    }
}

/// Runs `op` through its steps, answering its requests with `replies` in turn, checking
/// every request and the final answer with `check`. Stops when the replies run out.
pub fn drive<T>(
    op: impl Fn(Context<'_>) -> Result<Step<T>>,
    replies: &[HttpResponse],
    check: impl Fn(&T),
) {
    let mut step = op(cx());
    let mut exchange;
    for reply in replies {
        match step {
            Ok(Step::Http { request, state }) => {
                check_request_url(&request.url);
                exchange = Exchange {
                    state,
                    response: reply.clone(),
                };
                step = op(cx().with_prior(&exchange));
            }
            Ok(Step::Done(ref t)) => {
                check(t);
                return;
            }
            Err(_) => return,
        }
    }
    match step {
        Ok(Step::Done(ref t)) => check(t),
        Ok(Step::Http { request, .. }) => check_request_url(&request.url),
        Err(_) => {}
    }
}

/// Splits fuzz bytes into HTTP replies separated by a line `--`.
pub fn replies(data: &[u8]) -> Vec<HttpResponse> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(i) = find(rest, b"\n--\n") {
        out.push(crate::http_reply(&rest[..i]));
        rest = &rest[i + 4..];
        if out.len() == 4 {
            return out;
        }
    }
    out.push(crate::http_reply(rest));
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
