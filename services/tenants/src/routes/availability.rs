//! GET /tenants/availability?name=: whether a name can be signed up with, for the sign-up form.
//! A name that breaks a rule is answered (not refused) with the rule, so that the form can show
//! it as the user types.

use axum::extract::State;
use saascript_common::input::{Json, Query};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::caller::Caller;
use crate::error::{Result, TenantsError};
use crate::{AppState, tenant_name};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NameQuery {
    /// The name to check.
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Availability {
    pub name: String,
    pub available: bool,
    /// Why it is not available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Whether a tenant name is valid and free.
#[utoipa::path(get, path = "/tenants/availability", tag = "tenants", security(("bearer" = [])),
    params(NameQuery),
    responses(
        (status = 200, description = "Whether the name can be used", body = Availability),
        (status = 400, description = "query_invalid: no name"),
        (status = 401, description = "token_missing, token_invalid or token_expired"),
    ))]
pub async fn availability(
    State(state): State<AppState>,
    _caller: Caller,
    Query(query): Query<NameQuery>,
) -> Result<Json<Availability>> {
    let name = query.name.trim().to_string();
    let reason = match tenant_name::problem_with(&name) {
        Some(problem) => Some(problem),
        None => state
            .tenants
            .get_opt(&name)
            .await
            .map_err(TenantsError::from_kube)?
            .map(|_| "the name is taken".to_string()),
    };
    Ok(Json(Availability {
        name,
        available: reason.is_none(),
        reason,
    }))
}
