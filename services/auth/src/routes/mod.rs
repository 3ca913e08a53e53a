//! The HTTP routes of the auth service, one per file.

pub mod invitations;
pub mod jwks;
pub mod login;
pub mod logout;
pub mod me;
pub mod members;
pub mod password_reset;
pub mod refresh;
pub mod register;
pub mod verify_email;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/auth/register", post(register::register))
        .route("/auth/login", post(login::login))
        .route("/auth/refresh", post(refresh::refresh))
        .route("/auth/logout", post(logout::logout))
        .route("/auth/me", get(me::me))
        .route("/auth/members", get(members::members))
        .route("/auth/verify-email", post(verify_email::verify_email))
        .route(
            "/auth/invitations",
            get(invitations::pending).post(invitations::invite),
        )
        .route("/auth/invitations/accept", post(invitations::accept))
        .route("/auth/password-reset", post(password_reset::request))
        .route(
            "/auth/password-reset/confirm",
            post(password_reset::confirm),
        )
        .route("/.well-known/jwks.json", get(jwks::jwks))
        .route("/auth/openapi.json", get(crate::openapi::document))
        .with_state(state)
}
