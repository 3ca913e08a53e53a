//! Who may call billing's routes: an owner or admin of the tenant (`TenantManager`), holding a
//! token issued for the Tenant that lives under that name now. Tenant names are reused after a
//! deletion, and billing verifies tokens itself, so a token of an earlier Tenant of the name
//! that reaches billing without the gateway must not act on the new organisation's billing.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use saascript_common::extract::TenantManager;
use saascript_common::jwt::Claims;
use saascript_common::problem::Problem;

use crate::AppState;

pub struct BillingManager {
    pub tenant: String,
    pub claims: Claims,
}

impl FromRequestParts<AppState> for BillingManager {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let TenantManager { tenant, claims } =
            TenantManager::from_request_parts(parts, state).await?;
        let live = state
            .kube
            .tenant(&tenant)
            .await
            .map_err(IntoResponse::into_response)?;
        // A Tenant that is gone is the handlers' 404; one that lives must be the token's.
        if let Some(live) = live
            && (live.metadata.uid.is_none() || live.metadata.uid != claims.tenant_uid)
        {
            return Err(Problem::new(
                StatusCode::UNAUTHORIZED,
                "tenant_changed",
                format!("this token was issued for an earlier tenant named {tenant}; log in again"),
            )
            .into_response());
        }
        Ok(BillingManager { tenant, claims })
    }
}
