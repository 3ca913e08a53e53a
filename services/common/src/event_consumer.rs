//! Consuming the platform's events topic, for every service that acts on another service's
//! events. The group starts at the topic's beginning (no event published before the first start
//! is missed); an offset is committed only after the handler took the event, so delivery is at
//! least once and handlers make repeats harmless (they record the event ids they applied). A
//! handler failure holds the partition and is retried with back-off, never skipped: order within
//! a tenant is kept and nothing is lost. A message that is no CloudEvent is skipped, since
//! reading it again would not help.

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::Message;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};

use crate::events::CloudEvent;
use crate::kit::{EventArgs, KitError};

const FIRST_RETRY: Duration = Duration::from_millis(500);
const LONGEST_RETRY: Duration = Duration::from_secs(30);

/// A consumer in `group`, subscribed to the events topic.
pub fn subscribe(events: &EventArgs, group: &str) -> Result<StreamConsumer, KitError> {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &events.kafka_brokers)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        // The topic may not exist yet when a service starts (it is made with the first
        // tenant); librdkafka looks for a subscribed topic again only at this interval,
        // five minutes by default, and events would wait that long.
        .set("topic.metadata.refresh.interval.ms", "5000")
        .create()
        .map_err(|e| KitError::Kafka(format!("consumer: {e}")))?;
    consumer
        .subscribe(&[events.events_topic.as_str()])
        .map_err(|e| KitError::Kafka(format!("subscription: {e}")))?;
    Ok(consumer)
}

/// Consumes until the process stops: each CloudEvent goes to `handle` until it answers Ok;
/// `unreadable` is told of each message that is no CloudEvent (for a metric).
pub async fn consume<H, Fut, E>(consumer: StreamConsumer, handle: H, unreadable: impl Fn())
where
    H: Fn(CloudEvent) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Display,
{
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
            Some(Ok(event)) => handle_until_done(&handle, event).await,
            Some(Err(e)) => {
                unreadable();
                tracing::warn!(error = %e, "skipping a message that is no CloudEvent");
            }
            None => {
                unreadable();
                tracing::warn!("skipping a message without a payload");
            }
        }
        if let Err(e) = consumer.commit_message(&message, CommitMode::Async) {
            tracing::warn!(error = %e, "committing the offset failed; the event may come again");
        }
    }
}

async fn handle_until_done<H, Fut, E>(handle: &H, event: CloudEvent)
where
    H: Fn(CloudEvent) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Display,
{
    let mut delay = FIRST_RETRY;
    while let Err(e) = handle(event.clone()).await {
        tracing::warn!(id = %event.id, type_ = %event.type_, error = %e, retry_in = ?delay, "handling an event failed");
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(LONGEST_RETRY);
    }
}
