//! The operator's reading of the one clock (saascript-process): Kubernetes times in whole
//! seconds, as the API server writes them.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

pub use saascript_process::clock::{Clock, system_clock};

/// Now, as Kubernetes writes it.
pub fn now_time(clock: &Clock) -> Time {
    let now = jiff::Timestamp::from_second(clock()).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    Time(now)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    #[test]
    fn kubernetes_times_are_whole_seconds_of_the_clock() {
        let clock: super::Clock = Arc::new(|| 1_700_000_000);
        assert_eq!(super::now_time(&clock).0.as_second(), 1_700_000_000);
        assert_eq!(super::now_time(&clock).0.subsec_nanosecond(), 0);
    }
}
