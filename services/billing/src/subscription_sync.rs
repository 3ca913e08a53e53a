//! Brings a tenant's Subscription (and, once Stripe confirms, its Tenant's plan) in line with a
//! subscription as Stripe has it now. Used by the webhooks and right after billing's own calls.
//! It always fetches the subscription from Stripe first, so events that arrive late, twice or out
//! of order all converge on Stripe's current state; a per-subscription advisory lock makes
//! concurrent syncs of one subscription take turns, so an older read never lands last.

use saascript_common::event_outbox::{self, NewEvent};
use serde_json::json;
use sqlx::{Postgres, Transaction};

use crate::AppState;
use crate::decisions::{Decision, decide};
use crate::error::{BillingError, Result};

pub const SOURCE: &str = "saascript/billing";

/// What a sync did, for the logs and the event table.
#[derive(Debug)]
pub enum Synced {
    Applied { tenant: String, state: String },
    Ignored(String),
}

impl Synced {
    pub fn describe(&self) -> String {
        match self {
            Synced::Applied { tenant, state } => format!("applied: tenant {tenant} is {state}"),
            Synced::Ignored(why) => format!("ignored: {why}"),
        }
    }
}

/// Takes a transaction-scoped advisory lock on `key` (re-entrant within the transaction). It
/// waits at most `lock_timeout`, so that a pile-up of deliveries fails (and Stripe redelivers)
/// instead of holding the pool.
pub async fn lock(tx: &mut Transaction<'_, Postgres>, key: &str) -> Result<()> {
    sqlx::query("SET LOCAL lock_timeout = '10s'")
        .execute(&mut **tx)
        .await?;
    match sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(key)
        .execute(&mut **tx)
        .await
    {
        Ok(_) => Ok(()),
        // lock_not_available: another change held the lock past the timeout; a retry is right.
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("55P03") => {
            Err(BillingError::NotYet(format!(
                "another billing change is under way ({key}); retry shortly"
            )))
        }
        Err(e) => Err(e.into()),
    }
}

/// The lock of everything billing writes for one tenant (its Subscription status and plan):
/// syncs of two subscriptions of the same tenant (an old one ending, a new one starting) and
/// billing's own calls take turns on it.
pub async fn lock_tenant(tx: &mut Transaction<'_, Postgres>, tenant: &str) -> Result<()> {
    lock(tx, &format!("tenant:{tenant}")).await
}

