//! The task outbox that every service shares: a task is written in the same transaction as the
//! change that causes it, and a relay publishes it to RabbitMQ afterwards (with confirms), so a
//! committed change never loses its task. A task may be published twice if the relay stops
//! between the confirm and the mark; consumers are idempotent on the task id.
//!
//! A published task is deleted after the retention: the outbox is a relay, not an archive. The
//! table comes from `kit::outbox_schema`. What a payload holds is the caller's business (auth
//! seals its email tasks, which carry working links).

use std::time::Duration;

use lapin::options::ConfirmSelectOptions;
use lapin::{Connection, ConnectionProperties};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::tasks;

/// Writes the task `id` for `queue` inside the caller's transaction.
pub async fn enqueue(
    tx: &mut Transaction<'_, Postgres>,
    id: Uuid,
    queue: &str,
    payload: &serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO task_outbox (id, queue, payload) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(queue)
        .bind(payload)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Publishes pending tasks, oldest first, until there are none; returns how many.
pub async fn relay_once(
    db: &PgPool,
    channel: &lapin::Channel,
) -> std::result::Result<usize, String> {
    let mut published = 0;
    loop {
        let mut tx = db.begin().await.map_err(|e| e.to_string())?;
        // SKIP LOCKED: several replicas relay side by side without publishing a task twice.
        let batch: Vec<(Uuid, String, serde_json::Value)> = sqlx::query_as(
            "SELECT id, queue, payload FROM task_outbox WHERE published_at IS NULL
             ORDER BY created_at LIMIT 100 FOR UPDATE SKIP LOCKED",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| e.to_string())?;
        if batch.is_empty() {
            return Ok(published);
        }
        for (id, queue, payload) in &batch {
            tasks::declare(channel, queue)
                .await
                .map_err(|e| e.to_string())?;
            let bytes = serde_json::to_vec(payload).map_err(|e| e.to_string())?;
            tasks::publish(channel, queue, &bytes, 0, None)
                .await
                .map_err(|e| e.to_string())?;
            sqlx::query("UPDATE task_outbox SET published_at = now() WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(|e| e.to_string())?;
            published += 1;
        }
        tx.commit().await.map_err(|e| e.to_string())?;
    }
}

/// Deletes the tasks published more than `retention` ago; returns how many.
pub async fn prune(db: &PgPool, retention: Duration) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "DELETE FROM task_outbox
         WHERE published_at IS NOT NULL AND published_at < now() - make_interval(secs => $1)",
    )
    .bind(retention.as_secs_f64())
    .execute(db)
    .await?
    .rows_affected())
}

/// Relays forever: polls every `interval`, reconnecting to RabbitMQ after a failure, and deletes
/// published tasks once they are older than `retention`.
pub async fn run_relay(db: PgPool, amqp_url: String, interval: Duration, retention: Duration) {
    let mut last_prune = std::time::Instant::now();
    loop {
        match Connection::connect(&amqp_url, ConnectionProperties::default()).await {
            Ok(connection) => {
                let channel = match connection.create_channel().await {
                    Ok(channel) => channel,
                    Err(e) => {
                        tracing::warn!(error = %e, "outbox relay: no channel");
                        tokio::time::sleep(interval).await;
                        continue;
                    }
                };
                if let Err(e) = channel
                    .confirm_select(ConfirmSelectOptions::default())
                    .await
                {
                    tracing::warn!(error = %e, "outbox relay: no confirms");
                    continue;
                }
                loop {
                    match relay_once(&db, &channel).await {
                        Ok(0) => {}
                        Ok(n) => tracing::debug!(published = n, "outbox relay"),
                        Err(e) => {
                            tracing::warn!(error = %e, "outbox relay failed; reconnecting");
                            break;
                        }
                    }
                    // Pruning to the second is pointless; a query every poll would be waste.
                    if last_prune.elapsed() >= retention.min(Duration::from_secs(60)) {
                        if let Err(e) = prune(&db, retention).await {
                            tracing::warn!(error = %e, "outbox prune failed");
                        }
                        last_prune = std::time::Instant::now();
                    }
                    tokio::time::sleep(interval).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "outbox relay: RabbitMQ unreachable"),
        }
        tokio::time::sleep(interval).await;
    }
}
