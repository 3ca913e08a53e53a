//! Who a request comes from and which tenant it acts for: the verified token's user and tenant,
//! bound to the live Tenant (as the watch sees it, or the API server on a miss) by its uid. The
//! Tenant's uid is the `tenant_id` of every row, so a later Tenant that reuses a name never sees
//! the data of the one before.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use kube::Api;
use saascript_common::extract::{Admin, Owner, Role, TenantContext};
use saascript_common::jwt::Claims;
use saascript_crds::Tenant;

use crate::AppState;
use crate::error::{ProjectsError, Result};

#[derive(Clone, Debug)]
pub struct Caller {
    /// The Tenant the request acts for.
    pub tenant: Arc<Tenant>,
    /// The tenant's name (the token's `tenant`, the events' `tenant`).
    pub tenant_name: String,
    /// The Tenant's uid: the rows' `tenant_id`.
    pub tenant_id: String,
    /// The user (the token's `sub`).
    pub user_id: String,
    pub claims: Claims,
}

impl Caller {
    /// Refuses a write while the tenant is suspended.
    pub fn require_writable(&self) -> Result<()> {
        if saascript_common::tenants::is_suspended(&self.tenant) {
            return Err(ProjectsError::TenantSuspended);
        }
        Ok(())
    }

    /// Refuses unless the caller is an owner or admin of the tenant.
    pub fn require_manager(&self, what: &str) -> Result<()> {
        if self.claims.has_role(Owner::NAME) || self.claims.has_role(Admin::NAME) {
            Ok(())
        } else {
            Err(ProjectsError::RoleRequired(format!(
                "only an owner or admin may {what}"
            )))
        }
    }

    /// The plan's `maxProjects`; None while the operator has set no entitlements.
    pub fn max_projects(&self) -> Option<i64> {
        self.tenant
            .status
            .as_ref()
            .and_then(|s| s.entitlements.as_ref())
            .map(|e| i64::from(e.max_projects))
    }

    /// The caller's first tenant role, as recorded with its membership.
    pub fn role(&self) -> Option<&str> {
        self.claims.roles.first().map(String::as_str)
    }
}

/// The Tenant named `name`: from the watch, or from the API server when the watch has not seen
/// it yet (a tenant created a moment ago).
pub async fn find_tenant(state: &AppState, name: &str) -> Result<Option<Arc<Tenant>>> {
    if let Some(tenant) = state.tenants.get(name) {
        return Ok(Some(tenant));
    }
    let api: Api<Tenant> = Api::all(state.kube.clone());
    Ok(api.get_opt(name).await?.map(Arc::new))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let TenantContext { tenant, claims } =
            TenantContext::from_request_parts(parts, state).await?;
        let found = find_tenant(state, &tenant)
            .await
            .map_err(IntoResponse::into_response)?;
        let Some(live) = found.filter(|t| t.metadata.deletion_timestamp.is_none()) else {
            return Err(ProjectsError::TenantUnknown(tenant).into_response());
        };
        let Some(uid) = live.metadata.uid.clone() else {
            return Err(ProjectsError::TenantUnknown(tenant).into_response());
        };
        if claims.tenant_uid.as_deref() != Some(uid.as_str()) {
            return Err(ProjectsError::TenantChanged.into_response());
        }
        Ok(Caller {
            tenant: live,
            tenant_name: tenant,
            tenant_id: uid,
            user_id: claims.sub.clone(),
            claims,
        })
    }
}
