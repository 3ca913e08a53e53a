//! Waiting for a condition by polling it, with a deadline and a message that says what never
//! happened. Tests wait on state, never on a fixed sleep.

use std::future::Future;
use std::time::{Duration, Instant};

/// Polls `check` every 200 ms until it returns Some, or fails the test after `limit`.
pub async fn until<T, F, Fut>(limit: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "waited {limit:?} for {what}, in vain"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