/// Syncs one subscription. With `event_type`, records that billing.* event in the outbox (in the
/// caller's transaction, which also holds the tenant's lock).
pub async fn sync(
    state: &AppState,
    tx: &mut Transaction<'_, Postgres>,
    subscription_id: &str,
    event_type: Option<&str>,
) -> Result<Synced> {
    // A first read says whose subscription it is...
    let Some(first) = fetch(state, subscription_id).await? else {
        return Ok(Synced::Ignored(format!(
            "Stripe has no subscription {subscription_id}"
        )));
    };
    let customer = first.customer.clone().unwrap_or_default();
    // Whose it is, billing's customer table says: a subscription never moves between customers,
    // and its metadata (which anyone can edit in the Dashboard) only inform people reading Stripe.
    let Some(owner) = crate::customers::tenant_of(&mut **tx, &customer).await? else {
        return Ok(Synced::Ignored(not_ours(subscription_id, &first)));
    };
    let tenant = owner.name;
    // ...and the reads under the tenant's lock are the ones applied: the latest of any sync,
    // with the owner as it is now (a customer just taken back after a CRD reinstall).
    lock_tenant(tx, &tenant).await?;
    let Some(owner) = crate::customers::tenant_of(&mut **tx, &customer).await? else {
        return Ok(Synced::Ignored(not_ours(subscription_id, &first)));
    };
    let Some(subscription) = fetch(state, subscription_id).await? else {
        return Ok(Synced::Ignored(format!(
            "Stripe has no subscription {subscription_id}"
        )));
    };
    let Some(tenant_resource) = state.kube.tenant(&tenant).await? else {
        if crate::customers::awaiting_reinstall(&mut **tx, &tenant).await? {
            // Away with its CRD: Stripe delivers the event again, and it applies (and is
            // announced) once the tenant is back.
            return Err(BillingError::NotYet(format!(
                "tenant {tenant} is away while its CRD is reinstalled"
            )));
        }
        return Ok(Synced::Ignored(format!("tenant {tenant} no longer exists")));
    };
    if crate::decisions::deletion_proceeds(&tenant_resource) {
        // Its subscriptions are being canceled (`tenant_deletion`): nothing more to mirror.
        return Ok(Synced::Ignored(format!("tenant {tenant} is being deleted")));
    }
    let tenant_id = crate::customers::TenantId::of(&tenant_resource)?;
    if owner != tenant_id {
        if crate::customers::awaiting_reinstall(&mut **tx, &tenant).await? {
            // The tenant is back after a CRD reinstall and about to take its customer back:
            // Stripe delivers the event again, and it applies then.
            return Err(BillingError::NotYet(format!(
                "tenant {tenant} is taking its billing back after a CRD reinstall"
            )));
        }
        return Ok(Synced::Ignored(format!(
            "subscription {subscription_id} belongs to an earlier tenant named {tenant}"
        )));
    }
    // Until the operator has made the Subscription, fail: Stripe delivers the event again.
    let resource = state.kube.existing_subscription(&tenant).await?;
    let decision = decide(
        &subscription,
        &customer,
        &state.catalog,
        resource.status.as_ref(),
        &tenant_resource.spec.plan,
    );
    let (mirror, tenant_plan) = match decision {
        Decision::Ignore(why) => return Ok(Synced::Ignored(why)),
        Decision::Apply {
            mirror,
            tenant_plan,
        } => (mirror, tenant_plan),
    };
    state.kube.write_mirror(&tenant, &mirror).await?;
    if let Some(plan) = &tenant_plan {
        state.kube.set_tenant_plan(&tenant_resource, plan).await?;
        tracing::info!(%tenant, %plan, "Stripe confirmed the plan: Tenant.spec.plan set");
    }
    let state_name = mirror.state.as_str().to_string();
    if let Some(type_) = event_type {
        event_outbox::record(
            tx,
            NewEvent {
                source: SOURCE,
                type_,
                tenant: Some(&tenant),
                subject: subscription_id,
                data: json!({
                    "subscriptionId": mirror.subscription_id,
                    "customerId": mirror.customer_id,
                    "state": state_name,
                    "plan": mirror.confirmed_plan,
                    "currentPeriodEnd": mirror.current_period_end,
                    "cancelAtPeriodEnd": mirror.cancel_at_period_end,
                    "tenantPlanSetTo": tenant_plan,
                }),
                time: state.now(),
            },
        )
        .await
        .map_err(|e| BillingError::Internal(e.to_string()))?;
    }
    Ok(Synced::Applied {
        tenant,
        state: state_name,
    })
}

/// The subscription recorded in the tenant's Subscription status, as Stripe has it now, unless
/// it is over (canceled or expired): the one a change of plan, a cancellation or a resumption
/// applies to, and the one that makes a second subscription (Checkout) wrong.
pub async fn live_subscription(
    state: &AppState,
    resource: &saascript_crds::Subscription,
) -> Result<Option<crate::stripe::objects::Subscription>> {
    let Some(id) = resource
        .status
        .as_ref()
        .and_then(|s| s.stripe_subscription_id.as_deref())
    else {
        return Ok(None);
    };
    let current = state.stripe.subscription(id).await?;
    Ok((!current.is_over()).then_some(current))
}

/// Why a subscription whose customer billing does not know is ignored.
fn not_ours(subscription_id: &str, subscription: &crate::stripe::objects::Subscription) -> String {
    match subscription.tenant() {
        Some(name) => {
            format!("subscription {subscription_id} belongs to an earlier tenant named {name}")
        }
        None => format!("subscription {subscription_id} belongs to no known tenant"),
    }
}

async fn fetch(
    state: &AppState,
    subscription_id: &str,
) -> Result<Option<crate::stripe::objects::Subscription>> {
    match state.stripe.subscription(subscription_id).await {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}
