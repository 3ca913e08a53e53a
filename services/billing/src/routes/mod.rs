//! The HTTP routes of the billing service, one concern per file. Every route but Stripe's webhook
//! needs an owner or admin of the tenant, with a token of the live Tenant (`BillingManager`).

pub mod billing_manager;
pub mod cancel;
pub mod change_plan;
pub mod hosted;
pub mod idempotency_key;
pub mod invoices;
pub mod overview;
pub mod webhook;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/billing/subscription",
            get(overview::overview).put(change_plan::change_plan),
        )
        .route("/billing/subscription/cancel", post(cancel::cancel))
        .route("/billing/subscription/resume", post(cancel::resume))
        .route("/billing/invoices", get(invoices::invoices))
        .route("/billing/refunds", get(invoices::refunds))
        .route("/billing/checkout", post(hosted::checkout))
        .route("/billing/portal", post(hosted::portal))
        .route("/billing/webhooks/stripe", post(webhook::stripe_webhook))
        .route("/billing/openapi.json", get(crate::openapi::document))
        .with_state(state)
}
