//! PATCH /tenants/current: the display name and the owners, by an owner. The owners list is
//! the one place owners are declared (auth follows it), so it can never become empty.

use axum::extract::State;
use kube::api::PostParams;
use saascript_common::input::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::caller::TenantCaller;
use crate::error::{Result, TenantsError};
use crate::tenant_view::TenantView;
use crate::{AppState, current_tenant, display_name, owner_list};

/// A write that lost a race with another writer (the operator, billing) is tried again on the
/// Tenant as it is then, at most this many times.
const ATTEMPTS: usize = 5;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateTenant {
    /// The name people see, 1 to 100 characters.
    #[serde(default)]
    pub display_name: Option<String>,
    /// The owners' email addresses, 1 to 20: the whole list, replacing the one there.
    #[serde(default)]
    pub owners: Option<Vec<String>>,
}

/// Changes the display name or the owners (owners only).
#[utoipa::path(patch, path = "/tenants/current", tag = "tenants", security(("bearer" = [])),
    request_body = UpdateTenant,
    responses(
        (status = 200, description = "The tenant as changed", body = TenantView),
        (status = 401, description = "token_missing, token_invalid or token_expired"),
        (status = 403, description = "owner_required or tenant_required"),
        (status = 404, description = "tenant_not_found"),
        (status = 409, description = "conflict: the tenant kept changing under the write"),
        (status = 422, description = "display_name_invalid or owners_invalid (an empty list among them)"),
    ))]
pub async fn update(
    State(state): State<AppState>,
    caller: TenantCaller,
    Json(body): Json<UpdateTenant>,
) -> Result<Json<TenantView>> {
    let display_name = body
        .display_name
        .as_deref()
        .map(display_name::normalize)
        .transpose()
        .map_err(|e| TenantsError::invalid("displayName", "display_name_invalid", e))?;
    let owners = body
        .owners
        .as_deref()
        .map(owner_list::normalize)
        .transpose()
        .map_err(|e| TenantsError::invalid("owners", "owners_invalid", e))?;
    current_tenant::require_owner(&state, &caller).await?;
    for _ in 0..ATTEMPTS {
        let mut tenant = current_tenant::read(&state, &caller).await?;
        let unchanged = display_name
            .as_ref()
            .is_none_or(|d| *d == tenant.spec.display_name)
            && owners.as_ref().is_none_or(|o| *o == tenant.spec.owners);
        if unchanged {
            return Ok(Json(TenantView::of(&tenant)));
        }
        if let Some(display_name) = &display_name {
            tenant.spec.display_name = display_name.clone();
        }
        if let Some(owners) = &owners {
            tenant.spec.owners = owners.clone();
        }
        // The read's resourceVersion goes along: a write in between makes this one a 409.
        match state
            .tenants
            .replace(&caller.tenant, &PostParams::default(), &tenant)
            .await
        {
            Ok(changed) => {
                tracing::info!(tenant = %caller.tenant, owners_changed = owners.is_some(), "tenant changed");
                return Ok(Json(TenantView::of(&changed)));
            }
            Err(kube::Error::Api(status)) if status.code == 409 => continue,
            Err(kube::Error::Api(status)) if status.code == 422 => {
                return Err(TenantsError::invalid(
                    "owners",
                    "tenant_invalid",
                    format!("the API server refused the change: {}", status.message),
                ));
            }
            Err(e) => return Err(TenantsError::from_kube(e)),
        }
    }
    Err(TenantsError::Conflict {
        code: "conflict",
        message: "the tenant kept changing; try again".into(),
    })
}
