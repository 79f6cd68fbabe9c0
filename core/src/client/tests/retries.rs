//! Retries: idempotent requests only, retryable failures only, a bounded number of times.

use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{StatusCode, header};
use axum::routing::any;

use super::support::{Hits, LoopBackend, get, local_policy, pay, payment, post, serve, url};
use crate::{Error, ErrorKind};

/// Answers `status` to every request, counting them.
fn always(hits: &Hits, status: u16) -> Router {
    let hits = hits.clone();
    let status = StatusCode::from_u16(status).unwrap();
    Router::new().route(
        "/x",
        any(move || async move {
            hits.hit();
            (status, "answer")
        }),
    )
}

#[tokio::test]
async fn a_get_is_retried_on_503_exactly_retries_times() {
    let hits = Hits::default();
    let addr = serve(always(&hits, 503)).await;
    let backend = LoopBackend::new(get(&url(addr, "/x"))).arc();
    pay(&payment(&backend, local_policy().retries(3)))
        .await
        .unwrap();
    assert_eq!(hits.count(), 4, "one attempt plus three retries");
    // The attempts are spent: the last answer goes to the backend, which decides.
    assert_eq!(backend.responses().len(), 1);
    assert_eq!(backend.last_response().status, 503);
}

#[tokio::test]
async fn a_post_is_never_retried() {
    for status in [503, 500, 429] {
        let hits = Hits::default();
        let addr = serve(always(&hits, status)).await;
        let backend = LoopBackend::new(post(&url(addr, "/x"))).arc();
        pay(&payment(&backend, local_policy().retries(3)))
            .await
            .unwrap();
        assert_eq!(hits.count(), 1, "HTTP {status}");
        assert_eq!(backend.last_response().status, status);
    }
}

#[tokio::test]
async fn permanent_answers_are_not_retried() {
    for status in [400, 404, 409, 501] {
        let hits = Hits::default();
        let addr = serve(always(&hits, status)).await;
        let backend = LoopBackend::new(get(&url(addr, "/x"))).arc();
        pay(&payment(&backend, local_policy().retries(3)))
            .await
            .unwrap();
        assert_eq!(hits.count(), 1, "HTTP {status}");
    }
}

#[tokio::test]
async fn a_retry_recovers_from_a_passing_failure() {
    let hits = Hits::default();
    let h = hits.clone();
    let router = Router::new().route(
        "/x",
        any(move || async move {
            if h.hit() < 2 {
                (StatusCode::SERVICE_UNAVAILABLE, "busy")
            } else {
                (StatusCode::OK, "done")
            }
        }),
    );
    let addr = serve(router).await;
    let backend = LoopBackend::new(get(&url(addr, "/x"))).arc();
    pay(&payment(&backend, local_policy().retries(2)))
        .await
        .unwrap();
    assert_eq!(hits.count(), 3);
    assert_eq!(backend.last_response().body, b"done");
}

#[tokio::test]
async fn timeouts_of_idempotent_requests_are_retried() {
    let hits = Hits::default();
    let h = hits.clone();
    let router = Router::new().route(
        "/x",
        any(move || async move {
            h.hit();
            tokio::time::sleep(Duration::from_secs(30)).await;
        }),
    );
    let addr = serve(router).await;
    let backend = LoopBackend::new(get(&url(addr, "/x"))).arc();
    let policy = local_policy()
        .timeout(Duration::from_millis(150))
        .retries(2);
    let err = pay(&payment(&backend, policy)).await.unwrap_err();
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
    assert_eq!(hits.count(), 3);
}

#[tokio::test]
async fn a_retry_after_beyond_the_bound_goes_straight_to_the_backend() {
    let hits = Hits::default();
    let h = hits.clone();
    let router = Router::new().route(
        "/x",
        any(move || async move {
            h.hit();
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "3600")],
                "later",
            )
        }),
    );
    let addr = serve(router).await;
    let backend = LoopBackend::new(get(&url(addr, "/x"))).arc();
    let started = Instant::now();
    pay(&payment(&backend, local_policy().retries(3)))
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(hits.count(), 1);
    assert_eq!(backend.last_response().status, 503);
}

#[tokio::test]
async fn a_malformed_answer_is_not_retried() {
    let hits = Hits::default();
    let h = hits.clone();
    let router = Router::new().route(
        "/x",
        any(move || async move {
            h.hit();
            vec![b'a'; 4096]
        }),
    );
    let addr = serve(router).await;
    let backend = LoopBackend::new(get(&url(addr, "/x"))).arc();
    let policy = local_policy().retries(3).max_body_bytes(100);
    let err = pay(&payment(&backend, policy)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed);
    assert_eq!(hits.count(), 1);
}
