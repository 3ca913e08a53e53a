//! The auth service's OpenAPI document, served at /auth/openapi.json (the gateway merges it
//! into /api/openapi.json).

use saascript_common::openapi::BearerAuth;
use utoipa::OpenApi;

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "SaaScript auth", description = "Users, sessions and tokens. Errors are RFC 9457 problems."),
    paths(
        routes::register::register,
        routes::login::login,
        routes::refresh::refresh,
        routes::logout::logout,
        routes::me::me,
        routes::verify_email::verify_email,
        routes::password_reset::request,
        routes::password_reset::confirm,
        routes::invitations::invite,
        routes::invitations::pending,
        routes::invitations::accept,
        routes::members::members,
        routes::jwks::jwks,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

pub async fn document() -> saascript_common::input::Json<utoipa::openapi::OpenApi> {
    saascript_common::input::Json(ApiDoc::openapi())
}
