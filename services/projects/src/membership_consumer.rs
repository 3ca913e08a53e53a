//! Reads auth's `auth.membership.created` CloudEvents from the platform's events topic into the
//! tenant-scoped `members` table (the loop, the commits and the retries are
//! `saascript_common::event_consumer`'s). The event id is recorded in the same transaction as the
//! member (`consumed_events`), so a redelivered event changes nothing. Events of other types are
//! skipped; a malformed one is logged and skipped, since reading it again would not help; a
//! database failure is retried until it passes, since skipping would lose a member.

use rdkafka::consumer::StreamConsumer;
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

/// Consumes until the process stops.
pub async fn run(pooled: TenantDb, consumer: StreamConsumer) {
    saascript_common::event_consumer::consume(
        consumer,
        |event| {
            let pooled = pooled.clone();
            async move { apply(&pooled, &event).await }
        },
        || {},
    )
    .await;
}

/// Applies one event; Ok for anything that is not a membership event or cannot be read.
pub async fn apply(pooled: &TenantDb, event: &CloudEvent) -> sqlx::Result<()> {
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
