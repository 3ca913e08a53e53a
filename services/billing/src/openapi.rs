//! The billing service's OpenAPI document, served at /billing/openapi.json (the gateway merges
//! it into /api/openapi.json).

use saascript_common::openapi::BearerAuth;
use utoipa::OpenApi;

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "SaaScript billing", description = "Plans, Stripe subscriptions, invoices and Stripe's webhook. Errors are RFC 9457 problems."),
    paths(
        routes::overview::overview,
        routes::change_plan::change_plan,
        routes::cancel::cancel,
        routes::cancel::resume,
        routes::invoices::invoices,
        routes::invoices::refunds,
        routes::hosted::checkout,
        routes::hosted::portal,
        routes::webhook::stripe_webhook,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

pub async fn document() -> saascript_common::input::Json<utoipa::openapi::OpenApi> {
    saascript_common::input::Json(ApiDoc::openapi())
}
