//! The Redis token cache (feature `redis`): several processes (web workers, the CLI, a
//! batch job) share one OAuth token through a Redis server.
//!
//! Keys: `{prefix}token:{api host}:{client_id}` holds the token as JSON with a TTL of
//! `expires_in` minus the safety margin; `{prefix}lease:{api host}:{client_id}` is the renewal
//! lease (`SET NX PX`). The synchronous client is used (no async runtime in a backend), with a
//! short timeout: a cache slower than that is treated as down (the backend then logs in
//! itself, see the `token` module).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use polypay_core::{Error, Result, Secret};
use redis::{Connection, ConnectionAddr, IntoConnectionInfo, RedisConnectionInfo};

use super::config::CacheOptions;
use super::token::{CachedToken, TokenCache};

/// How long a Redis connection or command may take.
pub const REDIS_TIMEOUT: Duration = Duration::from_secs(2);

/// A [`TokenCache`] in Redis. `Debug` shows the server, never the password.
pub struct RedisTokenCache {
    client: redis::Client,
    endpoint: String,
    connection: Mutex<Option<Connection>>,
    /// The value of the leases this process takes (so that it releases only its own).
    lease_id: String,
}

impl fmt::Debug for RedisTokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTokenCache")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

static LEASES: AtomicU64 = AtomicU64::new(0);

impl RedisTokenCache {
    /// A cache on the server the options name. Nothing is sent until it is used.
    pub fn new(options: &CacheOptions) -> Result<RedisTokenCache> {
        let mut redis = RedisConnectionInfo::default()
            .set_db(i64::from(options.db))
            .set_skip_set_lib_name();
        if let Some(user) = &options.username {
            redis = redis.set_username(user);
        }
        if let Some(password) = options.password.as_ref().map(Secret::expose) {
            redis = redis.set_password(password);
        }
        let endpoint = format!("{}:{}/{}", options.hostname, options.port, options.db);
        let info = ConnectionAddr::Tcp(options.hostname.clone(), options.port)
            .into_connection_info()
            .map(|i| i.set_redis_settings(redis))
            .map_err(|e| Error::invalid_input(format!("redis at {endpoint}: {e}")))?;
        let client = redis::Client::open(info)
            .map_err(|e| Error::invalid_input(format!("redis at {endpoint}: {e}")))?;
        let n = LEASES.fetch_add(1, Ordering::Relaxed);
        let nanos = jiff::Timestamp::now().as_nanosecond();
        Ok(RedisTokenCache {
            client,
            endpoint,
            connection: Mutex::new(None),
            lease_id: format!("{}-{n}-{nanos}", std::process::id()),
        })
    }

    /// `host:port/db`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn error(&self, e: &redis::RedisError) -> Error {
        Error::Transport {
            message: format!("redis at {}: {e}", self.endpoint),
            retryable: true,
        }
    }

    /// Runs `command` on the connection, connecting first when needed; a broken connection
    /// is dropped and the command tried once more on a new one.
    fn run<T>(&self, command: impl Fn(&mut Connection) -> redis::RedisResult<T>) -> Result<T> {
        let mut slot = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for attempt in 0..2 {
            if slot.is_none() {
                let connection = self
                    .client
                    .get_connection_with_timeout(REDIS_TIMEOUT)
                    .map_err(|e| self.error(&e))?;
                connection
                    .set_read_timeout(Some(REDIS_TIMEOUT))
                    .and_then(|()| connection.set_write_timeout(Some(REDIS_TIMEOUT)))
                    .map_err(|e| self.error(&e))?;
                *slot = Some(connection);
            }
            let Some(connection) = slot.as_mut() else {
                continue;
            };
            match command(connection) {
                Ok(v) => return Ok(v),
                Err(e) => {
                    let broken = e.is_io_error() || e.is_connection_dropped();
                    *slot = None;
                    if !broken || attempt == 1 {
                        return Err(self.error(&e));
                    }
                }
            }
        }
        Err(Error::Transport {
            message: format!("redis at {}: no connection", self.endpoint),
            retryable: true,
        })
    }

    fn token_key(key: &str) -> String {
        key.to_owned()
    }

    fn lease_key(key: &str) -> String {
        // `key` is `{prefix}token:...`: the lease sits next to it.
        match key.rfind("token:") {
            Some(i) => format!("{}lease:{}", &key[..i], &key[i + 6..]),
            None => format!("{key}:lease"),
        }
    }

    /// `PING`: checks the address and the credentials.
    pub fn ping(&self) -> Result<()> {
        self.run(|c| redis::cmd("PING").query::<String>(c))
            .map(|_| ())
    }
}

impl TokenCache for RedisTokenCache {
    fn load(&self, key: &str) -> Result<Option<CachedToken>> {
        let text: Option<String> =
            self.run(|c| redis::cmd("GET").arg(Self::token_key(key)).query(c))?;
        text.map(|t| CachedToken::from_json(&t)).transpose()
    }

    fn store(&self, key: &str, token: &CachedToken, ttl: Duration) -> Result<()> {
        let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
        if millis == 0 {
            return Ok(());
        }
        let value = token.to_json();
        self.run(|c| {
            redis::cmd("SET")
                .arg(Self::token_key(key))
                .arg(&value)
                .arg("PX")
                .arg(millis)
                .query::<()>(c)
        })
    }

    fn forget(&self, key: &str, fingerprint: &str) -> Result<()> {
        if let Some(t) = self.load(key)?
            && t.fingerprint() == fingerprint
        {
            self.run(|c| redis::cmd("DEL").arg(Self::token_key(key)).query::<()>(c))?;
        }
        Ok(())
    }

    fn try_lease(&self, key: &str, ttl: Duration) -> Result<bool> {
        let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let set: Option<String> = self.run(|c| {
            redis::cmd("SET")
                .arg(Self::lease_key(key))
                .arg(&self.lease_id)
                .arg("NX")
                .arg("PX")
                .arg(millis)
                .query(c)
        })?;
        Ok(set.is_some())
    }

    fn release(&self, key: &str) -> Result<()> {
        let lease = Self::lease_key(key);
        let holder: Option<String> = self.run(|c| redis::cmd("GET").arg(&lease).query(c))?;
        if holder.as_deref() == Some(self.lease_id.as_str()) {
            self.run(|c| redis::cmd("DEL").arg(&lease).query::<()>(c))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_debug() {
        assert_eq!(
            RedisTokenCache::lease_key("polypay:chainside:token:h:cid"),
            "polypay:chainside:lease:h:cid"
        );
        let options = CacheOptions {
            password: Some(Secret::new("redis-password-9")),
            ..CacheOptions::default()
        };
        let cache = RedisTokenCache::new(&options).expect("client");
        let text = format!("{cache:?}");
        assert!(!text.contains("redis-password-9"), "{text}");
        assert_eq!(cache.endpoint(), "127.0.0.1:6379/0");
    }
}
