//! Reads auth's `auth.membership.created` CloudEvents from the platform's events topic into the
//! tenant-scoped `members` table. The event id is recorded in the same transaction as the
//! member (`consumed_events`), so a redelivered event changes nothing; the Kafka offset is
//! stored only once the event is applied (at least once, made idempotent). Events of other
//! types are skipped; a malformed one is logged and skipped, since reading it again would not
//! help.

use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::Message;
use rdkafka::consumer::{Consumer, StreamConsumer};
use saascript_common::events::CloudEvent;
use serde::Deserialize;

use crate::tenant_scope::{self, TenantDb};

pub const MEMBERSHIP_CREATED: &str = "auth.membership.created";

#[derive(Deserialize)]
struct MembershipData {
    user: serde_json::Value,
    tenant_uid: String,
    role: Option<String>,
}

/// Consumes forever; a broker or database failure is retried.
pub async fn run(pooled: TenantDb, brokers: String, topic: String, group: String) {
    loop {
        let consumer: StreamConsumer = match ClientConfig::new()
            .set("bootstrap.servers", &brokers)
            .set("group.id", &group)
            .set("auto.offset.reset", "earliest")
            .set("enable.auto.offset.store", "false")
            .create()
        {
            Ok(consumer) => consumer,
            Err(e) => {
                tracing::warn!(error = %e, "membership consumer: no Kafka client; retrying");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
        };
        if let Err(e) = consumer.subscribe(&[topic.as_str()]) {
            tracing::warn!(error = %e, "membership consumer: cannot subscribe; retrying");
            tokio::time::sleep(Duration::from_secs(5)).await;
            continue;
        }
        loop {
            let message = match consumer.recv().await {
                Ok(message) => message,
                Err(e) => {
                    tracing::warn!(error = %e, "membership consumer: receive failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if let Some(payload) = message.payload() {
                // A database failure is retried until it passes: skipping would lose a member.
                while let Err(e) = apply(&pooled, payload).await {
                    tracing::warn!(error = %e, "membership consumer: applying failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            if let Err(e) = consumer.store_offset_from_message(&message) {
                tracing::warn!(error = %e, "membership consumer: cannot store the offset");
            }
        }
    }
}

/// Applies one message; Ok for anything that is not a membership event or cannot be read.
pub async fn apply(pooled: &TenantDb, payload: &[u8]) -> sqlx::Result<()> {
    let Ok(event) = serde_json::from_slice::<CloudEvent>(payload) else {
        return Ok(());
    };
    if event.type_ != MEMBERSHIP_CREATED {
        return Ok(());
    }
    let data: MembershipData = match serde_json::from_value(event.data.clone()) {
        Ok(data) => data,
        Err(e) => {
            tracing::warn!(error = %e, id = %event.id, "a malformed membership event; skipped");
            return Ok(());
        }
    };
    let user = match &data.user {
        serde_json::Value::String(user) => user.clone(),
        other => other.to_string(),
    };
    // PostgreSQL's text cannot hold NUL: such an event could never be applied.
    let readable = |s: &str| !s.is_empty() && !s.contains('\0');
    if !(readable(&data.tenant_uid) && readable(&user) && readable(&event.id)) {
        return Ok(());
    }
    let mut tx = tenant_scope::begin(pooled, &data.tenant_uid).await?;
    let first_time = sqlx::query(
        "INSERT INTO consumed_events (tenant_id, event_id) VALUES ($1, $2)
         ON CONFLICT DO NOTHING",
    )
    .bind(&data.tenant_uid)
    .bind(&event.id)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if first_time {
        sqlx::query(
            "INSERT INTO members (tenant_id, user_id, role) VALUES ($1, $2, $3)
             ON CONFLICT (tenant_id, user_id) DO UPDATE SET role = EXCLUDED.role",
        )
        .bind(&data.tenant_uid)
        .bind(&user)
        .bind(data.role.as_deref().filter(|r| !r.contains('\0')))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}
