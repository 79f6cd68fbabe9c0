//! The transport rules the facade and its executor apply to every request.

use std::time::Duration;

/// Transport rules applied to every request a backend asks for.
///
/// The defaults suit production: HTTPS only, 10 s to connect, 30 s per exchange, 1 MiB per
/// answer, 8 exchanges per operation, 2 retries of idempotent requests, HTTP/2 when the server
/// offers it over TLS (ALPN) with at most 100 requests in flight per connection.
///
/// ```
/// use std::time::Duration;
/// use polypay_core::Policy;
/// // A local test server: plain HTTP, short timeouts, no retries.
/// let policy = Policy::default()
///     .allow_http(true)
///     .timeout(Duration::from_secs(2))
///     .retries(0);
/// assert!(policy.allow_http);
/// assert_eq!(policy.max_body_bytes, 1 << 20);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Policy {
    /// Allow plain `http://` URLs (local test servers only). Off by default: HTTPS only.
    pub allow_http: bool,
    /// Time to establish a connection (TCP and TLS).
    pub connect_timeout: Duration,
    /// Time for one whole exchange, from connecting to the last byte of the body. A long poll
    /// adds its own [`crate::HttpRequest::extra_timeout`].
    pub timeout: Duration,
    /// Largest response body accepted, in bytes, whether announced by `Content-Length` or
    /// counted while streaming.
    pub max_body_bytes: usize,
    /// Most HTTP exchanges one operation may need (retries not counted).
    pub max_steps: usize,
    /// Retries of idempotent requests after a retryable failure: a connection failure, a
    /// timeout, or an answer 408, 429, 500, 502, 503 or 504. Non-idempotent requests (a
    /// payment, a refund) are never sent twice.
    pub retries: u32,
    /// Pause before the first retry; doubled for each further retry, at most 30 s. A
    /// `Retry-After: <seconds>` answer lengthens the pause up to that bound.
    pub retry_backoff: Duration,
    /// Speak HTTP/2 from the first byte to plain `http://` servers ("h2c with prior
    /// knowledge"), for a local backend known to serve it (the Taler simulator does). Off by
    /// default: plain HTTP then uses HTTP/1.1. HTTPS servers need no setting: HTTP/2 is
    /// negotiated during the TLS handshake (ALPN) whenever the server offers it.
    pub http2_prior_knowledge: bool,
    /// Most requests in flight on one HTTP/2 connection; beyond it the executor opens
    /// another connection (another pool). A server announces its own limit
    /// (`SETTINGS_MAX_CONCURRENT_STREAMS`, 100 to 250 in common servers; RFC 9113 advises no
    /// less than 100) and queues what goes beyond it, so without this bound a crowd of long
    /// polls would hold every other request back. It applies to servers known to speak
    /// HTTP/2 (prior knowledge, or an earlier answer over HTTP/2); HTTP/1.1 connections carry
    /// one request each anyway. Default 100; 0 counts as 1.
    pub streams_per_connection: usize,
}

/// The default of [`Policy::streams_per_connection`]: the least a server should allow (RFC 9113,
/// section 6.5.2).
const DEFAULT_STREAMS_PER_CONNECTION: usize = 100;

impl Default for Policy {
    fn default() -> Self {
        Policy {
            allow_http: false,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_body_bytes: 1 << 20,
            max_steps: crate::driver::DEFAULT_MAX_STEPS,
            retries: 2,
            retry_backoff: Duration::from_millis(200),
            http2_prior_knowledge: false,
            streams_per_connection: DEFAULT_STREAMS_PER_CONNECTION,
        }
    }
}

impl Policy {
    /// Allows plain HTTP (for local test servers).
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }
    /// Sets the total timeout of one exchange.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
    /// Sets the response size limit.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }
    /// Sets the number of retries of idempotent requests.
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }
    /// Sets the pause before the first retry.
    pub fn retry_backoff(mut self, backoff: Duration) -> Self {
        self.retry_backoff = backoff;
        self
    }
    /// Speaks HTTP/2 with prior knowledge to plain-HTTP servers (see
    /// [`Policy::http2_prior_knowledge`]).
    pub fn http2_prior_knowledge(mut self, on: bool) -> Self {
        self.http2_prior_knowledge = on;
        self
    }
    /// Sets the most requests in flight per connection (see
    /// [`Policy::streams_per_connection`]).
    pub fn streams_per_connection(mut self, streams: usize) -> Self {
        self.streams_per_connection = streams;
        self
    }
    /// Sets the bound on exchanges per operation.
    pub fn max_steps(mut self, steps: usize) -> Self {
        self.max_steps = steps;
        self
    }

    /// The time allowed for one exchange of a request with this `extra` time (a long poll).
    pub fn total_timeout(&self, extra: Option<Duration>) -> Duration {
        self.timeout.saturating_add(extra.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_poll_extends_the_deadline_without_overflow() {
        let policy = Policy::default().timeout(Duration::from_secs(30));
        assert_eq!(policy.total_timeout(None), Duration::from_secs(30));
        assert_eq!(
            policy.total_timeout(Some(Duration::from_secs(60))),
            Duration::from_secs(90)
        );
        assert_eq!(policy.total_timeout(Some(Duration::MAX)), Duration::MAX);
    }
}
