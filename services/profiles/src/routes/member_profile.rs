//! GET /profiles/{userId}: another member's profile, in the caller's tenant only. A user of
//! another tenant, a user without a stored profile and an id that cannot be one all answer the
//! same 404, so that the answer tells nothing about other tenants.

use axum::extract::State;
use saascript_common::input::Path;

use super::caller::ProfileCaller;
use super::profile_response::ProfileResponse;
use crate::AppState;
use crate::error::{ProfilesError, Result};
use crate::profile::Profile;
use crate::profile_events::is_user_id;

#[utoipa::path(get, path = "/profiles/{userId}", tag = "profiles", security(("bearer" = [])),
    params(("userId" = String, Path, description = "The member's user id")),
    responses(
        (status = 200, description = "The member's profile; its ETag is the version", body = Profile),
        (status = 401, description = "token_missing, token_invalid or tenant_changed"),
        (status = 403, description = "tenant_required, tenant_suspended"),
        (status = 404, description = "profile_not_found (also for a user of another tenant), tenant_not_found"),
    ))]
pub async fn get_member_profile(
    State(state): State<AppState>,
    caller: ProfileCaller,
    Path(user_id): Path<String>,
) -> Result<ProfileResponse> {
    if user_id == caller.user {
        let own = state.store.get(&caller.table, &caller.user).await?;
        return Ok(ProfileResponse(
            own.unwrap_or_else(|| Profile::unstored_default(&caller.user)),
        ));
    }
    if !is_user_id(&user_id) {
        return Err(ProfilesError::ProfileNotFound);
    }
    state
        .store
        .get(&caller.table, &user_id)
        .await?
        .map(ProfileResponse)
        .ok_or(ProfilesError::ProfileNotFound)
}
