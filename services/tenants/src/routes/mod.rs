//! The HTTP routes of the tenants service, one per file. The gateway serves them under
//! /api/tenants/...

pub mod availability;
pub mod current;
pub mod delete;
pub mod events;
pub mod list;
pub mod members;
pub mod sign_up;
pub mod update;

use axum::Router;
use axum::routing::get;

use crate::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/tenants", get(list::list).post(sign_up::sign_up))
        .route("/tenants/availability", get(availability::availability))
        .route(
            "/tenants/current",
            get(current::current)
                .patch(update::update)
                .delete(delete::delete),
        )
        .route("/tenants/current/events", get(events::events))
        .route("/tenants/current/members", get(members::members))
        .route("/tenants/openapi.json", get(crate::openapi::document))
        .with_state(state)
}
