//! The tenant's members, as far as assigning tasks is concerned. Auth owns memberships; this
//! service learns of them two ways, both into the tenant-scoped `members` table of the shared
//! database (also for siloed tenants: membership is auth's data, not the tenant's product data):
//! - auth's `auth.membership.created` events (see `membership_consumer`);
//! - the callers themselves: a verified token of the tenant proves that its user is a member,
//!   which covers owners, whom auth adds from `Tenant.spec.owners` without an event.

use crate::caller::Caller;
use crate::error::Result;
use crate::tenant_scope::{self, TenantDb};

/// Records the caller as a member (once; later calls change nothing).
pub async fn record_caller(pooled: &TenantDb, caller: &Caller) -> Result<()> {
    let mut tx = tenant_scope::begin(pooled, &caller.tenant_id).await?;
    sqlx::query(
        "INSERT INTO members (tenant_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id, user_id) DO NOTHING",
    )
    .bind(&caller.tenant_id)
    .bind(&caller.user_id)
    .bind(caller.role())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether `user_id` is a member of the tenant `tenant_id`.
pub async fn is_member(pooled: &TenantDb, tenant_id: &str, user_id: &str) -> Result<bool> {
    let mut tx = tenant_scope::begin(pooled, tenant_id).await?;
    let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM members WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(found.is_some())
}
