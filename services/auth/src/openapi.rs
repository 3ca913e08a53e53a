//! The auth service's OpenAPI document, served at /auth/openapi.json (the gateway merges it
//! into /api/openapi.json).

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

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
        routes::invitations::accept,
        routes::jwks::jwks,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

pub async fn document() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}
