//! How every simulator here starts: a listener on a free loopback port, and an axum server
//! on the current tokio runtime that stops when its handle is dropped.

use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use url::Url;

/// A listener on `127.0.0.1` (a free port), its address, and the URL `http://ADDR/PATH`
/// (`path` without its leading slash: `""` or `"api/"`).
pub async fn bind(path: &str) -> std::io::Result<(TcpListener, SocketAddr, Url)> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}/{path}")
        .parse()
        .map_err(|e| std::io::Error::other(format!("bad address {addr}: {e}")))?;
    Ok((listener, addr, url))
}

/// Serves `app` on `listener` from the current tokio runtime until the returned handle is
/// dropped; the connections open then are finished first.
pub fn serve(listener: TcpListener, app: axum::Router) -> oneshot::Sender<()> {
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    stop
}
