//! The outbox tables every service shares: `event_outbox` (CloudEvents for Kafka, see
//! `event_outbox`) and `task_outbox` (tasks for RabbitMQ, see `task_outbox`). They are written
//! here once. A service created before the kit has them from its own early migrations, which
//! stay as history; `IF NOT EXISTS` leaves those alone.

use sqlx::PgPool;

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS event_outbox (
        id            uuid PRIMARY KEY,
        event         jsonb NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        published_at  timestamptz
    )",
    "CREATE INDEX IF NOT EXISTS event_outbox_pending ON event_outbox (created_at)
        WHERE published_at IS NULL",
    "CREATE TABLE IF NOT EXISTS task_outbox (
        id            uuid PRIMARY KEY,
        queue         text NOT NULL,
        payload       jsonb NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        published_at  timestamptz
    )",
    "CREATE INDEX IF NOT EXISTS task_outbox_pending ON task_outbox (created_at)
        WHERE published_at IS NULL",
    "CREATE INDEX IF NOT EXISTS task_outbox_published ON task_outbox (published_at)
        WHERE published_at IS NOT NULL",
];

/// Creates the outbox tables where they are missing. Replicas starting together take turns
/// (a transaction-scoped advisory lock): two concurrent `CREATE TABLE IF NOT EXISTS` can both
/// pass the check and one then fails on the catalog's unique index.
pub async fn ensure(db: &PgPool) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    // The key is arbitrary but fixed: the bytes of "outbox" read as one number.
    sqlx::query("SELECT pg_advisory_xact_lock(122550254464888)")
        .execute(&mut *tx)
        .await?;
    for statement in SCHEMA {
        sqlx::query(*statement).execute(&mut *tx).await?;
    }
    tx.commit().await
}
