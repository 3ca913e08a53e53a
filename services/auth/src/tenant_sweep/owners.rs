//! Owners are declared in one place: `Tenant.spec.owners` (by an admin, by GitOps or by
//! sign-up). Auth keeps its owner memberships equal to it, for users with a verified email:
//!
//! - a declared address whose user is verified gets an owner membership, bound to the Tenant's
//!   uid; a user who registers later gets it when the address is verified (`grant_declared`);
//! - an address that leaves the list loses the owner role. A role an invitation had given before
//!   the address was declared (admin or member) is what remains; without one, the membership goes.
//!   An invitation accepted while the user is already an owner adds nothing to fall back on.
//!
//! The Tenant sweep calls `sync` for every live Tenant it sees (each watch event, and every
//! Tenant of a complete list), and keeps `declared_owners`, auth's index of the lists, which the
//! sweep empties for a Tenant that is gone. An owner role given by other means (none in the
//! service; test fixtures write memberships directly) is not the list's to take away.

use std::time::Duration;

use saascript_common::tenants::LiveTenant;
use saascript_crds::Tenant;
use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::error::Result;
use crate::events;

/// A transaction-scoped advisory lock that a sync and a verification take in turn. Without it,
/// a Tenant declaring an address and that address being verified at the same moment could each
/// miss the other's write, and the owner would never get the membership. Arbitrary but fixed:
/// "owners" in ASCII.
const OWNERS_LOCK: i64 = 111_119_110_101_114_115;

/// One live Tenant's declared owners.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaredOwners {
    pub tenant: LiveTenant,
    /// Lower case, without duplicates: addresses are compared without regard to case, as users'
    /// emails are.
    pub emails: Vec<String>,
}

impl DeclaredOwners {
    /// The owners of `tenant`, unless it is being deleted (then it keeps no members at all).
    pub fn of(tenant: &Tenant) -> Option<DeclaredOwners> {
        let live = LiveTenant::of(tenant)?;
        let mut emails: Vec<String> = tenant
            .spec
            .owners
            .iter()
            .map(|email| email.trim().to_lowercase())
            .filter(|email| !email.is_empty())
            .collect();
        emails.sort();
        emails.dedup();
        Some(DeclaredOwners {
            tenant: live,
            emails,
        })
    }
}

/// What one sync changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OwnerChanges {
    pub granted: u64,
    pub revoked: u64,
}

