//! Callbacks: the signed envelope, and its delivery with a plain HTTP/1.1 POST to a loopback
//! callback URL (the simulator has no TLS client and talks to nothing off this machine).

use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use url::Url;

use super::model::{Order, iso};
use super::{Shared, SimCallback};
use crate::chainside::{SIGNATURE_HEADER, sign_callback};

/// One callback the simulator tried to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivery {
    /// The order.
    pub uuid: String,
    /// The event.
    pub event: String,
    /// The callback URL.
    pub url: String,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    /// Why it was not delivered.
    pub error: Option<String>,
    /// What was sent.
    pub callback: SimCallback,
}

/// How long a receiver may take.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Whether the simulator may deliver to `url`.
fn deliverable(shared: &Shared, url: &Url) -> bool {
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    shared.allow_http_callbacks && url.scheme() == "http" && loopback
}

/// The signed callback of `event` for `order` (recorded in its callback list), and where to
/// deliver it, or the record of why it cannot be (for the caller to keep: the world is locked
/// here).
pub(super) fn callback(
    shared: &Shared,
    order: &mut Order,
    event: &str,
    now: i64,
) -> (SimCallback, Result<Option<Url>, Delivery>) {
    order.callbacks.push(event.to_owned());
    let envelope = json!({
        "event": event,
        "created_at": iso(now),
        "object_type": "payment_order",
        "object": order.callback_view(now),
    });
    let body = envelope.to_string().into_bytes();
    let signature = sign_callback(&shared.secret, &body);
    let cb = SimCallback { body, signature };
    let Some(text) = &order.callback_url else {
        return (cb, Ok(None));
    };
    match Url::parse(text) {
        Ok(url) if deliverable(shared, &url) => (cb, Ok(Some(url))),
        _ => {
            let record = Delivery {
                uuid: order.uuid.clone(),
                event: event.to_owned(),
                url: text.clone(),
                status: None,
                error: Some(
                    "not delivered: the simulator only posts to http:// loopback URLs".into(),
                ),
                callback: cb.clone(),
            };
            (cb, Err(record))
        }
    }
}

/// POSTs the callback and records the outcome.
pub(super) async fn send(shared: &Shared, url: Url, cb: SimCallback) {
    let (status, error) = match tokio::time::timeout(TIMEOUT, post(&url, &cb)).await {
        Ok(Ok(status)) => (Some(status), None),
        Ok(Err(e)) => (None, Some(e.to_string())),
        Err(_) => (None, Some("the receiver took too long".into())),
    };
    let (uuid, event) = serde_json::from_slice::<serde_json::Value>(&cb.body)
        .map(|v| {
            (
                v["object"]["uuid"].as_str().unwrap_or_default().to_owned(),
                v["event"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .unwrap_or_default();
    shared.world().deliveries.push(Delivery {
        uuid,
        event,
        url: url.to_string(),
        status,
        error,
        callback: cb,
    });
}

async fn post(url: &Url, cb: &SimCallback) -> std::io::Result<u16> {
    let host = url.host_str().unwrap_or("127.0.0.1");
    let port = url.port_or_known_default().unwrap_or(80);
    let mut stream = tokio::net::TcpStream::connect((host, port)).await?;
    let mut target = url.path().to_owned();
    if let Some(q) = url.query() {
        target.push('?');
        target.push_str(q);
    }
    let head = format!(
        "POST {target} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n\
         {SIGNATURE_HEADER}: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        cb.signature,
        cb.body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&cb.body).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    let line = String::from_utf8_lossy(&answer);
    line.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("the receiver's answer has no status line"))
}
