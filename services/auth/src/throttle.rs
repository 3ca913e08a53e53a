//! Login throttling in Redis, per account and per client IP. Each failure counts within a
//! window; past the allowance, the key is locked for a back-off that doubles with every further
//! failure (up to a cap). The account key is the hashed email whether or not an account exists,
//! so lockout reveals nothing about which emails are registered.

use std::net::IpAddr;
use std::time::Duration;

use aws_lc_rs::digest::{SHA256, digest};
use redis::aio::ConnectionManager;

use crate::error::{AuthError, Result};
use saascript_common::encoding::hex;

#[derive(Clone, Debug)]
pub struct ThrottleSettings {
    /// Failures allowed per account before it locks.
    pub account_failures: u32,
    /// Failures allowed per IP before it locks (higher: offices share an address).
    pub ip_failures: u32,
    /// The first lock; each further failure doubles it.
    pub base_lock: Duration,
    pub max_lock: Duration,
    /// How long failures are remembered.
    pub window: Duration,
    /// The start of every Redis key, so that deployments (or tests) sharing a Redis count apart.
    pub key_prefix: String,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        ThrottleSettings {
            account_failures: 5,
            ip_failures: 50,
            base_lock: Duration::from_secs(30),
            max_lock: Duration::from_secs(15 * 60),
            window: Duration::from_secs(15 * 60),
            key_prefix: "auth:login".into(),
        }
    }
}

#[derive(Clone)]
pub struct Throttle {
    redis: ConnectionManager,
    settings: ThrottleSettings,
}

fn account_key(prefix: &str, email: &str) -> String {
    let digest = digest(&SHA256, email.trim().to_lowercase().as_bytes());
    format!("{prefix}:account:{}", hex(digest.as_ref()))
}

/// The address's client (an IPv6 address counts by its /64: one client could otherwise try from
/// 2^64 addresses in turn).
fn ip_key(prefix: &str, ip: IpAddr) -> String {
    format!(
        "{prefix}:ip:{}",
        saascript_common::client_address::client_key(ip)
    )
}

impl Throttle {
    pub fn new(redis: ConnectionManager, settings: ThrottleSettings) -> Throttle {
        Throttle { redis, settings }
    }

    /// Refuses with `TooManyAttempts` while the account or the IP is locked. Without a known IP
    /// only the account counts: lumping unknown clients together would let one of them lock out
    /// all the others.
    pub async fn check(&self, email: &str, ip: Option<IpAddr>) -> Result<()> {
        let mut redis = self.redis.clone();
        let prefix = &self.settings.key_prefix;
        let keys =
            std::iter::once(account_key(prefix, email)).chain(ip.map(|ip| ip_key(prefix, ip)));
        for key in keys {
            let ttl: i64 = redis::cmd("PTTL")
                .arg(format!("{key}:lock"))
                .query_async(&mut redis)
                .await
                .map_err(redis_error)?;
            if ttl > 0 {
                return Err(AuthError::TooManyAttempts(Duration::from_millis(
                    ttl as u64,
                )));
            }
        }
        Ok(())
    }

    /// Counts a failure against the account (and the IP, when known), locking those past their
    /// allowance.
    pub async fn failed(&self, email: &str, ip: Option<IpAddr>) -> Result<()> {
        let s = &self.settings;
        let keys = std::iter::once((account_key(&s.key_prefix, email), s.account_failures))
            .chain(ip.map(|ip| (ip_key(&s.key_prefix, ip), s.ip_failures)));
        for (key, allowed) in keys {
            let mut redis = self.redis.clone();
            let (failures,): (u32,) = redis::pipe()
                .atomic()
                .cmd("INCR")
                .arg(&key)
                .cmd("PEXPIRE")
                .arg(&key)
                .arg(s.window.as_millis() as u64)
                .ignore()
                .query_async(&mut redis)
                .await
                .map_err(redis_error)?;
            if failures >= allowed {
                let doublings = (failures - allowed).min(16);
                let lock = s.base_lock.saturating_mul(1 << doublings).min(s.max_lock);
                let _: () = redis::cmd("SET")
                    .arg(format!("{key}:lock"))
                    .arg(1)
                    .arg("PX")
                    .arg(lock.as_millis() as u64)
                    .query_async(&mut redis)
                    .await
                    .map_err(redis_error)?;
            }
        }
        Ok(())
    }

    /// A successful login clears the account's failures (not the IP's).
    pub async fn succeeded(&self, email: &str) -> Result<()> {
        let mut redis = self.redis.clone();
        let key = account_key(&self.settings.key_prefix, email);
        let _: () = redis::cmd("DEL")
            .arg(&key)
            .arg(format!("{key}:lock"))
            .query_async(&mut redis)
            .await
            .map_err(redis_error)?;
        Ok(())
    }
}

fn redis_error(error: redis::RedisError) -> AuthError {
    AuthError::Internal(format!("redis: {error}"))
}

#[cfg(test)]
mod tests {
    use super::{account_key, ip_key};

    #[test]
    fn the_account_key_ignores_case_and_hides_the_email() {
        assert_eq!(
            account_key("auth:login", "Ada@Example.com"),
            account_key("auth:login", " ada@example.com")
        );
        assert!(!account_key("auth:login", "ada@example.com").contains("ada"));
    }

    #[test]
    fn an_ipv6_client_counts_by_its_64() {
        let key = |ip: &str| ip_key("p", ip.parse().unwrap());
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        assert_eq!(key("2001:db8:1:2::1"), "p:ip:2001:db8:1:2::/64");
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("198.51.100.7"), "p:ip:198.51.100.7");
        assert_eq!(key("::ffff:198.51.100.7"), key("198.51.100.7"));
    }
}
