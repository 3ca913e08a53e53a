//! The projects service's OpenAPI document, served at /projects/openapi.json (the gateway
//! merges it into /api/openapi.json).

use saascript_common::openapi::BearerAuth;
use utoipa::OpenApi;

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "SaaScript projects", description = "Projects, tasks, comments and exports of a tenant. Errors are RFC 9457 problems."),
    paths(
        routes::projects::list,
        routes::projects::create,
        routes::projects::get,
        routes::projects::update,
        routes::projects::delete,
        routes::tasks::list,
        routes::tasks::create,
        routes::tasks::get,
        routes::tasks::update,
        routes::tasks::delete,
        routes::comments::list,
        routes::comments::create,
        routes::exports::request,
        routes::exports::status,
        routes::exports::download,
    ),
    // Enums used only in query parameters are not collected from the paths.
    components(schemas(routes::exports::ExportFormat, routes::tasks::TaskStatus)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

pub async fn document() -> saascript_common::input::Json<utoipa::openapi::OpenApi> {
    saascript_common::input::Json(ApiDoc::openapi())
}
