//! The tenants service's OpenAPI document, served at /tenants/openapi.json (the gateway merges
//! it into /api/openapi.json).

use saascript_common::openapi::BearerAuth;
use utoipa::OpenApi;

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "SaaScript tenants", description = "Sign-up, the platform admins' list of every Tenant, and the tenant's own view: its spec, conditions, provisioning progress, owners, deletion and members. Errors are RFC 9457 problems."),
    paths(
        routes::list::list,
        routes::sign_up::sign_up,
        routes::availability::availability,
        routes::current::current,
        routes::update::update,
        routes::delete::delete,
        routes::events::events,
        routes::members::members,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

pub async fn document() -> saascript_common::input::Json<utoipa::openapi::OpenApi> {
    saascript_common::input::Json(ApiDoc::openapi())
}
