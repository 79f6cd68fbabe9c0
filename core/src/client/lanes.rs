//! The executor's connection pools ("lanes"): reqwest clients, each carrying at most
//! [`Policy::streams_per_connection`](super::Policy::streams_per_connection) requests at once.
//!
//! Why: over HTTP/2 a reqwest client multiplexes every request to a host on one connection,
//! and the server caps the streams of a connection (`SETTINGS_MAX_CONCURRENT_STREAMS`, often
//! 100 to 250). Requests beyond the cap wait inside the client for a stream to close, and a
//! crowd of long polls (GNU Taler's `status` holds a request up to its `timeout_ms`) would then
//! hold back every other request — order creations included — until they time out. So a lane
//! takes requests up to the bound, and a full set of lanes opens another one: another client,
//! hence another connection (what Go's HTTP/2 transport does by default, RFC 9113 section 9.1
//! only discouraging it). Over HTTP/1.1 a lane simply owns up to that many connections.
//!
//! Only servers known to speak HTTP/2 get lanes: those reached with prior knowledge (h2c),
//! and those whose answers came over HTTP/2 (negotiated by ALPN; the executor tells the lanes
//! after each answer). Requests to HTTP/1.1 servers all go to the first lane, whatever its
//! load: each of their connections carries one request anyway, and spreading them over lanes
//! would only strand idle connections in several pools.
//!
//! A lane whose requests all finished is dropped (with its idle connections) once an earlier
//! lane has room again, so the lanes follow the load.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::{Error, Result};

/// Pools one executor keeps (one per connect timeout and protocol choice in use).
const MAX_POOLS: usize = 4;

/// Origins remembered as speaking HTTP/2 (a handful of backends in practice; the memory is
/// forgotten past this, and relearnt from the next answers).
const MAX_ORIGINS: usize = 256;

const USER_AGENT: &str = concat!("polypay/", env!("CARGO_PKG_VERSION"));

/// What distinguishes clients: the connect timeout, and whether plain HTTP speaks HTTP/2 from
/// the first byte (h2c with prior knowledge).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PoolKey {
    pub connect_timeout: Duration,
    pub h2c: bool,
}

#[derive(Debug)]
struct Lane {
    client: reqwest::Client,
    in_flight: Arc<AtomicUsize>,
}

impl Lane {
    fn load(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }
}

#[derive(Debug)]
struct Pool {
    key: PoolKey,
    lanes: Vec<Lane>,
}

/// The lanes of an executor, by [`PoolKey`].
#[derive(Debug, Default)]
pub(super) struct Lanes {
    pools: Mutex<Vec<Pool>>,
    /// Origins (`scheme://host:port`) whose last answer came over HTTP/2.
    multiplexing: Mutex<HashSet<String>>,
}

