//! The reqwest (rustls) HTTP executor: one exchange under a [`Policy`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};

use super::lanes::{Lanes, PoolKey};
use super::redact::{self, TracedHeaders, TracedResponseHeaders, TracedUrl};
use super::{BoxFuture, HttpExecutor, Policy};
use crate::{Error, Header, HttpRequest, HttpResponse, Method, Result};

/// Most body bytes reserved up front on the strength of a `Content-Length`.
const PREALLOCATE_MAX: usize = 64 * 1024;

/// Performs requests with reqwest over rustls (WebPKI roots): HTTPS only unless the policy
/// allows plain HTTP, no redirect followed (a 3xx goes back to the backend), the policy's
/// connect and total timeouts, and its response size limit checked both on `Content-Length`
/// and while the body streams in. Retries are the facade's job ([`crate::Payment`]), so
/// reqwest's own are off.
///
/// HTTP/2 is used when a TLS server offers it (ALPN), and with plain-HTTP servers when the
/// policy says they speak it ([`Policy::http2_prior_knowledge`]); one connection then carries
/// many requests, up to [`Policy::streams_per_connection`], beyond which the executor opens
/// another connection rather than queue requests behind, say, a crowd of long polls.
///
/// Clones share their connection pools: build one executor and share it between
/// [`crate::Payment`]s with [`crate::Payment::with_executor`]. Pooled connections belong to
/// the tokio runtime that opened them, so use an executor from one runtime. Proxies named by
/// the usual environment variables (`HTTPS_PROXY`, `NO_PROXY`) are honoured.
///
/// ```no_run
/// # async fn demo() -> polypay_core::Result<()> {
/// use polypay_core::{HttpExecutor, HttpRequest, Method, Policy, ReqwestExecutor};
/// let executor = ReqwestExecutor::new();
/// let request = HttpRequest::new(Method::Get, "https://bank.example/status".parse().unwrap());
/// let response = executor.execute(request, &Policy::default()).await?;
/// println!("HTTP {}", response.status);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct ReqwestExecutor {
    lanes: Arc<Lanes>,
}

impl ReqwestExecutor {
    /// A new executor; its clients are built on first use and reused.
    pub fn new() -> ReqwestExecutor {
        ReqwestExecutor::default()
    }
}

impl HttpExecutor for ReqwestExecutor {
    fn execute<'a>(
        &'a self,
        request: HttpRequest,
        policy: &'a Policy,
    ) -> BoxFuture<'a, Result<HttpResponse>> {
        Box::pin(async move {
            check_scheme(&request.url, policy)?;
            let headers = header_map(&request.headers)?;
            let key = PoolKey {
                connect_timeout: policy.connect_timeout,
                h2c: policy.http2_prior_knowledge && request.url.scheme() == "http",
            };
            let origin = request.url.origin().ascii_serialization();
            // Held until the answer is read: the lane counts this request in flight.
            let ticket = self
                .lanes
                .acquire(key, policy.streams_per_connection, &origin)?;
            let host = redact::host_of(&request.url);
            let total = policy.total_timeout(request.extra_timeout);
            tracing::debug!(
                method = %request.method,
                url = %TracedUrl(&request.url),
                body_bytes = request.body.len(),
                timeout_ms = millis(total),
                "polypay HTTP request"
            );
            tracing::trace!(headers = %TracedHeaders(&request.headers), "polypay HTTP request headers");
            let started = Instant::now();
            // The whole exchange, body included, runs under one deadline: a server that
            // trickles bytes cannot hold an operation longer than the policy allows.
            let exchange = exchange(
                &ticket.client,
                request,
                headers,
                policy.max_body_bytes,
                &host,
            );
            let result = match tokio::time::timeout(total, exchange).await {
                Ok(Ok((response, http2))) => {
                    self.lanes.learn(&origin, http2);
                    Ok(response)
                }
                Ok(Err(e)) => Err(e),
                Err(_) => Err(transport(
                    format!("no complete answer from {host} within {total:?}"),
                    true,
                )),
            };
            let elapsed_ms = millis(started.elapsed());
            match &result {
                Ok(resp) => {
                    tracing::debug!(
                        status = resp.status,
                        body_bytes = resp.body.len(),
                        elapsed_ms,
                        "polypay HTTP response"
                    );
                    tracing::trace!(
                        headers = %TracedResponseHeaders(&resp.headers),
                        "polypay HTTP response headers"
                    );
                }
                Err(error) => tracing::debug!(%error, elapsed_ms, "polypay HTTP request failed"),
            }
            result
        })
    }
}

