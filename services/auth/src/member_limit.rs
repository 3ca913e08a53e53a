//! The tenant plan's `maxMembers`: how many people a tenant may have, owners included. It is read
//! from the Tenant as the API server has it now (`status.entitlements`, written by the operator
//! from the plan in force), never from a token.
//!
//! Invitations count against it when they are sent (members plus invitations still open, so
//! that an owner learns at once that the plan is full) and again when one is accepted (members
//! only, under a per-tenant lock, so that two acceptances at once cannot both take the last
//! place). Owners declared in `Tenant.spec.owners` are never refused: the spec is the truth.

use saascript_common::tenants::TenantApi;
use sqlx::{Postgres, Transaction};

use crate::error::{AuthError, Result};

/// The tenant's `maxMembers`; Err while the operator has not written its entitlements yet.
pub async fn max_members(tenants: &TenantApi, tenant: &str) -> Result<i64> {
    let live = tenants
        .get(tenant)
        .await?
        .ok_or_else(|| AuthError::TenantGone(tenant.to_string()))?;
    live.status
        .and_then(|s| s.entitlements)
        .map(|e| i64::from(e.max_members))
        .ok_or_else(|| AuthError::TenantProvisioning(tenant.to_string()))
}

/// Err(EntitlementExceeded) unless the tenant has room for one more invitation.
pub async fn check_invitation(
    tx: &mut Transaction<'_, Postgres>,
    tenant_uid: &str,
    max: i64,
) -> Result<()> {
    lock_tenant(tx, tenant_uid).await?;
    let taken: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM memberships WHERE tenant_uid = $1)
              + (SELECT count(*) FROM invitations
                 WHERE tenant_uid = $1 AND accepted_at IS NULL AND expires_at > now())",
    )
    .bind(tenant_uid)
    .fetch_one(&mut **tx)
    .await?;
    refuse_when_full(taken, max, "members and open invitations")
}

/// Err(EntitlementExceeded) unless the tenant has room for one more member.
pub async fn check_member(
    tx: &mut Transaction<'_, Postgres>,
    tenant_uid: &str,
    max: i64,
) -> Result<()> {
    lock_tenant(tx, tenant_uid).await?;
    let members: i64 = sqlx::query_scalar("SELECT count(*) FROM memberships WHERE tenant_uid = $1")
        .bind(tenant_uid)
        .fetch_one(&mut **tx)
        .await?;
    refuse_when_full(members, max, "members")
}

/// Counts and inserts for one tenant take turns until the transaction ends.
async fn lock_tenant(tx: &mut Transaction<'_, Postgres>, tenant_uid: &str) -> Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('auth.members:' || $1))")
        .bind(tenant_uid)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn refuse_when_full(taken: i64, max: i64, what: &str) -> Result<()> {
    if taken >= max {
        return Err(AuthError::EntitlementExceeded(format!(
            "the tenant's plan allows {max} members, and it has {taken} {what}; upgrade the plan \
             to invite more"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::refuse_when_full;

    #[test]
    fn the_last_place_is_taken_and_then_none_is_left() {
        assert!(refuse_when_full(2, 3, "members").is_ok());
        let full = refuse_when_full(3, 3, "members").unwrap_err();
        assert!(full.to_string().contains("allows 3 members"), "{full}");
    }
}
