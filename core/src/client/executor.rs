//! The reqwest (rustls) HTTP executor.

use std::time::Duration;

use super::{BoxFuture, HttpExecutor, Policy};
use crate::{Error, HttpRequest, HttpResponse, Method, Result};

/// Performs requests with reqwest over rustls: no redirects followed, policy timeouts, response
/// size limit, HTTPS only unless the policy allows plain HTTP.
#[derive(Debug, Clone, Default)]
pub struct ReqwestExecutor {
    clients: std::sync::Arc<std::sync::Mutex<Vec<(Duration, reqwest::Client)>>>,
}

impl ReqwestExecutor {
    /// A new executor (clients are built lazily, one per connect timeout, and reused).
    pub fn new() -> ReqwestExecutor {
        ReqwestExecutor::default()
    }

    fn client(&self, policy: &Policy) -> Result<reqwest::Client> {
        let mut clients = self
            .clients
            .lock()
            .map_err(|_| transport("the HTTP client cache is poisoned", false))?;
        if let Some((_, c)) = clients.iter().find(|(t, _)| *t == policy.connect_timeout) {
            return Ok(c.clone());
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(policy.connect_timeout)
            .build()
            .map_err(|e| transport(format!("cannot build the HTTP client: {e}"), false))?;
        clients.push((policy.connect_timeout, client.clone()));
        Ok(client)
    }
}

fn transport(message: impl Into<String>, retryable: bool) -> Error {
    Error::Transport {
        message: message.into(),
        retryable,
    }
}

impl HttpExecutor for ReqwestExecutor {
    fn execute<'a>(
        &'a self,
        request: HttpRequest,
        policy: &'a Policy,
    ) -> BoxFuture<'a, Result<HttpResponse>> {
        Box::pin(async move {
            match request.url.scheme() {
                "https" => {}
                "http" if policy.allow_http => {}
                "http" => {
                    return Err(Error::invalid_input(format!(
                        "refusing plain HTTP to {} (HTTPS only; allow_http is off)",
                        request.url.host_str().unwrap_or("?")
                    )));
                }
                other => {
                    return Err(Error::invalid_input(format!("unsupported URL scheme {other:?}")));
                }
            }
            let client = self.client(policy)?;
            let method = match request.method {
                Method::Get => reqwest::Method::GET,
                Method::Post => reqwest::Method::POST,
                Method::Put => reqwest::Method::PUT,
                Method::Patch => reqwest::Method::PATCH,
                Method::Delete => reqwest::Method::DELETE,
            };
            let timeout = policy.timeout + request.extra_timeout.unwrap_or_default();
            let mut builder = client.request(method, request.url.clone()).timeout(timeout);
            for h in &request.headers {
                builder = builder.header(&h.name, &h.value);
            }
            if !request.body.is_empty() {
                builder = builder.body(request.body.clone());
            }
            tracing::debug!(method = %request.method, url = %redact_url(&request.url), "polypay HTTP request");
            let mut resp = builder.send().await.map_err(|e| classify(&e))?;
            let status = resp.status().as_u16();
            if let Some(len) = resp.content_length()
                && len > policy.max_body_bytes as u64
            {
                return Err(Error::malformed(format!(
                    "response body of {len} bytes exceeds the {} byte limit",
                    policy.max_body_bytes
                )));
            }
            let headers = resp
                .headers()
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect();
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(|e| classify(&e))? {
                if body.len() + chunk.len() > policy.max_body_bytes {
                    return Err(Error::malformed(format!(
                        "response body exceeds the {} byte limit",
                        policy.max_body_bytes
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            tracing::debug!(status, bytes = body.len(), "polypay HTTP response");
            Ok(HttpResponse {
                status,
                headers,
                body,
            })
        })
    }
}

/// The URL without query string or user info, for traces (queries may carry tokens).
fn redact_url(url: &url::Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    let _ = u.set_password(None);
    let _ = u.set_username("");
    u.to_string()
}

fn classify(e: &reqwest::Error) -> Error {
    // reqwest's Display may include the URL; keep it without the query string.
    let url = e.url().map(redact_url).unwrap_or_default();
    if e.is_timeout() {
        transport(format!("timed out talking to {url}"), true)
    } else if e.is_connect() {
        transport(format!("cannot connect to {url}"), true)
    } else if e.is_body() || e.is_decode() {
        transport(format!("the response from {url} was cut short"), true)
    } else {
        transport(format!("request to {url} failed"), false)
    }
}
