//! The auth service's events: recorded in `event_outbox` inside the transaction of the change,
//! and relayed to Kafka by `run_relay`. A relay that stops between Kafka's acknowledgement and
//! the mark publishes that event again on restart: delivery is at least once, and the CloudEvent
//! id lets consumers drop the repeat.

use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::producer::{FutureProducer, FutureRecord};
use saascript_common::events::CloudEvent;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::error::{AuthError, Result};

pub const SOURCE: &str = "saascript/auth";

/// Records an event inside the caller's transaction; `time` is seconds since the epoch.
pub async fn record(
    tx: &mut Transaction<'_, Postgres>,
    type_: &str,
    tenant: Option<&str>,
    subject: &str,
    data: serde_json::Value,
    time: i64,
) -> Result<Uuid> {
    let id = Uuid::new_v4();
    let time =
        jiff::Timestamp::from_second(time).map_err(|e| AuthError::Internal(e.to_string()))?;
    let event = CloudEvent {
        specversion: "1.0".into(),
        id: id.to_string(),
        source: SOURCE.into(),
        type_: type_.into(),
        subject: Some(subject.into()),
        time: time.to_string(),
        datacontenttype: "application/json".into(),
        tenant: tenant.map(str::to_string),
        data,
    };
    let json = serde_json::to_value(&event).map_err(|e| AuthError::Internal(e.to_string()))?;
    sqlx::query("INSERT INTO event_outbox (id, event) VALUES ($1, $2)")
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
) -> std::result::Result<usize, String> {
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
pub fn producer(brokers: &str) -> Result<FutureProducer> {
    ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("acks", "all")
        .set("message.timeout.ms", "10000")
        .create()
        .map_err(|e| AuthError::Internal(format!("Kafka producer: {e}")))
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
