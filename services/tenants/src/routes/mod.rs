//! The HTTP routes of the tenants service, one per file. The gateway serves them under
//! /api/tenants/...; Argo CD's generator route (`argocd_generator`) is called directly.

pub mod argocd_generator;
pub mod availability;
pub mod current;
pub mod delete;
pub mod events;
pub mod list;
pub mod members;
pub mod sign_up;
pub mod update;

use axum::Router;
use axum::routing::{get, post};

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
        .route("/api/v1/getparams.execute", post(argocd_generator::execute))
        .with_state(state)
}
