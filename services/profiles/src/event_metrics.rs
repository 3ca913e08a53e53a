//! The consumer's metrics: events handled, by type and outcome, and handling failures (each one
//! retried). Labels are bounded: the event types this service knows (others are `other`), and
//! the outcomes of `Handled`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use saascript_common::http::metrics::HttpMetrics;

use crate::event_handler::Handled;
use crate::profile_events::{MEMBERSHIP_CREATED, USER_REGISTERED};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventLabels {
    event_type: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Default)]
pub struct EventMetrics {
    events: Family<EventLabels, Counter>,
}

impl EventMetrics {
    /// Registers the counters in the service's registry (served at /metrics).
    pub fn registered_in(metrics: &HttpMetrics) -> EventMetrics {
        let counters = EventMetrics::default();
        if let Ok(mut registry) = metrics.registry.lock() {
            registry.register(
                "events",
                "Events from the events topic by type and outcome (failed: retried)",
                counters.events.clone(),
            );
        }
        counters
    }

    pub fn handled(&self, event_type: &str, handled: &Handled) {
        let outcome = match handled {
            Handled::Created => "created",
            Handled::AlreadyThere => "already_there",
            Handled::Replayed => "replayed",
            Handled::Ignored(_) => "ignored",
        };
        self.count(event_type, outcome);
    }

    pub fn failed(&self, event_type: &str) {
        self.count(event_type, "failed");
    }

    /// A message that is no CloudEvent.
    pub fn unreadable(&self) {
        self.count("other", "unreadable");
    }

    fn count(&self, event_type: &str, outcome: &'static str) {
        let event_type = match event_type {
            USER_REGISTERED => USER_REGISTERED,
            MEMBERSHIP_CREATED => MEMBERSHIP_CREATED,
            _ => "other",
        };
        self.events
            .get_or_create(&EventLabels {
                event_type,
                outcome,
            })
            .inc();
    }
}
