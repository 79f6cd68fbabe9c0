//! One exchange: scheme policy, redirects, timeouts, connection failures, size limits,
//! broken bodies.

use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{StatusCode, header};
use axum::routing::{any, get};

use super::support::{
    Hits, LoopBackend, Raw, closed_port, executor, get as get_req, local_policy, pay, payment,
    post, raw_server, serve, url,
};
use crate::{Error, ErrorKind, HttpExecutor, HttpRequest, Method, Policy};

fn counting_ok(hits: &Hits) -> Router {
    let hits = hits.clone();
    Router::new().route(
        "/ok",
        any(move || async move {
            hits.hit();
            r#"{"ok":true}"#
        }),
    )
}

#[tokio::test]
async fn plain_http_is_refused_by_default_and_allowed_by_policy() {
    let hits = Hits::default();
    let addr = serve(counting_ok(&hits)).await;
    let backend = LoopBackend::new(get_req(&url(addr, "/ok"))).arc();

    let err = pay(&payment(&backend, Policy::default()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    let text = err.to_string();
    assert!(
        text.contains(&addr.to_string()) && text.contains("HTTPS"),
        "{text}"
    );
    assert_eq!(hits.count(), 0, "nothing may be sent over plain HTTP");

    pay(&payment(&backend, Policy::default().allow_http(true)))
        .await
        .unwrap();
    assert_eq!(hits.count(), 1);
    assert_eq!(backend.last_response().status, 200);
    assert_eq!(backend.last_response().body, br#"{"ok":true}"#);
}

#[tokio::test]
async fn other_schemes_are_refused() {
    let backend = LoopBackend::new(get_req(&"ftp://127.0.0.1/file".parse().unwrap())).arc();
    let err = pay(&payment(&backend, local_policy())).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("\"ftp\""), "{err}");
}

#[tokio::test]
async fn redirects_go_back_to_the_backend() {
    let target = Hits::default();
    let t = target.clone();
    let router = Router::new()
        .route(
            "/start",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/target")], "moved") }),
        )
        .route(
            "/target",
            get(move || async move {
                t.hit();
                "followed"
            }),
        );
    let addr = serve(router).await;
    let backend = LoopBackend::new(get_req(&url(addr, "/start"))).arc();
    pay(&payment(&backend, local_policy())).await.unwrap();
    let resp = backend.last_response();
    assert_eq!(resp.status, 302);
    assert_eq!(resp.header("location"), Some("/target"));
    assert_eq!(resp.body, b"moved");
    assert_eq!(target.count(), 0, "the redirect must not be followed");
}

fn sleeping(hits: &Hits, pause: Duration) -> Router {
    let hits = hits.clone();
    Router::new().route(
        "/slow",
        any(move || async move {
            hits.hit();
            tokio::time::sleep(pause).await;
            "late"
        }),
    )
}

#[tokio::test]
async fn a_timeout_is_a_retryable_transport_error_within_the_bound() {
    let hits = Hits::default();
    let addr = serve(sleeping(&hits, Duration::from_secs(30))).await;
    let timeout = Duration::from_millis(300);
    let backend = LoopBackend::new(post(&url(addr, "/slow"))).arc();
    let started = Instant::now();
    let err = pay(&payment(&backend, local_policy().timeout(timeout)))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(
            err,
            Error::Transport {
                retryable: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains(&addr.to_string()), "{err}");
    assert!(elapsed >= timeout, "gave up early: {elapsed:?}");
    // Generous slack: this checks the deadline is enforced, not how fast the machine is.
    assert!(
        elapsed < timeout + Duration::from_secs(3),
        "took {elapsed:?}"
    );
    assert_eq!(hits.count(), 1);
}

#[tokio::test]
async fn a_long_poll_gets_its_extra_time() {
    let hits = Hits::default();
    let addr = serve(sleeping(&hits, Duration::from_millis(400))).await;
    let request = get_req(&url(addr, "/slow")).with_extra_timeout(Duration::from_secs(5));
    let backend = LoopBackend::new(request).arc();
    let policy = local_policy()
        .timeout(Duration::from_millis(100))
        .retries(0);
    pay(&payment(&backend, policy)).await.unwrap();
    assert_eq!(backend.last_response().body, b"late");
}

#[tokio::test]
async fn connection_refused_is_a_retryable_transport_error() {
    let addr = closed_port();
    let backend = LoopBackend::new(post(&url(addr, "/pay"))).arc();
    let err = pay(&payment(&backend, local_policy())).await.unwrap_err();
    match &err {
        Error::Transport { message, retryable } => {
            assert!(*retryable);
            assert!(
                message.contains(&format!("cannot connect to {addr}")),
                "{message}"
            );
        }
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[tokio::test]
async fn https_to_a_plain_http_server_fails_without_retry() {
    let hits = Hits::default();
    let addr = serve(counting_ok(&hits)).await;
    let request = get_req(&format!("https://{addr}/ok").parse().unwrap());
    let backend = LoopBackend::new(request).arc();
    let err = pay(&payment(&backend, local_policy())).await.unwrap_err();
    match &err {
        Error::Transport { message, retryable } => {
            assert!(!*retryable, "a TLS failure does not heal: {message}");
            assert!(
                message.contains(&format!("TLS with {addr} failed")),
                "{message}"
            );
        }
        other => panic!("expected a transport error, got {other:?}"),
    }
}

fn sized_body(len: usize) -> Router {
    Router::new().route("/body", get(move || async move { vec![b'a'; len] }))
}

#[tokio::test]
async fn an_announced_body_over_the_limit_is_refused() {
    let policy = local_policy().max_body_bytes(1024);
    let addr = serve(sized_body(2048)).await;
    let backend = LoopBackend::new(get_req(&url(addr, "/body"))).arc();
    let err = pay(&payment(&backend, policy.clone())).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed, "{err}");
    assert!(
        err.to_string()
            .contains("announces 2048 bytes, over the 1024-byte limit"),
        "{err}"
    );

    // Exactly at the limit is fine.
    let addr = serve(sized_body(1024)).await;
    let backend = LoopBackend::new(get_req(&url(addr, "/body"))).arc();
    pay(&payment(&backend, policy)).await.unwrap();
    assert_eq!(backend.last_response().body.len(), 1024);
}

#[tokio::test]
async fn a_streamed_body_over_the_limit_is_refused() {
    let addr = raw_server(Raw::EndlessChunks).await;
    let backend = LoopBackend::new(get_req(&url(addr, "/stream"))).arc();
    let policy = local_policy().max_body_bytes(4096);
    let err = pay(&payment(&backend, policy)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed, "{err}");
    assert!(
        err.to_string().contains("exceeds the 4096-byte limit"),
        "{err}"
    );
}

#[tokio::test]
async fn truncated_bodies_are_malformed() {
    let truncated: [&'static [u8]; 2] = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"partial\":",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n{\"partial\":\r\n",
    ];
    for reply in truncated {
        let addr = raw_server(Raw::ThenClose(reply)).await;
        let backend = LoopBackend::new(get_req(&url(addr, "/cut"))).arc();
        let err = pay(&payment(&backend, local_policy())).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed, "{err}");
        let text = err.to_string();
        assert!(
            text.contains("cut short") && text.contains(&addr.to_string()),
            "{text}"
        );
    }
}

#[tokio::test]
async fn invalid_json_is_malformed() {
    let router = Router::new().route("/json", get(|| async { "<html>maintenance</html>" }));
    let addr = serve(router).await;
    let backend = LoopBackend::new(get_req(&url(addr, "/json")))
        .parse_json()
        .arc();
    let err = pay(&payment(&backend, local_policy())).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed, "{err}");
    assert!(
        err.to_string().contains("expected JSON (HTTP 200)"),
        "{err}"
    );
}

#[tokio::test]
async fn bad_headers_are_refused_before_sending() {
    let executor = executor();
    let policy = local_policy();
    let target = url(closed_port(), "/");

    let req = HttpRequest::new(Method::Get, target.clone()).with_header("Content-Length", "5");
    let err = executor.execute(req, &policy).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("content-length"), "{err}");

    let req = HttpRequest::new(Method::Get, target.clone())
        .with_sensitive_header("X-Key", "line-secret\r\nX-Injected: 1");
    let err = executor.execute(req, &policy).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(!err.to_string().contains("line-secret"), "{err}");

    let req = HttpRequest::new(Method::Get, target).with_header("Bad Name", "x");
    let err = executor.execute(req, &policy).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}