async fn lock(tx: &mut Transaction<'_, Postgres>) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(OWNERS_LOCK)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Makes the owner memberships of the Tenant equal to its declared owners, in one transaction.
pub async fn sync(db: &PgPool, declared: &DeclaredOwners) -> Result<OwnerChanges> {
    let DeclaredOwners { tenant, emails } = declared;
    let mut tx = db.begin().await?;
    lock(&mut tx).await?;
    sqlx::query("DELETE FROM declared_owners WHERE tenant_uid = $1 AND email <> ALL($2)")
        .bind(&tenant.uid)
        .bind(emails)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO declared_owners (tenant, tenant_uid, email)
         SELECT $1, $2, email FROM unnest($3::text[]) AS email
         ON CONFLICT DO NOTHING",
    )
    .bind(&tenant.name)
    .bind(&tenant.uid)
    .bind(emails)
    .execute(&mut *tx)
    .await?;
    // A membership of this Tenant becomes a declared owner's (keeping an invited role to fall
    // back on); one left from an earlier Tenant of the name (made before this one) is replaced;
    // one made after this Tenant belongs to a later Tenant of the name (this event is late) and
    // is left alone.
    let granted: Vec<Uuid> = sqlx::query_scalar(
        "INSERT INTO memberships (user_id, tenant, tenant_uid, role, owner_declared)
         SELECT u.id, $1, $2, 'owner', true FROM users u
         WHERE u.email_verified AND lower(u.email) = ANY($3)
         ON CONFLICT (user_id, tenant) DO UPDATE SET
           role = 'owner',
           owner_declared = true,
           role_before_owner = CASE
             WHEN memberships.tenant_uid IS DISTINCT FROM EXCLUDED.tenant_uid THEN NULL
             WHEN memberships.role = 'owner' THEN memberships.role_before_owner
             ELSE memberships.role END,
           created_at = CASE
             WHEN memberships.tenant_uid IS DISTINCT FROM EXCLUDED.tenant_uid THEN now()
             ELSE memberships.created_at END,
           tenant_uid = EXCLUDED.tenant_uid
         WHERE (memberships.tenant_uid = EXCLUDED.tenant_uid
                AND NOT (memberships.role = 'owner' AND memberships.owner_declared))
            OR (memberships.tenant_uid IS DISTINCT FROM EXCLUDED.tenant_uid
                AND memberships.created_at < $4::timestamptz)
         RETURNING user_id",
    )
    .bind(&tenant.name)
    .bind(&tenant.uid)
    .bind(emails)
    .bind(&tenant.created)
    .fetch_all(&mut *tx)
    .await?;
    let demoted: Vec<(Uuid, String)> = sqlx::query_as(
        "UPDATE memberships m
         SET role = m.role_before_owner, role_before_owner = NULL, owner_declared = false
         FROM users u
         WHERE u.id = m.user_id AND m.tenant_uid = $1 AND m.role = 'owner' AND m.owner_declared
           AND m.role_before_owner IS NOT NULL AND lower(u.email) <> ALL($2)
         RETURNING m.user_id, m.role",
    )
    .bind(&tenant.uid)
    .bind(emails)
    .fetch_all(&mut *tx)
    .await?;
    let removed: Vec<Uuid> = sqlx::query_scalar(
        "DELETE FROM memberships m USING users u
         WHERE u.id = m.user_id AND m.tenant_uid = $1 AND m.role = 'owner' AND m.owner_declared
           AND lower(u.email) <> ALL($2)
         RETURNING m.user_id",
    )
    .bind(&tenant.uid)
    .bind(emails)
    .fetch_all(&mut *tx)
    .await?;
    // The facts, committed with the change (as an accepted invitation records its own).
    let now = now_seconds();
    for user in &granted {
        record(
            &mut tx,
            "auth.membership.created",
            tenant,
            *user,
            "owner",
            now,
        )
        .await?;
    }
    for (user, role) in &demoted {
        record(&mut tx, "auth.membership.changed", tenant, *user, role, now).await?;
    }
    for user in &removed {
        record(
            &mut tx,
            "auth.membership.deleted",
            tenant,
            *user,
            "owner",
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(OwnerChanges {
        granted: granted.len() as u64,
        revoked: (demoted.len() + removed.len()) as u64,
    })
}

async fn record(
    tx: &mut Transaction<'_, Postgres>,
    type_: &str,
    tenant: &LiveTenant,
    user: Uuid,
    role: &str,
    now: i64,
) -> Result<()> {
    let data =
        json!({ "user": user, "tenant": tenant.name, "tenant_uid": tenant.uid, "role": role });
    events::record(tx, type_, Some(&tenant.name), &user.to_string(), data, now).await?;
    Ok(())
}

/// The sweep runs without the service's clock (it has no request); an event's time is when it
/// was recorded.
fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Syncs until it succeeds: a list that fails to apply is not dropped, or an owner removed from
/// it would keep the role until the next event of the Tenant.
pub async fn sync_until_done(db: &PgPool, declared: &DeclaredOwners) {
    loop {
        match sync(db, declared).await {
            Ok(changes) => {
                if changes != OwnerChanges::default() {
                    tracing::info!(
                        tenant = %declared.tenant.name,
                        granted = changes.granted,
                        revoked = changes.revoked,
                        "owner memberships follow the Tenant's declared owners"
                    );
                }
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, tenant = %declared.tenant.name, "the owner sync failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Within the transaction that marks `email` verified: the owner memberships of every Tenant
/// that declares the address. Returns how many were made.
pub async fn grant_declared(
    tx: &mut Transaction<'_, Postgres>,
    user_id: Uuid,
    email: &str,
    now: i64,
) -> Result<usize> {
    lock(tx).await?;
    // Two rows of one name (a Tenant re-created before the sweep caught up): the later one.
    let granted: Vec<(String, String)> = sqlx::query_as(
        "INSERT INTO memberships (user_id, tenant, tenant_uid, role, owner_declared)
         SELECT DISTINCT ON (d.tenant) $1, d.tenant, d.tenant_uid, 'owner', true
         FROM declared_owners d WHERE d.email = lower($2)
         ORDER BY d.tenant, d.created_at DESC
         ON CONFLICT (user_id, tenant) DO NOTHING
         RETURNING tenant, tenant_uid",
    )
    .bind(user_id)
    .bind(email.trim())
    .fetch_all(&mut **tx)
    .await?;
    for (name, uid) in &granted {
        let data = json!({ "user": user_id, "tenant": name, "tenant_uid": uid, "role": "owner" });
        events::record(
            tx,
            "auth.membership.created",
            Some(name),
            &user_id.to_string(),
            data,
            now,
        )
        .await?;
    }
    Ok(granted.len())
}