/// Sends the request and reads the answer, at most `limit` body bytes; also tells whether it
/// came over HTTP/2.
async fn exchange(
    client: &reqwest::Client,
    request: HttpRequest,
    headers: HeaderMap,
    limit: usize,
    host: &str,
) -> Result<(HttpResponse, bool)> {
    let method = match request.method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Patch => reqwest::Method::PATCH,
        Method::Delete => reqwest::Method::DELETE,
    };
    // Methods that carry a body always send one (`Content-Length: 0` when empty): some
    // servers refuse a body-less POST with 411.
    let sends_body = matches!(request.method, Method::Post | Method::Put | Method::Patch);
    let HttpRequest {
        url,
        body: payload,
        headers: ours,
        ..
    } = request;
    // Already converted: not kept alive (with a bearer token in it) while the answer is
    // awaited, which may be a long poll.
    drop(ours);
    let mut builder = client.request(method, url).headers(headers);
    if sends_body || !payload.is_empty() {
        builder = builder.body(payload);
    }
    let mut resp = builder.send().await.map_err(|e| classify(&e, host))?;
    let http2 = resp.version() == reqwest::Version::HTTP_2;
    let status = resp.status().as_u16();
    let announced = resp.content_length();
    if let Some(len) = announced
        && len > limit as u64
    {
        return Err(Error::malformed(format!(
            "the response from {host} announces {len} bytes, over the {limit}-byte limit"
        )));
    }
    let headers = resp
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    // Reserve what is announced, but not more than a typical answer: the limit may be large
    // and the announcement a lie.
    let capacity = announced
        .and_then(|len| usize::try_from(len).ok())
        .unwrap_or(0);
    let mut body = Vec::with_capacity(capacity.min(limit).min(PREALLOCATE_MAX));
    while let Some(chunk) = resp.chunk().await.map_err(|e| classify(&e, host))? {
        // `body.len() <= limit` always holds here, so the subtraction cannot underflow.
        if chunk.len() > limit - body.len() {
            return Err(Error::malformed(format!(
                "the response from {host} exceeds the {limit}-byte limit"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((
        HttpResponse {
            status,
            headers,
            body,
        },
        http2,
    ))
}

fn check_scheme(url: &url::Url, policy: &Policy) -> Result<()> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if policy.allow_http => Ok(()),
        "http" => Err(Error::invalid_input(format!(
            "refusing plain HTTP to {}: only HTTPS is allowed (Policy::allow_http is for local \
             test servers)",
            redact::host_of(url)
        ))),
        other => Err(Error::invalid_input(format!(
            "unsupported URL scheme {other:?} for {}: only HTTPS is allowed",
            redact::host_of(url)
        ))),
    }
}

/// The backend's headers as reqwest wants them; secret values are marked sensitive so the
/// HTTP stack never prints or indexes them.
fn header_map(headers: &[Header]) -> Result<HeaderMap> {
    let mut map = HeaderMap::with_capacity(headers.len());
    for h in headers {
        let name = HeaderName::from_bytes(h.name.as_bytes())
            .map_err(|_| Error::invalid_input(format!("invalid HTTP header name {:?}", h.name)))?;
        // Framing and routing headers are the executor's: a backend setting them could make
        // the request ambiguous to the server.
        if [
            header::CONTENT_LENGTH,
            header::TRANSFER_ENCODING,
            header::CONNECTION,
            header::HOST,
        ]
        .contains(&name)
        {
            return Err(Error::invalid_input(format!(
                "the HTTP header {name} is set by the executor, not by backends"
            )));
        }
        // The value is never quoted: it may be a secret.
        let mut value = HeaderValue::from_bytes(h.value.as_bytes()).map_err(|_| {
            Error::invalid_input(format!(
                "invalid value for the HTTP header {name} (line breaks and control characters \
                 are not allowed)"
            ))
        })?;
        value.set_sensitive(redact::is_sensitive(h));
        map.append(name, value);
    }
    Ok(map)
}

fn transport(message: impl Into<String>, retryable: bool) -> Error {
    Error::Transport {
        message: message.into(),
        retryable,
    }
}

/// Maps a reqwest failure to polypay's errors. reqwest's own message quotes the full URL
/// (query string included), so only the host and the underlying cause are kept.
fn classify(e: &reqwest::Error, host: &str) -> Error {
    let cause = root_cause(e).map(|c| format!(": {c}")).unwrap_or_default();
    if e.is_timeout() {
        transport(format!("timed out talking to {host}{cause}"), true)
    } else if e.is_builder() {
        Error::invalid_input(format!("cannot build the request to {host}{cause}"))
    } else if e.is_connect() {
        if is_tls_failure(e) {
            // A certificate or protocol mismatch does not heal by itself.
            transport(format!("TLS with {host} failed{cause}"), false)
        } else {
            transport(format!("cannot connect to {host}{cause}"), true)
        }
    } else if e.is_body() || e.is_decode() {
        Error::malformed(format!("the response from {host} was cut short{cause}"))
    } else if e.is_request() {
        // The connection broke before an answer came: the facade resends it only if the
        // request is idempotent.
        transport(format!("the exchange with {host} failed{cause}"), true)
    } else {
        transport(format!("the exchange with {host} failed{cause}"), false)
    }
}

/// The innermost cause below reqwest's own error (which would quote the URL).
fn root_cause(e: &reqwest::Error) -> Option<String> {
    let mut innermost = None;
    let mut next = std::error::Error::source(e);
    while let Some(err) = next {
        if !err.is::<reqwest::Error>() {
            innermost = Some(err);
        }
        next = err.source();
    }
    innermost.map(ToString::to_string)
}

/// rustls reports handshake and certificate failures as `InvalidData` I/O errors, which the
/// connector may wrap in another I/O error (whose `source` skips the wrapped one, hence
/// `get_ref`).
fn is_tls_failure(e: &reqwest::Error) -> bool {
    let mut next = std::error::Error::source(e);
    while let Some(err) = next {
        let mut io = err.downcast_ref::<std::io::Error>();
        while let Some(inner) = io {
            if inner.kind() == std::io::ErrorKind::InvalidData {
                return true;
            }
            io = inner
                .get_ref()
                .and_then(|i| i.downcast_ref::<std::io::Error>());
        }
        next = err.source();
    }
    false
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
