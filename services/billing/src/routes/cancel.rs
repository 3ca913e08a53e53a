//! POST /billing/subscription/cancel and /resume: cancel at the end of the paid period, or take
//! that back before it comes.

use super::billing_manager::BillingManager;
use axum::extract::State;
use saascript_common::input::Json;

use super::overview::{BillingOverview, build};
use crate::AppState;
use crate::error::{BillingError, Result};
use crate::subscription_sync::{live_subscription, lock_tenant, sync};

#[utoipa::path(post, path = "/billing/subscription/cancel", tag = "billing", security(("bearer" = [])),
    responses(
        (status = 200, description = "Cancels at the end of the current period", body = BillingOverview),
        (status = 403, description = "role_required: only an owner or admin"),
        (status = 409, description = "conflict: no live subscription"),
    ))]
pub async fn cancel(
    State(state): State<AppState>,
    manager: BillingManager,
) -> Result<Json<BillingOverview>> {
    set_cancel_at_period_end(&state, &manager.tenant, true).await
}

#[utoipa::path(post, path = "/billing/subscription/resume", tag = "billing", security(("bearer" = [])),
    responses(
        (status = 200, description = "The subscription continues past the current period", body = BillingOverview),
        (status = 403, description = "role_required: only an owner or admin"),
        (status = 409, description = "conflict: no live subscription"),
    ))]
pub async fn resume(
    State(state): State<AppState>,
    manager: BillingManager,
) -> Result<Json<BillingOverview>> {
    set_cancel_at_period_end(&state, &manager.tenant, false).await
}

async fn set_cancel_at_period_end(
    state: &AppState,
    tenant: &str,
    cancel: bool,
) -> Result<Json<BillingOverview>> {
    // Under the tenant's lock, like every change billing makes for the tenant.
    let mut tx = state.db.begin().await?;
    lock_tenant(&mut tx, tenant).await?;
    let resource = state.kube.existing_subscription(tenant).await?;
    let id = live_subscription(state, &resource)
        .await?
        .ok_or_else(|| BillingError::Conflict(format!("tenant {tenant} has no live subscription")))?
        .id;
    state
        .stripe
        .update_subscription(
            &id,
            &vec![("cancel_at_period_end".into(), cancel.to_string())],
        )
        .await?;
    sync(state, &mut tx, &id, None).await?;
    tx.commit().await?;
    Ok(Json(build(state, tenant).await?))
}
