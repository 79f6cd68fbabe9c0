//! HTTP faults through the HTTP backends (issue 8): `taler` and `chainside` in front of their
//! loopback simulators, with a fault proxy on 127.0.0.1 that passes every request to the
//! simulator except the one under test, which it answers with a fault: 5xx, a stall past the
//! policy timeout, a truncated, oversized or non-JSON body, a redirect; and a closed port.
//!
//! `core/src/client/tests` covers the transport itself; here the point is that each backend
//! maps the faults to the right `ErrorKind`, that only idempotent reads are retried (hits
//! counted at the proxy) and that nothing hangs past the policy's timeout.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::Response;
use polypay::ErrorKind;
use polypay::prelude::*;
use polypay_crypto::simulator::chainside::ChainsideSimulator;
use polypay_taler::simulator::Simulator as TalerSimulator;
use serde_json::json;
use url::Url;

#[derive(Clone, Copy, Debug)]
enum Fault {
    Status(u16),
    Stall,
    Truncated,
    Oversized,
    BadJson,
    Redirect,
}

/// Faults the requests whose method is `method` and whose path contains `path`; forwards the
/// others to `upstream`.
struct Proxy {
    upstream: Url,
    method: &'static str,
    path: &'static str,
    fault: Fault,
    hits: AtomicUsize,
}

