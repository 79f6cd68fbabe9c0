//! The OAuth access token: [`CachedToken`], the [`TokenCache`] trait it is shared through
//! ([`MemoryTokenCache`] by default, `RedisTokenCache` with the `redis` feature), and the
//! store a backend consults before every call.
//!
//! **Lifetimes.** A token answered with `expires_in` seconds is used until `expires_in` minus a
//! safety margin (a minute, or a tenth of short lifetimes), so that it never expires in
//! flight; a shared cache keeps it exactly that long (its TTL). During a renewal window before
//! that (five minutes, or a fifth of short lifetimes) one operation renews it while the others
//! go on using it.
//!
//! **Serialised renewals.** The operation that renews first takes a lease in the cache (a
//! Redis `SET NX PX`, across processes); the others see the lease and keep the still-valid
//! token instead of logging in too. Without any usable token (the first call of a process, or
//! after `AccessTokenExpired`), an operation that finds the lease taken logs in on its own
//! rather than wait: a sans-IO step must not block the host's thread, and an extra login is
//! harmless (each token stays valid until it expires).
//!
//! **Cache failures** (Redis down, wrong password) never stop a payment: the store falls back
//! to its process-local copy and logs in when needed; the failure is logged (without any
//! secret) and kept for [`crate::chainside::Chainside::token_cache_error`].

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use polypay_core::{Error, Result, Secret, Timestamp};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// An access token and when it was obtained. `Debug` never shows the token.
#[derive(Clone, PartialEq, Eq)]
pub struct CachedToken {
    /// The bearer token.
    pub access_token: Secret,
    /// Its type (`Bearer`).
    pub token_type: String,
    /// When polypay obtained it.
    pub obtained_at: Timestamp,
    /// Its lifetime in seconds, as the server said.
    pub expires_in: u64,
}

impl fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedToken")
            .field("access_token", &self.access_token)
            .field("fingerprint", &self.fingerprint())
            .field("obtained_at", &self.obtained_at)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

fn after(t: Timestamp, seconds: u64) -> Timestamp {
    let secs = i64::try_from(seconds).unwrap_or(i64::MAX);
    t.checked_add(jiff::SignedDuration::from_secs(secs))
        .unwrap_or(Timestamp::MAX)
}

impl CachedToken {
    /// The safety margin: a minute, or a tenth of a lifetime shorter than ten minutes.
    pub fn margin(&self) -> Duration {
        Duration::from_secs(60.min(self.expires_in / 10))
    }

    /// When the server expires it.
    pub fn expires_at(&self) -> Timestamp {
        after(self.obtained_at, self.expires_in)
    }

    /// The last moment polypay uses it: `expires_in` minus the margin.
    pub fn usable_until(&self) -> Timestamp {
        after(
            self.obtained_at,
            self.expires_in.saturating_sub(self.margin().as_secs()),
        )
    }

    /// From when polypay renews it (five minutes, or a fifth of the lifetime, before
    /// [`CachedToken::usable_until`]).
    pub fn renew_from(&self) -> Timestamp {
        let ahead = 300.min(self.expires_in / 5);
        after(
            self.obtained_at,
            self.expires_in
                .saturating_sub(self.margin().as_secs())
                .saturating_sub(ahead),
        )
    }

    /// Whether it may still be used at `now`.
    pub fn usable(&self, now: Timestamp) -> bool {
        now < self.usable_until()
    }

    /// Whether it is usable and not yet due for renewal at `now`.
    pub fn fresh(&self, now: Timestamp) -> bool {
        now < self.renew_from()
    }

    /// How long a shared cache keeps it: `expires_in` minus the margin, from now.
    pub fn ttl(&self, now: Timestamp) -> Duration {
        let left = self.usable_until().as_second() - now.as_second();
        Duration::from_secs(u64::try_from(left).unwrap_or(0))
    }

    /// A short, one-way fingerprint (16 hex digits of SHA-256), to tell tokens apart in state
    /// and logs without showing them.
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::digest(self.access_token.expose().as_bytes());
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The JSON a shared cache stores (it holds the token: the cache must be private).
    pub fn to_json(&self) -> String {
        json!({
            "access_token": self.access_token.expose(),
            "token_type": self.token_type,
            "obtained_at": self.obtained_at.as_second(),
            "expires_in": self.expires_in,
        })
        .to_string()
    }

