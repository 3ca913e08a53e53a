//! Per-tenant rate limiting with GCRA (the generic cell rate algorithm), in process.
//!
//! Why in process and not Redis: the limit is checked on every request, and a Redis round trip
//! would add latency and a dependency to the hot path of every call; GCRA needs one timestamp
//! per tenant. The price is that each gateway replica enforces its own share: with N replicas,
//! set GATEWAY_REPLICAS=N and each allows rate/N, so that the total stays near the entitlement
//! (exact when the load balancer spreads evenly).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimiter {
    epoch: Instant,
    /// Per key, the theoretical arrival time of the next request, in seconds since `epoch`.
    tat: Mutex<HashMap<String, f64>>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter {
            epoch: Instant::now(),
            tat: Mutex::new(HashMap::new()),
        }
    }
}

impl RateLimiter {
    /// Seconds since this limiter was made: the clock its decisions use.
    pub fn now(&self) -> f64 {
        self.epoch.elapsed().as_secs_f64()
    }

    /// Allows a request for `key` at `now` (seconds) under `rate` per second with a burst of one
    /// second's worth; Err carries how long to wait.
    pub fn check_at(&self, key: &str, rate: f64, now: f64) -> Result<(), Duration> {
        let rate = rate.max(0.001);
        let interval = 1.0 / rate;
        let burst = (rate.ceil() - 1.0).max(0.0) * interval;
        let Ok(mut tat) = self.tat.lock() else {
            return Ok(());
        };
        let current = tat.get(key).copied().unwrap_or(now).max(now);
        // A nanosecond of slack absorbs floating-point drift in the sum of intervals.
        if current - now > burst + 1e-9 {
            return Err(Duration::from_secs_f64(current - now - burst));
        }
        tat.insert(key.to_string(), current + interval);
        // Keys whose time is long past hold no state worth keeping.
        if tat.len() > 10_000 {
            tat.retain(|_, t| *t > now);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::RateLimiter;

    #[test]
    fn allows_the_rate_with_a_one_second_burst_then_refuses() {
        let limiter = RateLimiter::default();
        // 5 per second: 5 at once pass, the 6th waits 0.2 s.
        for _ in 0..5 {
            assert!(limiter.check_at("acme", 5.0, 100.0).is_ok());
        }
        let wait = limiter.check_at("acme", 5.0, 100.0).unwrap_err();
        assert!((wait.as_secs_f64() - 0.2).abs() < 1e-9, "{wait:?}");
        // Another tenant is not affected; time heals.
        assert!(limiter.check_at("globex", 5.0, 100.0).is_ok());
        assert!(limiter.check_at("acme", 5.0, 100.2).is_ok());
        assert!(limiter.check_at("acme", 5.0, 100.2).is_err());
        assert!(limiter.check_at("acme", 5.0, 101.5).is_ok());
    }

    #[test]
    fn a_sustained_rate_is_held() {
        let limiter = RateLimiter::default();
        let allowed = (0..1000)
            .filter(|i| limiter.check_at("t", 10.0, *i as f64 * 0.01).is_ok())
            .count();
        // 10 s at 10/s, plus the initial burst of 10.
        assert!((100..=111).contains(&allowed), "{allowed}");
    }
}
