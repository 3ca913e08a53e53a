//! GET /billing/subscription: the tenant's plan, what Stripe says, and the plans on offer.

use super::billing_manager::BillingManager;
use axum::extract::State;
use saascript_catalog::Billing;
use saascript_common::input::Json;
use saascript_crds::Condition;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{BillingError, Result};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlanOffer {
    pub name: String,
    pub display_name: String,
    /// `free`, `stripe` (pay by card) or `contract` (invoiced outside Stripe; ask sales).
    pub billing: String,
    pub trial_days: u32,
    pub requests_per_second: i32,
    pub max_projects: i32,
    pub max_members: i32,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BillingOverview {
    pub tenant: String,
    /// The declared plan (`Tenant.spec.plan`).
    pub plan: String,
    /// The plan whose entitlements are in force (set by the operator).
    pub plan_in_force: Option<String>,
    /// Stripe's state of the subscription: trialing, active, past_due, canceled, unpaid, ...
    pub state: Option<String>,
    pub stripe_customer_id: Option<String>,
    pub stripe_subscription_id: Option<String>,
    /// RFC 3339.
    pub current_period_end: Option<String>,
    pub cancel_at_period_end: bool,
    /// True while the tenant is suspended because payment lapsed past the grace period.
    pub suspended_for_payment: bool,
    #[schema(value_type = Vec<Object>)]
    pub conditions: Vec<Condition>,
    pub plans: Vec<PlanOffer>,
}

#[utoipa::path(get, path = "/billing/subscription", tag = "billing", security(("bearer" = [])),
    responses(
        (status = 200, description = "The tenant's billing", body = BillingOverview),
        (status = 401, description = "token_missing or token_invalid"),
        (status = 403, description = "role_required: only an owner or admin"),
        (status = 503, description = "not_ready: the tenant is still being provisioned"),
    ))]
pub async fn overview(
    State(state): State<AppState>,
    manager: BillingManager,
) -> Result<Json<BillingOverview>> {
    Ok(Json(build(&state, &manager.tenant).await?))
}

pub async fn build(state: &AppState, tenant: &str) -> Result<BillingOverview> {
    let resource = state
        .kube
        .tenant(tenant)
        .await?
        .ok_or_else(|| BillingError::NotFound(format!("there is no tenant {tenant}")))?;
    let subscription = state.kube.existing_subscription(tenant).await?;
    let status = subscription.status.unwrap_or_default();
    let plans = state
        .catalog
        .plan_names()
        .filter_map(|name| {
            let plan = state.catalog.plan(name)?;
            let (billing, trial_days) = match plan.billing() {
                Billing::Free => ("free", 0),
                Billing::Stripe { trial_days, .. } => ("stripe", trial_days),
                Billing::InvoicedOutsideStripe => ("contract", 0),
            };
            Some(PlanOffer {
                name: name.to_string(),
                display_name: plan.display_name.clone(),
                billing: billing.into(),
                trial_days,
                requests_per_second: plan.requests_per_second,
                max_projects: plan.max_projects,
                max_members: plan.max_members,
            })
        })
        .collect();
    Ok(BillingOverview {
        tenant: tenant.to_string(),
        plan: resource.spec.plan,
        plan_in_force: status.entitlements.as_ref().map(|e| e.plan.clone()),
        state: status.state.map(|s| s.as_str().to_string()),
        stripe_customer_id: status.stripe_customer_id,
        stripe_subscription_id: status.stripe_subscription_id,
        current_period_end: status.current_period_end.map(|t| t.0.to_string()),
        cancel_at_period_end: status.cancel_at_period_end,
        suspended_for_payment: status.suspended,
        conditions: status.conditions,
        plans,
    })
}