    /// Reads what [`CachedToken::to_json`] wrote.
    pub fn from_json(text: &str) -> Result<CachedToken> {
        let bad = || Error::malformed("the cached Chainside token is not polypay's JSON");
        let v: Value = serde_json::from_str(text).map_err(|_| bad())?;
        let token = v["access_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(bad)?;
        Ok(CachedToken {
            access_token: Secret::new(token),
            token_type: v["token_type"].as_str().unwrap_or("Bearer").to_owned(),
            obtained_at: v["obtained_at"]
                .as_i64()
                .and_then(|s| Timestamp::from_second(s).ok())
                .ok_or_else(bad)?,
            expires_in: v["expires_in"].as_u64().ok_or_else(bad)?,
        })
    }
}

/// Where access tokens are shared. Implementations must be quick (they are called inside an
/// operation's step) and must never log a token.
pub trait TokenCache: Send + Sync + fmt::Debug {
    /// The token stored under `key`, if any.
    fn load(&self, key: &str) -> Result<Option<CachedToken>>;
    /// Stores `token` under `key` for `ttl`.
    fn store(&self, key: &str, token: &CachedToken, ttl: Duration) -> Result<()>;
    /// Removes the token under `key` if it is the one with this fingerprint (a newer one,
    /// stored by another process, stays).
    fn forget(&self, key: &str, fingerprint: &str) -> Result<()>;
    /// Takes the renewal lease of `key` for `ttl`; `false` when someone else holds it.
    fn try_lease(&self, key: &str, ttl: Duration) -> Result<bool>;
    /// Gives the lease back.
    fn release(&self, key: &str) -> Result<()>;
}

/// The in-process cache (the `memory` driver): a map with expiry.
#[derive(Debug, Default)]
pub struct MemoryTokenCache {
    inner: Mutex<MemoryInner>,
}

#[derive(Debug, Default)]
struct MemoryInner {
    tokens: HashMap<String, (CachedToken, Instant)>,
    leases: HashMap<String, Instant>,
}

impl MemoryTokenCache {
    /// An empty cache.
    pub fn new() -> MemoryTokenCache {
        MemoryTokenCache::default()
    }

    fn lock(&self) -> MutexGuard<'_, MemoryInner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl TokenCache for MemoryTokenCache {
    fn load(&self, key: &str) -> Result<Option<CachedToken>> {
        let mut inner = self.lock();
        let now = Instant::now();
        inner.tokens.retain(|_, (_, until)| *until > now);
        Ok(inner.tokens.get(key).map(|(t, _)| t.clone()))
    }

    fn store(&self, key: &str, token: &CachedToken, ttl: Duration) -> Result<()> {
        let until = Instant::now() + ttl;
        self.lock()
            .tokens
            .insert(key.to_owned(), (token.clone(), until));
        Ok(())
    }

    fn forget(&self, key: &str, fingerprint: &str) -> Result<()> {
        let mut inner = self.lock();
        if inner
            .tokens
            .get(key)
            .is_some_and(|(t, _)| t.fingerprint() == fingerprint)
        {
            inner.tokens.remove(key);
        }
        Ok(())
    }

    fn try_lease(&self, key: &str, ttl: Duration) -> Result<bool> {
        let mut inner = self.lock();
        let now = Instant::now();
        match inner.leases.get(key) {
            Some(until) if *until > now => Ok(false),
            _ => {
                inner.leases.insert(key.to_owned(), now + ttl);
                Ok(true)
            }
        }
    }

    fn release(&self, key: &str) -> Result<()> {
        self.lock().leases.remove(key);
        Ok(())
    }
}

/// What an operation does about its token.
#[derive(Debug, Clone)]
pub(crate) enum Acquire {
    /// Use this token (its fingerprint for the state).
    Use(Secret, String),
    /// Log in; `lease` says whether this operation holds the renewal lease.
    Login { lease: bool },
}

/// A backend's tokens: its process-local copy, and the shared cache if configured.
#[derive(Debug)]
pub(crate) struct TokenStore {
    key: String,
    local: MemoryTokenCache,
    shared: Option<Arc<dyn TokenCache>>,
    lease_ttl: Duration,
    last_error: Mutex<Option<String>>,
}

impl TokenStore {
    pub(crate) fn new(
        key: String,
        shared: Option<Arc<dyn TokenCache>>,
        lease_ttl: Duration,
    ) -> TokenStore {
        TokenStore {
            key,
            local: MemoryTokenCache::new(),
            shared,
            lease_ttl,
            last_error: Mutex::new(None),
        }
    }

    pub(crate) fn key(&self) -> &str {
        &self.key
    }

