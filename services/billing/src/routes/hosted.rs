//! POST /billing/checkout and /billing/portal: links to Stripe's hosted Checkout and Customer
//! Portal. The local Stripe fake offers neither; there the calls answer 501 and name the local
//! fallback (PUT /billing/subscription with a payment method). The calls themselves are the real
//! ones, made against whatever STRIPE_API_BASE points at.

use super::billing_manager::BillingManager;
use axum::extract::State;
use saascript_catalog::Billing;
use saascript_common::input::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::customers::TenantId;
use crate::error::{BillingError, Result};
use crate::subscription_sync::{live_subscription, lock_tenant};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckoutRequest {
    /// A plan paid through Stripe.
    pub plan: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HostedLink {
    pub url: String,
}

#[utoipa::path(post, path = "/billing/checkout", tag = "billing", security(("bearer" = [])),
    request_body = CheckoutRequest,
    responses(
        (status = 200, description = "Where to send the browser", body = HostedLink),
        (status = 403, description = "role_required: only an owner or admin"),
        (status = 409, description = "conflict: the tenant already has a live subscription (change its plan with PUT /billing/subscription)"),
        (status = 422, description = "invalid_input: not a plan paid through Stripe"),
        (status = 501, description = "not_offered_here: the payment provider has no Checkout (the local fake)"),
    ))]
pub async fn checkout(
    State(state): State<AppState>,
    manager: BillingManager,
    Json(body): Json<CheckoutRequest>,
) -> Result<Json<HostedLink>> {
    let tenant = manager.tenant.as_str();
    let Some(Billing::Stripe {
        price_id,
        trial_days,
    }) = state.catalog.plan(&body.plan).map(|p| p.billing())
    else {
        return Err(BillingError::Invalid(format!(
            "plan {:?} is not a plan paid through Stripe",
            body.plan
        )));
    };
    // Under the tenant's lock, which closing a deleted tenant's billing takes too: a session is
    // either made before the closing (which then expires it) or refused after.
    let mut tx = state.db.begin().await?;
    lock_tenant(&mut tx, tenant).await?;
    let resource = state.kube.tenant_to_bill(tenant).await?;
    let tenant_id = TenantId::of(&resource)?;
    // Checkout starts a subscription; a tenant that has a live one changes its plan instead, so
    // that it never pays twice. A trial is for a tenant's first subscription only.
    let subscription = state.kube.existing_subscription(tenant).await?;
    if let Some(live) = live_subscription(&state, &subscription).await? {
        return Err(BillingError::Conflict(format!(
            "tenant {tenant} already has subscription {}; change its plan with PUT \
             /billing/subscription",
            live.id
        )));
    }
    let first_subscription = subscription
        .status
        .and_then(|s| s.stripe_subscription_id)
        .is_none();
    let customer = crate::customers::ensure(&state, &resource).await?;
    let return_url = &state.settings.return_url;
    let mut form = vec![
        ("mode".to_string(), "subscription".to_string()),
        ("customer".to_string(), customer),
        ("client_reference_id".to_string(), tenant.to_string()),
        ("line_items[0][price]".to_string(), price_id),
        ("line_items[0][quantity]".to_string(), "1".to_string()),
        (
            "subscription_data[metadata][tenant]".to_string(),
            tenant.to_string(),
        ),
        (
            "subscription_data[metadata][tenant_uid]".to_string(),
            tenant_id.uid.clone(),
        ),
        (
            "success_url".to_string(),
            format!("{return_url}?checkout=success"),
        ),
        (
            "cancel_url".to_string(),
            format!("{return_url}?checkout=canceled"),
        ),
    ];
    if state.settings.trials && trial_days > 0 && first_subscription {
        form.push((
            "subscription_data[trial_period_days]".into(),
            trial_days.to_string(),
        ));
    }
    let session = state
        .stripe
        .create_checkout_session(&form)
        .await
        .map_err(|e| not_offered(e, "Checkout"))?;
    tx.commit().await?;
    link(session.url)
}

#[utoipa::path(post, path = "/billing/portal", tag = "billing", security(("bearer" = [])),
    responses(
        (status = 200, description = "Where to send the browser", body = HostedLink),
        (status = 403, description = "role_required: only an owner or admin"),
        (status = 409, description = "conflict: the tenant has no Stripe customer yet"),
        (status = 501, description = "not_offered_here: the payment provider has no Customer Portal (the local fake)"),
    ))]
pub async fn portal(
    State(state): State<AppState>,
    manager: BillingManager,
) -> Result<Json<HostedLink>> {
    let tenant_id = TenantId::of(&state.kube.existing_tenant(&manager.tenant).await?)?;
    let customer = crate::customers::find(&state.db, &tenant_id)
        .await?
        .ok_or_else(|| {
            BillingError::Conflict(format!(
                "tenant {} has no Stripe customer yet; subscribe to a plan first",
                manager.tenant
            ))
        })?;
    let form = vec![
        ("customer".to_string(), customer),
        ("return_url".to_string(), state.settings.return_url.clone()),
    ];
    let session = state
        .stripe
        .create_portal_session(&form)
        .await
        .map_err(|e| not_offered(e, "the Customer Portal"))?;
    link(session.url)
}

fn link(url: Option<String>) -> Result<Json<HostedLink>> {
    url.map(|url| Json(HostedLink { url }))
        .ok_or_else(|| BillingError::Internal("Stripe returned a session without a URL".into()))
}

/// A 404 for the endpoint itself, or an answer that is not a Stripe error at all (what the local
/// fake sends for a path it does not know), means the provider does not have the feature.
fn not_offered(error: BillingError, feature: &str) -> BillingError {
    if error.is_not_found() || error.is_not_a_stripe_answer() {
        BillingError::NotOffered(format!(
            "the payment provider here does not offer {feature}; subscribe with \
             PUT /billing/subscription and a payment method instead"
        ))
    } else {
        error
    }
}
