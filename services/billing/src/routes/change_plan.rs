//! PUT /billing/subscription: subscribe to a plan, or change to another (prorated by Stripe).
//!
//! This is also the local fallback for Checkout: the UI (or a test) collects a payment method
//! (`pm_...`, from Stripe Elements in production, or created directly against the fake) and the
//! subscription is created here. Either way the Tenant's plan changes only once Stripe confirms:
//! when the subscription Stripe returns is active or trialing, or later by webhook.

use super::billing_manager::BillingManager;
use axum::extract::State;
use saascript_catalog::Billing;
use saascript_common::input::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use super::idempotency_key::IdempotencyKey;
use super::overview::{BillingOverview, build};
use crate::AppState;
use crate::customers::TenantId;
use crate::error::{BillingError, Result};
use crate::stripe::objects::Subscription;
use crate::subscription_sync::{live_subscription, lock_tenant, sync};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangePlan {
    /// A plan from the catalog.
    pub plan: String,
    /// A Stripe payment method (`pm_...`) to attach and make the default for invoices.
    pub payment_method: Option<String>,
}

#[utoipa::path(put, path = "/billing/subscription", tag = "billing", security(("bearer" = [])),
    request_body = ChangePlan,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried subscription creation return the first one")),
    responses(
        (status = 200, description = "The tenant's billing after the change", body = BillingOverview),
        (status = 402, description = "stripe_refused: the card was declined"),
        (status = 400, description = "idempotency_key_invalid: longer than 190 characters, or not printable ASCII"),
        (status = 403, description = "role_required: only an owner or admin"),
        (status = 409, description = "conflict: a contract plan is set by a platform admin, or the tenant is being deleted"),
        (status = 422, description = "invalid_input: unknown plan, a paymentMethod that is not a Stripe id (`field` says so), or a payment method Stripe refused"),
    ))]
pub async fn change_plan(
    State(state): State<AppState>,
    manager: BillingManager,
    IdempotencyKey(client_key): IdempotencyKey,
    Json(body): Json<ChangePlan>,
) -> Result<Json<BillingOverview>> {
    let tenant = manager.tenant.as_str();
    if let Some(payment_method) = &body.payment_method
        && !crate::stripe::ids::is_payment_method_id(payment_method)
    {
        return Err(BillingError::InvalidField {
            field: "paymentMethod",
            message: "paymentMethod must be a Stripe payment method id (pm_...)".into(),
        });
    }
    let plan = state.catalog.plan(&body.plan).ok_or_else(|| {
        BillingError::Invalid(format!(
            "plan {:?} is not in the catalog; choose one of: {}",
            body.plan,
            state.catalog.plan_names().collect::<Vec<_>>().join(", ")
        ))
    })?;
    // Under the tenant's lock: two changes at once (a double click, two admins, a retry) take
    // turns, and the second sees the subscription the first one made.
    let mut tx = state.db.begin().await?;
    lock_tenant(&mut tx, tenant).await?;
    let resource = state.kube.tenant_to_bill(tenant).await?;
    let tenant_id = TenantId::of(&resource)?;
    if let Some(Billing::InvoicedOutsideStripe) =
        state.catalog.plan(&resource.spec.plan).map(|p| p.billing())
    {
        return Err(BillingError::Conflict(format!(
            "tenant {tenant} is on the contract plan {}; a platform admin changes it",
            resource.spec.plan
        )));
    }
    let subscription_resource = state.kube.existing_subscription(tenant).await?;
    let live = live_subscription(&state, &subscription_resource).await?;
    match plan.billing() {
        Billing::InvoicedOutsideStripe => {
            return Err(BillingError::Conflict(format!(
                "plan {} is invoiced by contract; a platform admin sets it on the Tenant",
                body.plan
            )));
        }
        Billing::Free => {
            if let Some(current) = live {
                // Leaving the paid plan: it runs to the end of the period that is paid for, and
                // Stripe's deletion at that point returns the tenant to the free plan.
                let updated = state
                    .stripe
                    .update_subscription(
                        &current.id,
                        &vec![("cancel_at_period_end".into(), "true".into())],
                    )
                    .await?;
                sync(&state, &mut tx, &updated.id, None).await?;
            } else if resource.spec.plan != body.plan {
                // Nothing to pay: the change takes effect at once.
                state.kube.set_tenant_plan(&resource, &body.plan).await?;
            }
        }
        Billing::Stripe {
            price_id,
            trial_days,
        } => {
            let customer = crate::customers::ensure(&state, &resource).await?;
            if let Some(payment_method) = &body.payment_method {
                state
                    .stripe
                    .attach_payment_method(payment_method, &customer)
                    .await?;
                state
                    .stripe
                    .update_customer(
                        &customer,
                        &vec![(
                            "invoice_settings[default_payment_method]".into(),
                            payment_method.clone(),
                        )],
                    )
                    .await?;
            }
            let subscription = match live {
                Some(current) => change(&state, &current, &price_id).await?,
                None => {
                    let first_subscription = subscription_resource
                        .status
                        .as_ref()
                        .and_then(|s| s.stripe_subscription_id.as_ref())
                        .is_none();
                    let mut form = vec![
                        ("customer".to_string(), customer.clone()),
                        ("items[0][plan]".to_string(), price_id.clone()),
                        ("metadata[tenant]".to_string(), tenant.to_string()),
                        ("metadata[tenant_uid]".to_string(), tenant_id.uid.clone()),
                    ];
                    // A trial is for a tenant's first subscription only.
                    if state.settings.trials && trial_days > 0 && first_subscription {
                        form.push(("trial_period_days".into(), trial_days.to_string()));
                    }
                    // The client's key, or one from the tenant, its last subscription and the
                    // price: a retry after a crash gets the subscription it already made, and a
                    // new subscription after a cancellation gets a new key.
                    let last = subscription_resource
                        .status
                        .as_ref()
                        .and_then(|s| s.stripe_subscription_id.clone())
                        .unwrap_or_else(|| "first".into());
                    let key = match &client_key {
                        Some(k) => format!("saascript-subscribe-{}-{k}", tenant_id.uid),
                        None => format!("saascript-subscribe-{}-{last}-{price_id}", tenant_id.uid),
                    };
                    state.stripe.create_subscription(&form, &key).await?
                }
            };
            sync(&state, &mut tx, &subscription.id, None).await?;
        }
    }
    tx.commit().await?;
    Ok(Json(build(&state, tenant).await?))
}

/// Moves a live subscription to another price; Stripe prorates by default (credit for the unused
/// time of the old price, charge for the rest of the period at the new one). The same price
/// again undoes a pending cancellation.
async fn change(state: &AppState, current: &Subscription, price_id: &str) -> Result<Subscription> {
    if current.price_id() == Some(price_id) {
        if current.cancel_at_period_end == Some(true) {
            return state
                .stripe
                .update_subscription(
                    &current.id,
                    &vec![("cancel_at_period_end".into(), "false".into())],
                )
                .await;
        }
        return Ok(current.clone());
    }
    let item = current.item().ok_or_else(|| {
        BillingError::Internal(format!("subscription {} has no item", current.id))
    })?;
    state
        .stripe
        .update_subscription(
            &current.id,
            &vec![
                ("items[0][id]".into(), item.id.clone()),
                ("items[0][plan]".into(), price_id.to_string()),
                ("cancel_at_period_end".into(), "false".into()),
            ],
        )
        .await
}
