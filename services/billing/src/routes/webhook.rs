//! POST /billing/webhooks/stripe: public (the gateway lets it through), trusted only through its
//! signature. The body is taken raw, because the signature covers the exact bytes.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use saascript_common::input::Json;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::Result;
use crate::webhooks::{Outcome, receive};

#[utoipa::path(post, path = "/billing/webhooks/stripe", tag = "billing",
    params(("Stripe-Signature" = String, Header, description = "t=<time>,v1=<HMAC-SHA256>")),
    request_body(content = String, description = "A Stripe event, exactly as Stripe sent it", content_type = "application/json"),
    responses(
        (status = 200, description = "Applied, ignored, or a duplicate with no effect"),
        (status = 400, description = "signature_invalid or signature_timestamp_outside_tolerance"),
        (status = 503, description = "not_ready: the tenant's Subscription does not exist yet; Stripe retries"),
    ))]
pub async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>> {
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    Ok(Json(match receive(&state, signature, &body).await? {
        Outcome::Processed(outcome) => json!({ "received": true, "outcome": outcome }),
        Outcome::Duplicate => json!({ "received": true, "duplicate": true }),
    }))
}
