//! Removes what auth holds for a Tenant that is gone: its memberships, invitations and sessions
//! (refresh tokens), and those bound to an earlier Tenant of the same name. It follows a watch
//! of the Tenants; a full list (at start-up and after every relist) settles everything, so a
//! deletion missed while auth was down is caught too. The token-minting paths check the live
//! Tenant themselves, so nothing acts for a gone Tenant while this catches up.
//!
//! Rows from before tenant uids (uid NULL) are bound to the live Tenant of their name if they
//! were made while it existed, and removed otherwise.
//!
//! The same watch keeps the owner memberships equal to each live Tenant's `spec.owners`
//! (`owners`).

pub mod owners;

use std::time::Duration;

use futures::StreamExt;
use kube::runtime::watcher::{self, Event};
use kube::runtime::{WatchStreamExt, watcher as watch};
use sqlx::{AssertSqlSafe, PgPool};

use saascript_common::tenants::{LiveTenant, TenantApi};

/// The tables whose rows belong to a tenant, each with `tenant`, `tenant_uid` and `created_at`.
const TABLES: [&str; 4] = [
    "memberships",
    "invitations",
    "refresh_tokens",
    "declared_owners",
];

/// Which rows a pass may remove.
#[derive(Clone, Copy, Debug)]
pub enum Scope<'a> {
    /// Every row not bound to a live Tenant: only a complete list may say so.
    All,
    /// One Tenant's event. It may arrive late (the sweep retries while the database is down),
    /// after its name was deleted and created again, so it judges only the rows it can be sure
    /// of: those of this Tenant when it is gone, and those of earlier Tenants of the name (made
    /// before it) while it lives. Rows made after it belong to a later Tenant and are left alone.
    Tenant(&'a TenantEvent),
}

/// A Tenant as one watch event shows it.
#[derive(Clone, Debug)]
pub struct TenantEvent {
    pub name: String,
    pub uid: String,
    /// When this Tenant (this uid) was created, RFC 3339.
    pub created: String,
    /// Deleted, or being deleted: it keeps nothing.
    pub gone: bool,
}

impl TenantEvent {
    fn of(tenant: &saascript_crds::Tenant, deleted: bool) -> Option<TenantEvent> {
        let meta = &tenant.metadata;
        Some(TenantEvent {
            name: meta.name.clone()?,
            uid: meta.uid.clone()?,
            created: meta.creation_timestamp.as_ref()?.0.to_string(),
            gone: deleted || meta.deletion_timestamp.is_some(),
        })
    }
}

/// Makes the rows agree with `live` (every live Tenant) after a complete list: binds the unbound
/// rows made under a live Tenant, and removes every row that is not bound to a live Tenant.
/// Returns the rows removed.
pub async fn settle(db: &PgPool, live: &[LiveTenant], scope: Scope<'_>) -> sqlx::Result<u64> {
    if let Scope::Tenant(event) = scope {
        return settle_one(db, event).await;
    }
    let names: Vec<&str> = live.iter().map(|t| t.name.as_str()).collect();
    let uids: Vec<&str> = live.iter().map(|t| t.uid.as_str()).collect();
    let created: Vec<&str> = live.iter().map(|t| t.created.as_str()).collect();
    let mut tx = db.begin().await?;
    let mut removed = 0;
    for table in TABLES {
        // `table` is one of the constants above, never input.
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE {table} AS r SET tenant_uid = live.uid
             FROM unnest($1::text[], $2::text[], $3::text[]::timestamptz[]) AS live(name, uid, created)
             WHERE r.tenant = live.name AND r.tenant_uid IS NULL
               AND r.created_at >= live.created"
        )))
        .bind(&names)
        .bind(&uids)
        .bind(&created)
        .execute(&mut *tx)
        .await?;
        removed += sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM {table} AS r
             WHERE r.tenant IS NOT NULL
               AND NOT EXISTS (
                 SELECT 1 FROM unnest($1::text[], $2::text[]) AS live(name, uid)
                 WHERE live.name = r.tenant AND live.uid = r.tenant_uid)"
        )))
        .bind(&names)
        .bind(&uids)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    Ok(removed)
}

/// One Tenant's event: see `Scope::Tenant`.
async fn settle_one(db: &PgPool, event: &TenantEvent) -> sqlx::Result<u64> {
    let mut tx = db.begin().await?;
    let mut removed = 0;
    for table in TABLES {
        if event.gone {
            // Its own rows, and unbound ones made while it existed.
            removed += sqlx::query(AssertSqlSafe(format!(
                "DELETE FROM {table}
                 WHERE tenant = $1
                   AND (tenant_uid = $2 OR (tenant_uid IS NULL AND created_at >= $3::timestamptz))"
            )))
            .bind(&event.name)
            .bind(&event.uid)
            .bind(&event.created)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        } else {
            sqlx::query(AssertSqlSafe(format!(
                "UPDATE {table} SET tenant_uid = $2
                 WHERE tenant = $1 AND tenant_uid IS NULL AND created_at >= $3::timestamptz"
            )))
            .bind(&event.name)
            .bind(&event.uid)
            .bind(&event.created)
            .execute(&mut *tx)
            .await?;
            // Rows made before it under another uid (or none) belong to earlier Tenants.
            removed += sqlx::query(AssertSqlSafe(format!(
                "DELETE FROM {table}
                 WHERE tenant = $1 AND tenant_uid IS DISTINCT FROM $2
                   AND created_at < $3::timestamptz"
            )))
            .bind(&event.name)
            .bind(&event.uid)
            .bind(&event.created)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
    }
    tx.commit().await?;
    Ok(removed)
}

/// Settles until it succeeds: a change that fails to apply is not dropped, or a deleted
/// Tenant's members would stay until the next relist.
async fn settle_until_done(db: &PgPool, live: &[LiveTenant], scope: Scope<'_>) {
    loop {
        match settle(db, live, scope).await {
            Ok(0) => return,
            Ok(removed) => {
                tracing::info!(removed, ?scope, "removed what belonged to gone Tenants");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, ?scope, "the Tenant sweep failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Follows the Tenants forever (the watch reconnects with back-off).
pub async fn run(db: PgPool, tenants: TenantApi) {
    let mut events = watch(tenants.api(), watcher::Config::default())
        .default_backoff()
        .boxed();
    let mut listed: Vec<LiveTenant> = vec![];
    let mut declared: Vec<owners::DeclaredOwners> = vec![];
    while let Some(event) = events.next().await {
        match event {
            Ok(Event::Init) => {
                listed.clear();
                declared.clear();
            }
            Ok(Event::InitApply(tenant)) => {
                listed.extend(LiveTenant::of(&tenant));
                declared.extend(owners::DeclaredOwners::of(&tenant));
            }
            // Only a complete list may remove the rows of names it lacks.
            Ok(Event::InitDone) => {
                settle_until_done(&db, &listed, Scope::All).await;
                for tenant_owners in &declared {
                    owners::sync_until_done(&db, tenant_owners).await;
                }
            }
            Ok(Event::Apply(tenant)) => {
                if let Some(event) = TenantEvent::of(&tenant, false) {
                    settle_until_done(&db, &[], Scope::Tenant(&event)).await;
                }
                if let Some(tenant_owners) = owners::DeclaredOwners::of(&tenant) {
                    owners::sync_until_done(&db, &tenant_owners).await;
                }
            }
            Ok(Event::Delete(tenant)) => {
                if let Some(event) = TenantEvent::of(&tenant, true) {
                    settle_until_done(&db, &[], Scope::Tenant(&event)).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "the Tenant watch failed; retrying"),
        }
    }
}
