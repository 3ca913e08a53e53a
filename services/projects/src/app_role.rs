//! The role the service's queries on the pooled database run as: `projects_app`, NOLOGIN, owner
//! of nothing, without BYPASSRLS, so that row-level security always applies to it.
//!
//! Why `SET LOCAL ROLE` on one pool rather than a second pool that logs in as the app role: the
//! service then needs one credential (DATABASE_URL, the owner, which runs the migrations), there
//! is no second password to provision and rotate, and the switch is transaction-scoped like the
//! tenant setting, so a connection back in the pool carries neither into the next transaction.
//! The login role could `RESET ROLE`, but only this crate's fixed SQL runs on it; no statement
//! is ever built from input.
//!
//! Roles are global to the PostgreSQL cluster, grants are per database: this runs at every
//! start (idempotent), after the migrations and the kit's outbox tables.

use std::time::Duration;

use sqlx::PgPool;

/// The role the app's transactions on the pooled database switch to.
pub const APP_ROLE: &str = "projects_app";

const SET_UP: &[&str] = &[
    // Two services starting together on one cluster may both try to create it.
    "DO $$ BEGIN
        CREATE ROLE projects_app NOLOGIN;
     EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
     END $$",
    // SET ROLE needs membership (a superuser has it anyway).
    "GRANT projects_app TO CURRENT_USER",
    "GRANT USAGE ON SCHEMA public TO projects_app",
    "GRANT SELECT, INSERT, UPDATE, DELETE
        ON projects, tasks, comments, members, consumed_events, exports TO projects_app",
    // Events and tasks are recorded in the transaction of the change they describe.
    "GRANT INSERT ON event_outbox, task_outbox TO projects_app",
];

/// Creates the app role where it is missing and grants it what the service's queries need.
/// Concurrent grants on one catalog row can fail ("tuple concurrently updated"), so a failed
/// attempt is tried again a few times.
pub async fn ensure(db: &PgPool) -> sqlx::Result<()> {
    let mut attempt = 0;
    loop {
        match set_up(db).await {
            Ok(()) => return Ok(()),
            Err(e) if attempt < 5 => {
                attempt += 1;
                tracing::warn!(error = %e, attempt, "setting up the app role; retrying");
                tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

async fn set_up(db: &PgPool) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    // Replicas of this service on one database take turns. The key is arbitrary but fixed (the
    // ASCII codes of "projec", one after another; no digit separators, which PostgreSQL 15 refuses).
    sqlx::query("SELECT pg_advisory_xact_lock(112114111106101099)")
        .execute(&mut *tx)
        .await?;
    for statement in SET_UP {
        sqlx::query(*statement).execute(&mut *tx).await?;
    }
    tx.commit().await
}
