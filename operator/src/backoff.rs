//! Per-object exponential back-off for failed reconciles: 0.5 s, 1 s, 2 s, ... up to a cap,
//! reset by the first success.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

pub struct Backoff {
    failures: Mutex<HashMap<String, u32>>,
    max: Duration,
}

impl Backoff {
    pub fn new(max: Duration) -> Backoff {
        Backoff {
            failures: Mutex::new(HashMap::new()),
            max,
        }
    }

    /// Counts one more failure of `key` and returns how long to wait before the next try.
    pub fn failed(&self, key: &str) -> Duration {
        let attempts = match self.failures.lock() {
            Ok(mut failures) => {
                let count = failures.entry(key.to_string()).or_insert(0);
                *count = count.saturating_add(1);
                *count
            }
            Err(_) => 1,
        };
        let exponent = attempts.saturating_sub(1).min(16);
        Duration::from_millis(500u64.saturating_mul(1 << exponent)).min(self.max)
    }

    /// Forgets the failures of `key`.
    pub fn succeeded(&self, key: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_and_resets_on_success() {
        let backoff = Backoff::new(Duration::from_secs(3));
        let waits: Vec<_> = (0..5).map(|_| backoff.failed("a")).collect();
        assert_eq!(
            waits,
            [500, 1000, 2000, 3000, 3000].map(Duration::from_millis)
        );
        assert_eq!(
            backoff.failed("b"),
            Duration::from_millis(500),
            "keys are separate"
        );
        backoff.succeeded("a");
        assert_eq!(backoff.failed("a"), Duration::from_millis(500));
    }
}
