//! The one clock of every process, the operator's and the services': seconds since the epoch,
//! behind a function so that tests can move time.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Seconds since the epoch.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(system_now)
}

/// The system clock plus an offset that a test moves forward.
pub fn offset_clock(offset: Arc<AtomicI64>) -> Clock {
    Arc::new(move || system_now() + offset.load(Ordering::SeqCst))
}
