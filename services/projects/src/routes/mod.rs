//! The HTTP routes of the projects service, one resource per file. Every route needs a verified
//! token of a live tenant (`Caller`); the gateway maps `/api/projects/...` here.

pub mod comments;
pub mod exports;
pub mod projects;
pub mod tasks;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/projects", get(projects::list).post(projects::create))
        .route("/projects/openapi.json", get(crate::openapi::document))
        .route("/projects/exports", post(exports::request))
        .route("/projects/exports/{exportId}", get(exports::status))
        .route(
            "/projects/exports/{exportId}/download",
            get(exports::download),
        )
        .route(
            "/projects/{projectId}",
            get(projects::get)
                .patch(projects::update)
                .delete(projects::delete),
        )
        .route(
            "/projects/{projectId}/tasks",
            get(tasks::list).post(tasks::create),
        )
        .route(
            "/projects/{projectId}/tasks/{taskId}",
            get(tasks::get).patch(tasks::update).delete(tasks::delete),
        )
        .route(
            "/projects/{projectId}/tasks/{taskId}/comments",
            get(comments::list).post(comments::create),
        )
        .with_state(state)
}