    pub(crate) fn last_error(&self) -> Option<String> {
        self.last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Runs a shared-cache call; a failure is logged, remembered and turned into `None`.
    fn shared<T>(&self, what: &str, f: impl FnOnce(&dyn TokenCache) -> Result<T>) -> Option<T> {
        let cache = self.shared.as_deref()?;
        let result = f(cache);
        let mut last = self
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match result {
            Ok(v) => {
                *last = None;
                Some(v)
            }
            Err(e) => {
                tracing::warn!(
                    key = %self.key,
                    error = %e,
                    "chainside token cache: {what} failed; using the process-local token"
                );
                *last = Some(format!("{what}: {e}"));
                None
            }
        }
    }

    fn lease(&self) -> bool {
        match self.shared("lease", |c| c.try_lease(&self.key, self.lease_ttl)) {
            Some(got) => got,
            // Without the shared cache, serialise at least within the process.
            None => self
                .local
                .try_lease(&self.key, self.lease_ttl)
                .unwrap_or(true),
        }
    }

    /// What to do at `now`; `avoid` is the fingerprint of a token the API refused.
    pub(crate) fn acquire(&self, now: Timestamp, avoid: Option<&str>) -> Acquire {
        let acceptable =
            |t: &CachedToken| t.usable(now) && avoid.is_none_or(|fp| t.fingerprint() != fp);
        let local = self.local.load(&self.key).ok().flatten().filter(acceptable);
        if let Some(t) = &local
            && t.fresh(now)
        {
            return Acquire::Use(t.access_token.clone(), t.fingerprint());
        }
        // The local copy is missing or due for renewal: another process may have renewed it.
        let shared = self
            .shared("read", |c| c.load(&self.key))
            .flatten()
            .filter(acceptable);
        if let Some(t) = &shared
            && t.fresh(now)
        {
            let _ = self.local.store(&self.key, t, t.ttl(now));
            return Acquire::Use(t.access_token.clone(), t.fingerprint());
        }
        let usable = match (local, shared) {
            (Some(a), Some(b)) => Some(if b.usable_until() > a.usable_until() {
                b
            } else {
                a
            }),
            (a, b) => a.or(b),
        };
        let lease = self.lease();
        match usable {
            // Someone else renews: keep using the still-valid token.
            Some(t) if !lease => Acquire::Use(t.access_token.clone(), t.fingerprint()),
            _ => Acquire::Login { lease },
        }
    }

    /// Keeps a new token, here and in the shared cache, and gives the lease back.
    pub(crate) fn store(&self, token: &CachedToken, now: Timestamp, lease: bool) {
        let ttl = token.ttl(now);
        let _ = self.local.store(&self.key, token, ttl);
        self.shared("write", |c| c.store(&self.key, token, ttl));
        if lease {
            self.release();
        }
    }

    /// Gives the renewal lease back (after a failed login, too).
    pub(crate) fn release(&self) {
        let _ = self.local.release(&self.key);
        self.shared("release", |c| c.release(&self.key));
    }

    /// Drops the token the API refused.
    pub(crate) fn forget(&self, fingerprint: &str) {
        let _ = self.local.forget(&self.key, fingerprint);
        self.shared("forget", |c| c.forget(&self.key, fingerprint));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    fn token(value: &str, obtained: i64, expires_in: u64) -> CachedToken {
        CachedToken {
            access_token: Secret::new(value),
            token_type: "Bearer".into(),
            obtained_at: at(obtained),
            expires_in,
        }
    }

    #[test]
    fn lifetimes() {
        let t = token("tok", 1000, 3600);
        assert_eq!(t.usable_until(), at(1000 + 3540));
        assert_eq!(t.renew_from(), at(1000 + 3240));
        assert!(t.fresh(at(4239)) && !t.fresh(at(4240)));
        assert!(t.usable(at(4539)) && !t.usable(at(4540)));
        assert_eq!(t.ttl(at(1000)), Duration::from_secs(3540));
        assert_eq!(t.ttl(at(9999)), Duration::ZERO);
        let short = token("tok", 0, 10);
        assert_eq!((short.usable_until(), short.renew_from()), (at(9), at(7)));
        let back = CachedToken::from_json(&t.to_json()).unwrap();
        assert_eq!(back, t);
        assert!(CachedToken::from_json("{}").is_err());
        assert!(!format!("{t:?}").contains("tok\""), "{t:?}");
        assert_eq!(t.fingerprint().len(), 16);
    }

    #[test]
    fn renewals_are_leased_and_refused_tokens_avoided() {
        let store = TokenStore::new("k".into(), None, Duration::from_secs(30));
        assert!(matches!(
            store.acquire(at(1000), None),
            Acquire::Login { lease: true }
        ));
        // A second operation while the first logs in: no usable token, so it logs in too,
        // without the lease.
        assert!(matches!(
            store.acquire(at(1000), None),
            Acquire::Login { lease: false }
        ));
        let t = token("A", 1000, 3600);
        store.store(&t, at(1000), true);
        let Acquire::Use(s, fp) = store.acquire(at(1001), None) else {
            panic!()
        };
        assert_eq!((s.expose(), fp.as_str()), ("A", t.fingerprint().as_str()));
        // In the renewal window: one renews, the others keep the old token.
        assert!(matches!(
            store.acquire(at(4300), None),
            Acquire::Login { lease: true }
        ));
        assert!(matches!(store.acquire(at(4300), None), Acquire::Use(..)));
        store.release();
        // A refused token is not used again.
        assert!(matches!(
            store.acquire(at(1001), Some(&t.fingerprint())),
            Acquire::Login { .. }
        ));
        store.forget(&t.fingerprint());
        assert!(store.local.load("k").unwrap().is_none());
    }

    #[test]
    fn a_shared_token_is_adopted() {
        let shared = Arc::new(MemoryTokenCache::new());
        let a = TokenStore::new("k".into(), Some(shared.clone()), Duration::from_secs(30));
        let b = TokenStore::new("k".into(), Some(shared), Duration::from_secs(30));
        a.store(&token("A", 1000, 3600), at(1000), false);
        assert!(matches!(b.acquire(at(1001), None), Acquire::Use(s, _) if s.expose() == "A"));
        assert_eq!(b.last_error(), None);
    }
}
