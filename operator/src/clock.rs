//! Time, behind a trait, so that tests can fix it.

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;

    /// Now, as Kubernetes writes it (whole seconds).
    fn now_time(&self) -> Time {
        let now = self.now();
        Time(Timestamp::from_second(now.as_second()).unwrap_or(now))
    }
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}
