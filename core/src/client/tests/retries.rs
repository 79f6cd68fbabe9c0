//! Retries: idempotent requests only, retryable failures only, a bounded number of times.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::any;

use super::support::{Hits, LoopBackend, get, local_policy, pay, payment, post, serve, url};
use crate::{Error, ErrorKind};

/// Answers every request to `/x` with what `answer` makes of the attempt's number (0 for the
/// first), counting the attempts in `hits`.
fn on_x<F, Fut>(hits: &Hits, answer: F) -> Router
where
    F: Fn(usize) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output: IntoResponse> + Send + 'static,
{
    let hits = hits.clone();
    Router::new().route("/x", any(move || answer(hits.hit())))
}

/// Answers `status` to every request, counting them.
fn always(hits: &Hits, status: u16) -> Router {
    let status = StatusCode::from_u16(status).unwrap();
    on_x(hits, move |_| async move { (status, "answer") })
}

/// Serves `router` and returns a backend whose payment GETs its `/x` once.
async fn getting_x(router: Router) -> Arc<LoopBackend> {
    let addr = serve(router).await;
    LoopBackend::new(get(&url(addr, "/x"))).arc()
}

#[tokio::test]
async fn a_get_is_retried_on_503_exactly_retries_times() {
    let hits = Hits::default();
    let backend = getting_x(always(&hits, 503)).await;
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
        let backend = getting_x(always(&hits, status)).await;
        pay(&payment(&backend, local_policy().retries(3)))
            .await
            .unwrap();
        assert_eq!(hits.count(), 1, "HTTP {status}");
    }
}

#[tokio::test]
async fn a_retry_recovers_from_a_passing_failure() {
    let hits = Hits::default();
    let router = on_x(&hits, |attempt| async move {
        if attempt < 2 {
            (StatusCode::SERVICE_UNAVAILABLE, "busy")
        } else {
            (StatusCode::OK, "done")
        }
    });
    let backend = getting_x(router).await;
    pay(&payment(&backend, local_policy().retries(2)))
        .await
        .unwrap();
    assert_eq!(hits.count(), 3);
    assert_eq!(backend.last_response().body, b"done");
}

#[tokio::test]
async fn timeouts_of_idempotent_requests_are_retried() {
    let hits = Hits::default();
    let router = on_x(&hits, |_| tokio::time::sleep(Duration::from_secs(30)));
    let backend = getting_x(router).await;
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
    let router = on_x(&hits, |_| async {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "3600")],
            "later",
        )
    });
    let backend = getting_x(router).await;
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
    let router = on_x(&hits, |_| async { vec![b'a'; 4096] });
    let backend = getting_x(router).await;
    let policy = local_policy().retries(3).max_body_bytes(100);
    let err = pay(&payment(&backend, policy)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed);
    assert_eq!(hits.count(), 1);
}
