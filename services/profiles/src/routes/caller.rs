//! Who is calling, and where their tenant's profiles are: the user and the tenant come from the
//! verified token only. A token without a tenant is refused (403 `tenant_required`); a token of
//! an earlier Tenant of the same name (401 `tenant_changed`), of a Tenant that is gone (404) or
//! suspended (403) reaches no table.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use saascript_common::extract::TenantContext;
use saascript_common::problem::Problem;

use crate::AppState;
use crate::profile_events::is_user_id;
use crate::tenant_tables::TenantTable;

pub struct ProfileCaller {
    /// The token's subject.
    pub user: String,
    pub table: TenantTable,
}

impl FromRequestParts<AppState> for ProfileCaller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let TenantContext { tenant, claims } =
            TenantContext::from_request_parts(parts, state).await?;
        if !is_user_id(&claims.sub) {
            return Err(Problem::new(
                StatusCode::FORBIDDEN,
                "subject_unsupported",
                "this token's subject is not a user id",
            )
            .into_response());
        }
        let table = state
            .tables
            .for_token(&tenant, claims.tenant_uid.as_deref())
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(ProfileCaller {
            user: claims.sub,
            table,
        })
    }
}
