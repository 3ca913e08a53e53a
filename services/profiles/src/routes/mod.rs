//! The HTTP routes of the profiles service, one concern per file. Every route acts within the
//! tenant of the verified token (`ProfileCaller`), never one named by the request.

pub mod caller;
pub mod member_profile;
pub mod my_profile;
pub mod profile_response;

use axum::Router;
use axum::routing::get;

use crate::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/profiles/me",
            get(my_profile::get_my_profile).put(my_profile::put_my_profile),
        )
        .route("/profiles/openapi.json", get(crate::openapi::document))
        .route(
            "/profiles/{user_id}",
            get(member_profile::get_member_profile),
        )
        .with_state(state)
}