async fn handle(proxy: Arc<Proxy>, req: Request<Body>) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    if parts.method.as_str() == proxy.method && parts.uri.path().contains(proxy.path) {
        proxy.hits.fetch_add(1, Ordering::SeqCst);
        let json = |status: u16, body: String| {
            Response::builder()
                .status(status)
                .header("Content-Type", "application/json")
                .body(Body::from(body))
                .unwrap()
        };
        return match proxy.fault {
            Fault::Status(code) => json(code, r#"{"code": 1, "hint": "down"}"#.into()),
            Fault::Stall => {
                tokio::time::sleep(Duration::from_secs(60)).await;
                json(200, "{}".into())
            }
            // Announces more than it sends: hyper refuses to finish such an answer and drops
            // the connection mid-body (its panic message in the test output is expected).
            Fault::Truncated => Response::builder()
                .status(200)
                .header("Content-Type", "application/json")
                .header("Content-Length", "1000")
                .body(Body::from(r#"{"order_status": "#))
                .unwrap(),
            Fault::Oversized => json(200, format!(r#"{{"pad": "{}"}}"#, "x".repeat(200_000))),
            Fault::BadJson => json(200, "{\"order_status\": paid,,}".into()),
            Fault::Redirect => Response::builder()
                .status(StatusCode::FOUND)
                .header("Location", "http://127.0.0.1:9/elsewhere")
                .body(Body::empty())
                .unwrap(),
        };
    }
    let url = proxy
        .upstream
        .join(
            parts
                .uri
                .path_and_query()
                .unwrap()
                .as_str()
                .trim_start_matches('/'),
        )
        .unwrap();
    let mut forward = reqwest::Client::new().request(parts.method.clone(), url);
    for (name, value) in &parts.headers {
        if name != "host" {
            forward = forward.header(name, value);
        }
    }
    let answer = forward.body(body).send().await.unwrap();
    let mut out = Response::builder().status(answer.status().as_u16());
    if let Some(ct) = answer.headers().get("content-type") {
        out = out.header("Content-Type", ct);
    }
    out.body(Body::from(answer.bytes().await.unwrap())).unwrap()
}

async fn start_proxy(
    upstream: Url,
    method: &'static str,
    path: &'static str,
    fault: Fault,
) -> (Url, Arc<Proxy>) {
    let proxy = Arc::new(Proxy {
        upstream,
        method,
        path,
        fault,
        hits: AtomicUsize::new(0),
    });
    let state = proxy.clone();
    let app = axum::Router::new().fallback(move |req: Request<Body>| handle(state.clone(), req));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/").parse().unwrap(), proxy)
}

const TIMEOUT: Duration = Duration::from_millis(500);
const RETRIES: u32 = 2;
/// Far below the stall (60 s), far above 3 × the timeout: no hang, no flakiness.
const BOUND: Duration = Duration::from_secs(15);

fn policy() -> Policy {
    Policy::default()
        .allow_http(true)
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .retries(RETRIES)
        .retry_backoff(Duration::from_millis(10))
        .max_body_bytes(64 * 1024)
}

fn taler(base: &Url) -> Payment {
    let config = json!({"base_url": base.to_string(), "allow_http": true,
        "token": "secret-token:faults", "fulfillment_message": "thanks"});
    let registry = Registry::builtin().unwrap();
    Payment::new(
        registry
            .build("taler", config.as_object().unwrap())
            .unwrap(),
    )
    .with_policy(policy())
}

fn chainside(base: &Url) -> Payment {
    let config = json!({"client_id": "faults", "secret": "faults-secret",
        "base_url": base.to_string()});
    let registry = Registry::builtin().unwrap();
    Payment::new(
        registry
            .build("chainside", config.as_object().unwrap())
            .unwrap(),
    )
    .with_policy(policy())
}

/// What an operation under a fault must give: the kind and how many times it reached the
/// faulty route.
struct Case {
    fault: Fault,
    kinds: &'static [ErrorKind],
    hits: usize,
}

/// The expectations of an idempotent read (retried on 5xx and timeouts) or of a write
/// (never sent twice).
fn cases(idempotent: bool) -> Vec<Case> {
    let tries = if idempotent { 1 + RETRIES as usize } else { 1 };
    vec![
        Case {
            fault: Fault::Status(503),
            kinds: &[ErrorKind::Provider],
            hits: tries,
        },
        Case {
            fault: Fault::Status(500),
            kinds: &[ErrorKind::Provider],
            hits: tries,
        },
        Case {
            fault: Fault::Stall,
            kinds: &[ErrorKind::Transport],
            hits: tries,
        },
        // The connection dropped mid-answer: a network failure, retried for a read only.
        Case {
            fault: Fault::Truncated,
            kinds: &[ErrorKind::Transport],
            hits: tries,
        },
        Case {
            fault: Fault::Oversized,
            kinds: &[ErrorKind::Malformed],
            hits: 1,
        },
        Case {
            fault: Fault::BadJson,
            kinds: &[ErrorKind::Malformed],
            hits: 1,
        },
        Case {
            fault: Fault::Redirect,
            kinds: &[ErrorKind::Provider, ErrorKind::Malformed],
            hits: 1,
        },
    ]
}

async fn check<T: std::fmt::Debug>(
    what: &str,
    case: &Case,
    proxy: &Proxy,
    run: impl std::future::Future<Output = polypay::Result<T>>,
) {
    let started = Instant::now();
    let result = tokio::time::timeout(BOUND * 2, run)
        .await
        .unwrap_or_else(|_| panic!("{what} {:?} hung", case.fault));
    let elapsed = started.elapsed();
    let err = result.expect_err(what);
    assert!(
        case.kinds.contains(&err.kind()),
        "{what} {:?}: {:?} ({err})",
        case.fault,
        err.kind()
    );
    assert_eq!(
        proxy.hits.load(Ordering::SeqCst),
        case.hits,
        "{what} {:?}: hits ({err})",
        case.fault
    );
    assert!(elapsed < BOUND, "{what} {:?} took {elapsed:?}", case.fault);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taler_maps_http_faults() {
    let sim = TalerSimulator::builder()
        .password("faults")
        .start()
        .await
        .unwrap();
    let amount = Amount::parse("EUR:10.00").unwrap();
    // A status is a GET: retried.
    for case in cases(true) {
        let (base, proxy) = start_proxy(sim.base_url(), "GET", "private/orders/", case.fault).await;
        let payment = taler(&base);
        check("taler status", &case, &proxy, async {
            payment.status(&StatusQuery::new("F-1")).await
        })
        .await;
    }
    // A Taler refund POST carries the new refunded *total*, so resending it after a lost answer
    // or a 5xx cannot refund twice: the backend retries it like a read (polypay-taler docs).
    for case in cases(true) {
        let (base, proxy) = start_proxy(sim.base_url(), "POST", "/refund", case.fault).await;
        let payment = taler(&base);
        let id = format!("F-{:?}", case.fault).replace(['(', ')'], "");
        payment
            .request(&PaymentRequest::new(amount).with_transaction_id(&id))
            .await
            .unwrap();
        sim.pay("admin", &id, None).unwrap();
        check("taler refund", &case, &proxy, async {
            payment
                .refund(&Adjustment::new(
                    id.clone(),
                    Amount::parse("EUR:1").unwrap(),
                ))
                .await
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chainside_maps_http_faults() {
    let sim = ChainsideSimulator::builder()
        .credentials("faults", "faults-secret")
        .start()
        .await
        .unwrap();
    let amount = Amount::parse("EUR:10.00").unwrap();
    let uuid = "00000000-0000-4000-8000-000000000001";
    for case in cases(true) {
        let (base, proxy) = start_proxy(sim.base_url(), "GET", "payment-order/", case.fault).await;
        let payment = chainside(&base);
        let query = StatusQuery::new("F-1")
            .with_bank_data(json!({ "uuid": uuid }).as_object().cloned().unwrap());
        check("chainside status", &case, &proxy, async {
            payment.status(&query).await
        })
        .await;
    }
    // Creating a payment order is a POST: never sent twice.
    for case in cases(false) {
        let (base, proxy) = start_proxy(sim.base_url(), "POST", "payment-order", case.fault).await;
        let payment = chainside(&base);
        check("chainside request", &case, &proxy, async {
            payment.request(&PaymentRequest::new(amount)).await
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_port_is_a_transport_error_without_hanging() {
    let base: Url = format!("http://{}/", crate::support::closed_port())
        .parse()
        .unwrap();
    let uuid = json!({"uuid": "00000000-0000-4000-8000-000000000001"});
    for (name, payment) in [("taler", taler(&base)), ("chainside", chainside(&base))] {
        let started = Instant::now();
        let query = StatusQuery::new("F-1").with_bank_data(uuid.as_object().cloned().unwrap());
        let err = payment.status(&query).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Transport, "{name}: {err}");
        let err = payment
            .request(&PaymentRequest::new(Amount::parse("EUR:1").unwrap()))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Transport, "{name}: {err}");
        assert!(started.elapsed() < BOUND, "{name}: {:?}", started.elapsed());
    }
}
