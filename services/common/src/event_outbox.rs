//! The transactional event outbox that every service shares: an event is recorded in the
//! service's `event_outbox` table inside the transaction of the change it describes, and a relay
//! publishes it to Kafka afterwards. A relay that stops between Kafka's acknowledgement and the
//! mark publishes that event again on restart: delivery is at least once, and the CloudEvent id
//! lets consumers drop the repeat.
//!
//! Each service's migrations create the table:
//! `event_outbox (id uuid PRIMARY KEY, event jsonb NOT NULL, created_at timestamptz NOT NULL
//! DEFAULT now(), published_at timestamptz)`.

use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::producer::{FutureProducer, FutureRecord};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::events::CloudEvent;

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Event(String),
}

/// One event to record: its CloudEvents type, the tenant it concerns, its subject and data.
pub struct NewEvent<'a> {
    pub source: &'a str,
    pub type_: &'a str,
    pub tenant: Option<&'a str>,
    pub subject: &'a str,
    pub data: serde_json::Value,
    /// Seconds since the epoch.
    pub time: i64,
}

/// Records an event inside the caller's transaction and returns its id.
pub async fn record(
    tx: &mut Transaction<'_, Postgres>,
    new: NewEvent<'_>,
) -> Result<Uuid, OutboxError> {
    let id = Uuid::new_v4();
    let time =
        jiff::Timestamp::from_second(new.time).map_err(|e| OutboxError::Event(e.to_string()))?;
    let event = CloudEvent {
        specversion: "1.0".into(),
        id: id.to_string(),
        source: new.source.into(),
        type_: new.type_.into(),
        subject: Some(new.subject.into()),
        time: time.to_string(),
        datacontenttype: "application/json".into(),
        tenant: new.tenant.map(str::to_string),
        data: new.data,
    };
    let json = serde_json::to_value(&event).map_err(|e| OutboxError::Event(e.to_string()))?;
    // clock_timestamp(), not now(): now() is the transaction's start, and a transaction that
    // started earlier can record a later fact (after waiting on a lock); the relay publishes in
    // this order.
    sqlx::query(
        "INSERT INTO event_outbox (id, event, created_at) VALUES ($1, $2, clock_timestamp())",
    )
    .bind(id)
    .bind(json)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// Publishes pending events, oldest first, waiting for Kafka's acknowledgement of each before
/// marking it; returns how many.
pub async fn relay_once(
    db: &PgPool,
    producer: &FutureProducer,
    topic: &str,
) -> Result<usize, String> {
    let mut published = 0;
    loop {
        let mut tx = db.begin().await.map_err(|e| e.to_string())?;
        let batch: Vec<(Uuid, sqlx::types::Json<CloudEvent>)> = sqlx::query_as(
            "SELECT id, event FROM event_outbox WHERE published_at IS NULL
             ORDER BY created_at LIMIT 100 FOR UPDATE SKIP LOCKED",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| e.to_string())?;
        if batch.is_empty() {
            return Ok(published);
        }
        for (id, event) in &batch {
            let payload = serde_json::to_vec(&event.0).map_err(|e| e.to_string())?;
            producer
                .send(
                    FutureRecord::to(topic).key(event.0.key()).payload(&payload),
                    Duration::from_secs(10),
                )
                .await
                .map_err(|(e, _)| e.to_string())?;
            sqlx::query("UPDATE event_outbox SET published_at = now() WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(|e| e.to_string())?;
            published += 1;
        }
        tx.commit().await.map_err(|e| e.to_string())?;
    }
}

/// A producer that waits for every in-sync replica.
pub fn producer(brokers: &str) -> Result<FutureProducer, OutboxError> {
    ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("acks", "all")
        .set("message.timeout.ms", "10000")
        .create()
        .map_err(|e| OutboxError::Event(format!("Kafka producer: {e}")))
}

/// Relays forever, polling every `interval`.
pub async fn run_relay(db: PgPool, producer: FutureProducer, topic: String, interval: Duration) {
    loop {
        match relay_once(&db, &producer, &topic).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(published = n, "event relay"),
            Err(e) => tracing::warn!(error = %e, "event relay failed; retrying"),
        }
        tokio::time::sleep(interval).await;
    }
}
