//! Sending one request with retries: only idempotent requests, only after a retryable failure,
//! with exponential backoff.

use std::time::Duration;

use super::{HttpExecutor, Policy};
use crate::{HttpRequest, HttpResponse, Result};

/// The longest pause between two attempts.
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Answers worth asking again: the request timed out (408), the server is overloaded (429,
/// 503) or failed on its side (500) or behind a gateway (502, 504). Other 5xx (501 Not
/// Implemented, 505 Version Not Supported, ...) are permanent and go straight to the backend.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// `Retry-After` in its delta-seconds form (the HTTP-date form is ignored: the backoff applies).
fn retry_after(response: &HttpResponse) -> Option<Duration> {
    let value = response.header("retry-after")?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Sends `request` with `executor`; an idempotent request is sent again, at most
/// `policy.retries` times, after a retryable error or a retryable answer. When the attempts
/// are spent, the last answer goes to the backend (which maps it to a provider error) or the
/// last error is returned.
pub(crate) async fn send(
    executor: &dyn HttpExecutor,
    request: HttpRequest,
    policy: &Policy,
) -> Result<HttpResponse> {
    if !request.idempotent || policy.retries == 0 {
        return executor.execute(request, policy).await;
    }
    let mut backoff = policy.retry_backoff.min(MAX_BACKOFF);
    let mut attempt = 0u32;
    loop {
        let result = executor.execute(request.clone(), policy).await;
        let reason = match &result {
            Err(e) if e.is_retryable() => e.to_string(),
            Ok(resp) if is_retryable_status(resp.status) => format!("HTTP {}", resp.status),
            _ => return result,
        };
        if attempt >= policy.retries {
            tracing::debug!(attempts = attempt + 1, %reason, "polypay HTTP retries exhausted");
            return result;
        }
        let pause = match result.as_ref().ok().and_then(retry_after) {
            // The server asks for a longer pause than an operation should block for: let the
            // backend see the answer now instead.
            Some(wanted) if wanted > MAX_BACKOFF => return result,
            Some(wanted) => wanted.max(backoff),
            None => backoff,
        };
        drop(result);
        attempt += 1;
        tracing::debug!(
            attempt,
            retries = policy.retries,
            pause_ms = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
            %reason,
            "retrying polypay HTTP request"
        );
        drop(reason);
        // Boxed: the timer would otherwise enlarge every pending request's future, retried
        // or not (a crowd of long polls pays for it).
        Box::pin(tokio::time::sleep(pause)).await;
        backoff = backoff.saturating_mul(2).min(MAX_BACKOFF);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_statuses() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(is_retryable_status(s), "{s}");
        }
        for s in [200, 302, 400, 401, 404, 409, 501, 505] {
            assert!(!is_retryable_status(s), "{s}");
        }
    }

    #[test]
    fn retry_after_seconds_only() {
        let r = HttpResponse::new(503, "").with_header("Retry-After", " 7 ");
        assert_eq!(retry_after(&r), Some(Duration::from_secs(7)));
        let r =
            HttpResponse::new(503, "").with_header("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT");
        assert_eq!(retry_after(&r), None);
        assert_eq!(retry_after(&HttpResponse::new(503, "")), None);
    }
}
