//! Tasks (commands) on RabbitMQ. Every task queue is durable and comes with two companions:
//! `<queue>.retry`, where a failed task waits out its back-off (a per-message TTL) before it is
//! dead-lettered back to the queue, and `<queue>.dead`, where a task that kept failing stays
//! for a person to look at. Publishing waits for the broker's confirm; consumers ack by hand.

use lapin::options::{BasicPublishOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel};

/// The queue of outgoing emails.
pub const EMAIL_SEND: &str = "email.send";
/// The header that counts a task's attempts so far.
pub const ATTEMPT_HEADER: &str = "x-attempt";

pub fn retry_queue(queue: &str) -> String {
    format!("{queue}.retry")
}

pub fn dead_queue(queue: &str) -> String {
    format!("{queue}.dead")
}

#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    #[error("RabbitMQ: {0}")]
    Broker(#[from] lapin::Error),
    #[error("RabbitMQ did not confirm the task (nack)")]
    NotConfirmed,
}

/// Declares the queue and its retry and dead-letter queues (idempotent).
pub async fn declare(channel: &Channel, queue: &str) -> Result<(), TaskError> {
    let durable = QueueDeclareOptions::durable();
    channel
        .queue_declare(queue.into(), durable, FieldTable::default())
        .await?;
    let mut retry_args = FieldTable::default();
    retry_args.insert(
        ShortString::from("x-dead-letter-exchange"),
        AMQPValue::LongString("".into()),
    );
    retry_args.insert(
        ShortString::from("x-dead-letter-routing-key"),
        AMQPValue::LongString(queue.into()),
    );
    channel
        .queue_declare(retry_queue(queue).as_str().into(), durable, retry_args)
        .await?;
    channel
        .queue_declare(
            dead_queue(queue).as_str().into(),
            durable,
            FieldTable::default(),
        )
        .await?;
    Ok(())
}

/// Publishes a persistent task to `queue` and waits for the broker's confirm. The channel must
/// be in confirm mode. `expiration` (milliseconds) is set on retries.
pub async fn publish(
    channel: &Channel,
    queue: &str,
    payload: &[u8],
    attempt: u32,
    expiration: Option<u64>,
) -> Result<(), TaskError> {
    let mut headers = FieldTable::default();
    headers.insert(
        ShortString::from(ATTEMPT_HEADER),
        AMQPValue::LongUInt(attempt),
    );
    let mut properties = BasicProperties::default()
        .with_delivery_mode(2)
        .with_content_type("application/json".into())
        .with_headers(headers);
    if let Some(ms) = expiration {
        properties = properties.with_expiration(ms.to_string().into());
    }
    let confirm = channel
        .basic_publish(
            "".into(),
            queue.into(),
            BasicPublishOptions::default(),
            payload,
            properties,
        )
        .await?
        .await?;
    if confirm.is_ack() {
        Ok(())
    } else {
        Err(TaskError::NotConfirmed)
    }
}

/// How many times the task was attempted before this delivery.
pub fn attempts_of(properties: &BasicProperties) -> u32 {
    properties
        .headers()
        .as_ref()
        .and_then(|h| h.inner().get(ATTEMPT_HEADER).cloned())
        .and_then(|v| match v {
            AMQPValue::LongUInt(n) => Some(n),
            AMQPValue::LongLongInt(n) => u32::try_from(n).ok(),
            AMQPValue::LongInt(n) => u32::try_from(n).ok(),
            _ => None,
        })
        .unwrap_or(0)
}
