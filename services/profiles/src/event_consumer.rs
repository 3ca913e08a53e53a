//! The Kafka consumer of the platform's events topic. Offsets are committed only after an event
//! is handled, so delivery is at least once; `EventHandler` makes the repeats harmless. A failure
//! worth retrying holds the partition (retried with back-off) rather than skipping the event:
//! order within a tenant is kept, and no member is left without a profile.

use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::Message;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use saascript_common::events::CloudEvent;
use saascript_common::kit::EventArgs;

use crate::error::{ProfilesError, Result};
use crate::event_handler::{EventHandler, Handled};
use crate::event_metrics::EventMetrics;

const FIRST_RETRY: Duration = Duration::from_millis(500);
const LONGEST_RETRY: Duration = Duration::from_secs(30);

/// A consumer in `group`, subscribed to the events topic; a new group starts at the topic's
/// beginning, so that no event published before the first start is missed.
pub fn subscribe(events: &EventArgs, group: &str) -> Result<StreamConsumer> {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &events.kafka_brokers)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .create()
        .map_err(|e| ProfilesError::Config(format!("Kafka consumer: {e}")))?;
    consumer
        .subscribe(&[events.events_topic.as_str()])
        .map_err(|e| ProfilesError::Config(format!("Kafka subscription: {e}")))?;
    Ok(consumer)
}

/// Consumes until the process stops.
pub async fn run(consumer: StreamConsumer, handler: EventHandler, metrics: EventMetrics) {
    loop {
        let message = match consumer.recv().await {
            Ok(message) => message,
            Err(e) => {
                tracing::warn!(error = %e, "reading the events topic failed; retrying");
                tokio::time::sleep(FIRST_RETRY).await;
                continue;
            }
        };
        match message.payload().map(serde_json::from_slice::<CloudEvent>) {
            Some(Ok(event)) => handle_until_done(&handler, &event, &metrics).await,
            // Not a CloudEvent: nothing here can ever apply it.
            Some(Err(e)) => {
                metrics.unreadable();
                tracing::warn!(error = %e, "skipping a message that is no CloudEvent");
            }
            None => {
                metrics.unreadable();
                tracing::warn!("skipping a message without a payload");
            }
        }
        if let Err(e) = consumer.commit_message(&message, CommitMode::Async) {
            tracing::warn!(error = %e, "committing the offset failed; the event may come again");
        }
    }
}

async fn handle_until_done(handler: &EventHandler, event: &CloudEvent, metrics: &EventMetrics) {
    let mut delay = FIRST_RETRY;
    loop {
        match handler.handle(event).await {
            Ok(handled) => {
                metrics.handled(&event.type_, &handled);
                // The topic carries every service's events; most are not this service's.
                if let Handled::Ignored(why) = handled {
                    tracing::debug!(id = %event.id, type_ = %event.type_, why, "event ignored");
                } else {
                    tracing::info!(id = %event.id, type_ = %event.type_, tenant = ?event.tenant, outcome = ?handled, "event handled");
                }
                return;
            }
            Err(e) => {
                metrics.failed(&event.type_);
                tracing::warn!(id = %event.id, type_ = %event.type_, error = %e, retry_in = ?delay, "handling an event failed");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(LONGEST_RETRY);
            }
        }
    }
}
