//! DELETE /tenants/current: the tenant's deletion, by an owner, who types the tenant's name back
//! as confirmation. While `preventDeletion` is set it is refused (409) rather than left waiting
//! behind the operator's finalizer. The operator then removes (or retains, by the
//! `deletionPolicy`) what was provisioned; the answer is 202.

use axum::extract::State;
use axum::http::StatusCode;
use kube::api::{DeleteParams, Preconditions};
use saascript_common::input::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::caller::TenantCaller;
use crate::error::{Result, TenantsError};
use crate::tenant_view::TenantView;
use crate::{AppState, current_tenant};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteTenant {
    /// The tenant's name, typed back.
    pub confirm: String,
}

/// Deletes the caller's tenant (owners only).
#[utoipa::path(delete, path = "/tenants/current", tag = "tenants", security(("bearer" = [])),
    request_body = DeleteTenant,
    responses(
        (status = 202, description = "The deletion has begun", body = TenantView),
        (status = 401, description = "token_missing, token_invalid or token_expired"),
        (status = 403, description = "owner_required or tenant_required"),
        (status = 404, description = "tenant_not_found"),
        (status = 409, description = "deletion_prevented: spec.preventDeletion is set"),
        (status = 422, description = "confirmation_mismatch: `confirm` is not the tenant's name"),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    caller: TenantCaller,
    Json(body): Json<DeleteTenant>,
) -> Result<(StatusCode, Json<TenantView>)> {
    current_tenant::require_owner(&state, &caller).await?;
    let tenant = current_tenant::read(&state, &caller).await?;
    if body.confirm.trim() != caller.tenant {
        return Err(TenantsError::invalid(
            "confirm",
            "confirmation_mismatch",
            "type the tenant's name to confirm its deletion",
        ));
    }
    if tenant.spec.prevent_deletion {
        return Err(TenantsError::Conflict {
            code: "deletion_prevented",
            message:
                "the tenant is protected from deletion (spec.preventDeletion); ask a platform admin"
                    .into(),
        });
    }
    // Only the Tenant that was read (this uid): never a later one of the same name.
    let params = DeleteParams {
        preconditions: Some(Preconditions {
            uid: tenant.metadata.uid.clone(),
            resource_version: None,
        }),
        ..DeleteParams::default()
    };
    match state.tenants.delete(&caller.tenant, &params).await {
        Ok(either) => {
            tracing::info!(tenant = %caller.tenant, "tenant deletion requested");
            let view = either
                .left()
                .map_or_else(|| TenantView::of(&tenant), |t| TenantView::of(&t));
            Ok((StatusCode::ACCEPTED, Json(view)))
        }
        Err(kube::Error::Api(status)) if status.code == 404 || status.code == 409 => {
            Err(TenantsError::NotFound)
        }
        Err(e) => Err(TenantsError::from_kube(e)),
    }
}
