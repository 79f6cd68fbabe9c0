//! The Redis token cache against a real `redis-server` started here on the loopback
//! interface (with a password): backends share one token, one renewal serves all, a refused
//! token is replaced for all, and a Redis failure never stops a payment.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use polypay_core::{Payment, PaymentStatus};
use polypay_crypto::chainside::{Chainside, RedisTokenCache, TokenCache};
use polypay_crypto::simulator::chainside::ChainsideSimulator;
use serde_json::{Value, json};

use super::support::*;

const PASSWORD: &str = "redis-test-password-4f2";

/// A `redis-server` on 127.0.0.1, without persistence; killed (by its pid) when dropped.
struct RedisServer {
    child: Child,
    port: u16,
}

impl RedisServer {
    fn start() -> RedisServer {
        match Command::new("redis-server").arg("--version").output() {
            Ok(o) if o.status.success() => {}
            _ => panic!(
                "redis-server is not installed: the Redis token cache tests need a real server \
                 on 127.0.0.1 (apt-get install -y redis-server; .ci/run installs it)"
            ),
        }
        // A free port: bind, read it, release it for the server.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(["--requirepass", PASSWORD])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        let server = RedisServer { child, port };
        let cache = RedisTokenCache::new(&server.options(PASSWORD)).unwrap();
        for _ in 0..200 {
            if cache.ping().is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("redis-server did not answer on port {port}");
    }

    fn options(&self, password: &str) -> polypay_crypto::chainside::CacheOptions {
        serde_json::from_value(json!({ "port": self.port, "password": password })).unwrap()
    }

    fn cache(&self, password: &str) -> Value {
        json!({ "driver": "redis", "options": {
            "hostname": "127.0.0.1", "port": self.port, "password": password,
            "prefix": "test:chainside:" } })
    }

    fn client(&self) -> redis::Connection {
        redis::Client::open(format!("redis://:{PASSWORD}@127.0.0.1:{}/", self.port))
            .unwrap()
            .get_connection()
            .unwrap()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn shared(sim: &ChainsideSimulator, redis: &RedisServer) -> (std::sync::Arc<Chainside>, Payment) {
    let cs = backend(&config(sim, json!({ "cache": redis.cache(PASSWORD) })));
    let payment = Payment::new(cs.clone()).with_policy(policy());
    (cs, payment)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_backends_share_one_token() {
    let redis = RedisServer::start();
    let sim = ChainsideSimulator::builder().start().await.unwrap();
    let (a, pa) = shared(&sim, &redis);
    let (b, pb) = shared(&sim, &redis);
    let intent = pa.request(&req("1.00", "redis-1")).await.unwrap();
    let r = pb.status(&query(&intent)).await.unwrap();
    assert_eq!(r.status(), PaymentStatus::Waiting);
    assert_eq!(sim.hits("POST /token"), 1, "{:?}", sim.log());
    let key = a.token_cache_key().to_owned();
    assert_eq!(key, b.token_cache_key());
    assert_eq!(
        key,
        format!(
            "test:chainside:token:127.0.0.1:{}:{}",
            sim.addr().port(),
            sim.client_id()
        )
    );
    let mut conn = redis.client();
    let ttl: i64 = redis::cmd("TTL").arg(&key).query(&mut conn).unwrap();
    assert!(
        (3500..=3540).contains(&ttl),
        "TTL {ttl}: expires_in minus the margin"
    );
    let stored: String = redis::cmd("GET").arg(&key).query(&mut conn).unwrap();
    assert!(stored.contains("access_token") && stored.contains("\"expires_in\":3600"));
    assert_eq!(a.token_cache_error(), None);
    // Nothing of the token in the backends' Debug.
    let token: Value = serde_json::from_str(&stored).unwrap();
    let token = token["access_token"].as_str().unwrap();
    assert!(!format!("{a:?} {b:?}").contains(token));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_is_replaced_for_every_backend() {
    let redis = RedisServer::start();
    let sim = ChainsideSimulator::builder().start().await.unwrap();
    let (_a, pa) = shared(&sim, &redis);
    let (_b, pb) = shared(&sim, &redis);
    let intent = pa.request(&req("1.00", "redis-2")).await.unwrap();
    pb.status(&query(&intent)).await.unwrap();
    sim.expire_tokens();
    // A meets 1004, logs in, shares the new token; B meets 1004 with its copy and takes the
    // shared one instead of logging in.
    pa.status(&query(&intent)).await.unwrap();
    pb.status(&query(&intent)).await.unwrap();
    assert_eq!(sim.hits("POST /token"), 2, "{:?}", sim.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_renewal_across_backends() {
    let redis = RedisServer::start();
    let sim = ChainsideSimulator::builder().start().await.unwrap();
    let (_a, pa) = shared(&sim, &redis);
    let (_b, pb) = shared(&sim, &redis);
    let intent = pa.request(&req("1.00", "redis-3")).await.unwrap();
    pb.status(&query(&intent)).await.unwrap();
    // In the renewal window (from 3240 s of 3600): many operations of both backends at once.
    let (la, lb) = (later(&pa, 3300), later(&pb, 3300));
    let q = query(&intent);
    let mut runs = Vec::new();
    for i in 0..10 {
        let p = if i % 2 == 0 { la.clone() } else { lb.clone() };
        let q = q.clone();
        runs.push(tokio::spawn(async move { p.status(&q).await }));
    }
    for run in runs {
        run.await.unwrap().unwrap();
    }
    assert_eq!(sim.hits("POST /token"), 2, "{:?}", sim.log());
    // Afterwards both use the renewed token.
    lb.status(&q).await.unwrap();
    la.status(&q).await.unwrap();
    assert_eq!(sim.hits("POST /token"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_failure_never_stops_a_payment() {
    let redis = RedisServer::start();
    let sim = ChainsideSimulator::builder().start().await.unwrap();
    let wrong = backend(&config(
        &sim,
        json!({ "cache": redis.cache("not-the-password") }),
    ));
    let payment = Payment::new(wrong.clone()).with_policy(policy());
    let intent = payment.request(&req("1.00", "redis-4")).await.unwrap();
    payment.status(&query(&intent)).await.unwrap();
    let why = wrong.token_cache_error().expect("the failure is reported");
    assert!(why.contains("redis at 127.0.0.1"), "{why}");
    assert!(!why.contains("not-the-password"), "{why}");
    // Its process-local token still serves.
    assert_eq!(sim.hits("POST /token"), 1);
    let direct = RedisTokenCache::new(&redis.options("not-the-password")).unwrap();
    let e = direct.load("k").unwrap_err();
    assert!(!e.to_string().contains("not-the-password"), "{e}");

    // The server goes away: payments go on.
    let (ok, p) = shared(&sim, &redis);
    p.status(&query(&intent)).await.unwrap();
    drop(redis);
    sim.expire_tokens();
    p.status(&query(&intent)).await.unwrap();
    assert!(ok.token_cache_error().is_some());
}