/// A place in a lane: the client to send with; the place is given back when dropped.
#[derive(Debug)]
pub(super) struct Ticket {
    pub client: reqwest::Client,
    in_flight: Arc<AtomicUsize>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Lanes {
    /// Records which protocol `origin` answered with.
    pub(super) fn learn(&self, origin: &str, http2: bool) {
        let mut known = self
            .multiplexing
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !http2 {
            known.remove(origin);
        } else if !known.contains(origin) {
            if known.len() >= MAX_ORIGINS {
                known.clear();
            }
            known.insert(origin.to_owned());
        }
    }

    /// Whether requests to `origin` with `key` share connections (HTTP/2).
    fn multiplexed(&self, key: PoolKey, origin: &str) -> bool {
        key.h2c
            || self
                .multiplexing
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .contains(origin)
    }

    /// A place for a request to `origin`: over HTTP/2, in the first lane of `key` with fewer
    /// than `per_lane` requests in flight, opening a lane when every one is full; over
    /// HTTP/1.1 (or not known to be HTTP/2), in the first lane.
    pub(super) fn acquire(&self, key: PoolKey, per_lane: usize, origin: &str) -> Result<Ticket> {
        let per_lane = if self.multiplexed(key, origin) {
            per_lane.max(1)
        } else {
            usize::MAX
        };
        // The pools stay consistent whatever panicked while they were locked (every change
        // is a single push or pop), so poisoning is harmless here.
        let mut pools = self.pools.lock().unwrap_or_else(PoisonError::into_inner);
        let index = match pools.iter().position(|p| p.key == key) {
            Some(i) => i,
            None => {
                if pools.len() >= MAX_POOLS {
                    pools.remove(0);
                }
                pools.push(Pool {
                    key,
                    lanes: Vec::new(),
                });
                pools.len() - 1
            }
        };
        let pool = &mut pools[index];
        // Drop trailing idle lanes while an earlier lane has room: the load went down.
        while pool.lanes.len() > 1
            && pool.lanes.last().is_some_and(|l| l.load() == 0)
            && pool.lanes[..pool.lanes.len() - 1]
                .iter()
                .any(|l| l.load() < per_lane)
        {
            pool.lanes.pop();
        }
        let lane = match pool.lanes.iter().position(|l| l.load() < per_lane) {
            Some(i) => &pool.lanes[i],
            None => {
                pool.lanes.push(Lane {
                    client: build(key)?,
                    in_flight: Arc::new(AtomicUsize::new(0)),
                });
                tracing::debug!(
                    lanes = pool.lanes.len(),
                    per_lane,
                    "polypay HTTP executor opened a connection pool"
                );
                &pool.lanes[pool.lanes.len() - 1]
            }
        };
        lane.in_flight.fetch_add(1, Ordering::AcqRel);
        Ok(Ticket {
            client: lane.client.clone(),
            in_flight: lane.in_flight.clone(),
        })
    }

    /// How many lanes `key` has (tests).
    #[cfg(test)]
    pub(super) fn lanes(&self, key: PoolKey) -> usize {
        let pools = self.pools.lock().unwrap_or_else(PoisonError::into_inner);
        pools
            .iter()
            .find(|p| p.key == key)
            .map_or(0, |p| p.lanes.len())
    }
}

/// A client: rustls with the WebPKI roots, no redirect, no retry of its own (the facade
/// retries), no referer.
fn build(key: PoolKey) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .redirect(reqwest::redirect::Policy::none())
        .retry(reqwest::retry::never())
        .referer(false)
        .connect_timeout(key.connect_timeout)
        .user_agent(USER_AGENT);
    if key.h2c {
        builder = builder.http2_prior_knowledge();
    }
    builder.build().map_err(|e| Error::Transport {
        message: format!("cannot set up the HTTP client: {e}"),
        retryable: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: PoolKey = PoolKey {
        connect_timeout: Duration::from_secs(1),
        h2c: false,
    };
    const H2: &str = "https://h2.example";

    #[test]
    fn lanes_open_when_full_and_close_when_idle() {
        let lanes = Lanes::default();
        lanes.learn(H2, true);
        let first: Vec<Ticket> = (0..3).map(|_| lanes.acquire(KEY, 3, H2).unwrap()).collect();
        assert_eq!(lanes.lanes(KEY), 1);
        let fourth = lanes.acquire(KEY, 3, H2).unwrap();
        assert_eq!(lanes.lanes(KEY), 2, "a full lane opens another");
        assert_eq!(fourth.in_flight.load(Ordering::Acquire), 1);
        // Other keys have their own lanes.
        let h2c = PoolKey { h2c: true, ..KEY };
        let _other = lanes.acquire(h2c, 3, "http://local").unwrap();
        assert_eq!((lanes.lanes(KEY), lanes.lanes(h2c)), (2, 1));
        drop(fourth);
        // The second lane is idle but the first is still full: it stays.
        let again = lanes.acquire(KEY, 3, H2).unwrap();
        assert_eq!(lanes.lanes(KEY), 2);
        drop(again);
        drop(first);
        let _one = lanes.acquire(KEY, 3, H2).unwrap();
        assert_eq!(
            lanes.lanes(KEY),
            1,
            "the idle lane went once the first had room"
        );
        // A bound of 0 counts as 1.
        let zero = PoolKey {
            connect_timeout: Duration::from_secs(2),
            h2c: false,
        };
        let a = lanes.acquire(zero, 0, H2).unwrap();
        let b = lanes.acquire(zero, 0, H2).unwrap();
        assert_eq!(lanes.lanes(zero), 2);
        drop((a, b));
    }

    #[test]
    fn http1_servers_share_the_first_lane() {
        let lanes = Lanes::default();
        let h1 = "https://h1.example";
        let many: Vec<Ticket> = (0..10)
            .map(|_| lanes.acquire(KEY, 3, h1).unwrap())
            .collect();
        assert_eq!(lanes.lanes(KEY), 1, "no lanes for HTTP/1.1");
        // Once the server answers over HTTP/2, its requests are spread.
        lanes.learn(h1, true);
        let _more = lanes.acquire(KEY, 3, h1).unwrap();
        assert_eq!(lanes.lanes(KEY), 2);
        // And back.
        lanes.learn(h1, false);
        let _again = lanes.acquire(KEY, 3, h1).unwrap();
        assert_eq!(lanes.lanes(KEY), 2);
        assert_eq!(many[0].in_flight.load(Ordering::Acquire), 11);
        // The memory of origins is bounded.
        for i in 0..MAX_ORIGINS + 1 {
            lanes.learn(&format!("https://{i}.example"), true);
        }
        assert!(lanes.multiplexing.lock().unwrap().len() <= MAX_ORIGINS);
    }

    #[test]
    fn pools_are_bounded() {
        let lanes = Lanes::default();
        for s in 1..=6 {
            let key = PoolKey {
                connect_timeout: Duration::from_secs(s),
                h2c: false,
            };
            drop(lanes.acquire(key, 1, H2).unwrap());
        }
        let pools = lanes.pools.lock().unwrap();
        assert_eq!(pools.len(), MAX_POOLS);
        assert_eq!(pools[0].key.connect_timeout, Duration::from_secs(3));
    }
}
