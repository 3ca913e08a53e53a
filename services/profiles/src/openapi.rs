//! The profiles service's OpenAPI document, served at /profiles/openapi.json (the gateway maps
//! /api/profiles/... to /profiles/...).

use saascript_common::openapi::BearerAuth;
use utoipa::OpenApi;

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "SaaScript profiles", description = "Each member's profile in their tenant: display name, avatar, locale, time zone and preferences. Writes need `If-Match`. Errors are RFC 9457 problems."),
    paths(
        routes::my_profile::get_my_profile,
        routes::my_profile::put_my_profile,
        routes::member_profile::get_member_profile,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

pub async fn document() -> saascript_common::input::Json<utoipa::openapi::OpenApi> {
    saascript_common::input::Json(ApiDoc::openapi())
}
