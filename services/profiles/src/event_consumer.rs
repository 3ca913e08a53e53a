//! Profiles' part in consuming the platform's events topic (the loop, the commits and the
//! retries are `saascript_common::event_consumer`'s): each event goes to `EventHandler`, which
//! makes repeats harmless, and its outcome is counted in `EventMetrics`.

use rdkafka::consumer::StreamConsumer;
use saascript_common::events::CloudEvent;
use saascript_common::kit::EventArgs;

use crate::error::{ProfilesError, Result};
use crate::event_handler::{EventHandler, Handled};
use crate::event_metrics::EventMetrics;

/// A consumer in `group`, subscribed to the events topic.
pub fn subscribe(events: &EventArgs, group: &str) -> Result<StreamConsumer> {
    saascript_common::event_consumer::subscribe(events, group)
        .map_err(|e| ProfilesError::Config(e.to_string()))
}

/// Consumes until the process stops.
pub async fn run(consumer: StreamConsumer, handler: EventHandler, metrics: EventMetrics) {
    let unreadable = metrics.clone();
    saascript_common::event_consumer::consume(
        consumer,
        |event| handle(handler.clone(), metrics.clone(), event),
        move || unreadable.unreadable(),
    )
    .await;
}

async fn handle(handler: EventHandler, metrics: EventMetrics, event: CloudEvent) -> Result<()> {
    match handler.handle(&event).await {
        Ok(handled) => {
            metrics.handled(&event.type_, &handled);
            // The topic carries every service's events; most are not this service's.
            if let Handled::Ignored(why) = handled {
                tracing::debug!(id = %event.id, type_ = %event.type_, why, "event ignored");
            } else {
                tracing::info!(id = %event.id, type_ = %event.type_, tenant = ?event.tenant, outcome = ?handled, "event handled");
            }
            Ok(())
        }
        Err(e) => {
            metrics.failed(&event.type_);
            Err(e)
        }
    }
}
