//! GET and PUT /profiles/me: the caller's own profile in the token's tenant.

use axum::extract::State;
use axum::http::HeaderMap;
use saascript_common::input::Json;

use super::caller::ProfileCaller;
use super::profile_response::ProfileResponse;
use crate::AppState;
use crate::error::Result;
use crate::etag::required_if_match;
use crate::fields::ProfileUpdate;
use crate::profile::Profile;

/// The caller's profile; before it is first stored (no membership event yet, nothing saved),
/// the defaults at version 0, which a PUT with `If-Match: "0"` stores.
#[utoipa::path(get, path = "/profiles/me", tag = "profiles", security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's profile; its ETag is the version", body = Profile),
        (status = 401, description = "token_missing, token_invalid or tenant_changed"),
        (status = 403, description = "tenant_required: the token acts for no tenant; tenant_suspended"),
        (status = 404, description = "tenant_not_found"),
    ))]
pub async fn get_my_profile(
    State(state): State<AppState>,
    caller: ProfileCaller,
) -> Result<ProfileResponse> {
    let profile = state
        .store
        .get(&caller.table, &caller.user)
        .await?
        .unwrap_or_else(|| Profile::unstored_default(&caller.user));
    Ok(ProfileResponse(profile))
}

/// Replaces the caller's profile. `If-Match` must carry the ETag of the version the change was
/// made to; if the profile has changed since, nothing is written and the 412 problem carries the
/// current profile (`current`, `currentVersion`) and its ETag.
#[utoipa::path(put, path = "/profiles/me", tag = "profiles", security(("bearer" = [])),
    request_body = ProfileUpdate,
    params(("If-Match" = String, Header, description = "The ETag of the version being replaced, such as \"3\" (\"0\": not stored yet), or *")),
    responses(
        (status = 200, description = "The stored profile, with its new ETag", body = Profile),
        (status = 400, description = "if_match_invalid, json_malformed"),
        (status = 401, description = "token_missing, token_invalid or tenant_changed"),
        (status = 403, description = "tenant_required, tenant_suspended"),
        (status = 412, description = "version_stale: the problem carries `current` and `currentVersion`"),
        (status = 415, description = "content_type_unsupported"),
        (status = 422, description = "invalid_input or json_invalid, with the `field` at fault"),
        (status = 428, description = "if_match_required"),
    ))]
pub async fn put_my_profile(
    State(state): State<AppState>,
    caller: ProfileCaller,
    headers: HeaderMap,
    Json(update): Json<ProfileUpdate>,
) -> Result<ProfileResponse> {
    let expected = required_if_match(&headers)?;
    let fields = update.validate()?;
    let profile = state
        .store
        .replace(&caller.table, &caller.user, &fields, &expected, state.now())
        .await?;
    tracing::info!(tenant = %caller.table.tenant, version = profile.version, "profile replaced");
    Ok(ProfileResponse(profile))
}
