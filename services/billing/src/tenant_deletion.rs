//! Billing's part in deleting a tenant: a deleted tenant stops paying.
//!
//! Billing puts its own finalizer, `billing.saascript.io/stripe`, on a Tenant before it creates
//! the tenant's Stripe customer, so that no tenant with a customer can vanish without billing
//! knowing. When the Tenant is deleted, this controller closes its billing (`close`): open
//! Checkout Sessions expired, every subscription not yet canceled announced and canceled at
//! once; only then is the finalizer released. The operator's own finalizer removes the tenant's
//! resources meanwhile; the Tenant is gone once both are released. The customer and its invoices
//! stay in Stripe for the accounts.
//!
//! It holds back where the operator does: a Tenant with `preventDeletion` keeps its billing
//! (the deletion is blocked, not done), and when the Tenant CRD itself is being deleted (a
//! reinstall, say) the finalizer is released without touching Stripe, the lesson of Capsule
//! #1181 that the operator's cleanup follows too; the Tenant that comes back under the same name
//! takes its customer back (`crd_reinstall`).
//!
//! Every step can be repeated: an announcement is recorded once per subscription
//! (`tenant_closures`), a canceled subscription is no longer listed, and finalizer patches carry
//! the resourceVersion they read. Billing's replicas may all run it; the tenant's lock makes
//! them take turns.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use kube::ResourceExt;
use kube::api::Api;
use kube::runtime::controller::{self, Action, Controller};
use kube::runtime::watcher;
use saascript_common::event_outbox::{self, NewEvent};
use saascript_crds::Tenant;
use serde_json::json;

use crate::AppState;
use crate::crd_reinstall;
use crate::customers::{self, TenantId};
use crate::decisions::deletion_proceeds;
use crate::error::{BillingError, Result};
use crate::kubernetes::FINALIZER;
use crate::subscription_sync::{SOURCE, lock_tenant};

/// Billing's finalizer on a Tenant that has a Stripe customer.
/// Tenants reconciled at once by one billing replica (its pool has 20 connections).
const CONCURRENCY: u16 = 4;

/// Watches the Tenants that the settings' selector picks (all when unset) until `shutdown`
/// resolves.
pub async fn run(state: AppState, shutdown: impl Future<Output = ()> + Send + Sync + 'static) {
    let mut config = watcher::Config::default();
    if let Some(selector) = &state.settings.tenant_selector {
        config = config.labels(selector);
    }
    Controller::new(Api::<Tenant>::all(state.kube.client()), config)
        // Each closing holds a pooled connection (the tenant's lock) and takes a second one for
        // each announcement: a few at a time leave the pool to the webhooks.
        .with_config(controller::Config::default().concurrency(CONCURRENCY))
        .graceful_shutdown_on(shutdown)
        .run(reconcile, error_policy, Arc::new(state))
        .for_each(|result| async move {
            if let Err(error) = result {
                tracing::debug!(%error, "tenant deletion reconcile failed");
            }
        })
        .await;
}

async fn reconcile(tenant: Arc<Tenant>, state: Arc<AppState>) -> Result<Action> {
    let holds = tenant.finalizers().iter().any(|f| f == FINALIZER);
    let id = TenantId::of(&tenant)?;
    if tenant.metadata.deletion_timestamp.is_none() {
        if customers::find(&state.db, &id).await?.is_some() {
            // A customer made before billing took part in deletions gets the finalizer now.
            if !holds {
                state.kube.add_tenant_finalizer(&tenant, FINALIZER).await?;
            }
        } else if customers::awaiting_reinstall(&state.db, &id.name).await? {
            crd_reinstall::adopt(&state, &tenant).await?;
        }
        return Ok(Action::await_change());
    }
    if saascript_crds::tenant_crd::tenant_crd_is_being_deleted(state.kube.client()).await? {
        tracing::warn!(tenant = %id.name, "the Tenant CRD is being deleted: Stripe is left as it is for the tenant's return");
        crd_reinstall::release(&state, &id).await?;
        if holds {
            state
                .kube
                .remove_tenant_finalizer(&tenant, FINALIZER)
                .await?;
        }
        return Ok(Action::await_change());
    }
    // Closed even without billing's finalizer (a Tenant deleted before billing could put a lost
    // one back), for as long as the Tenant is there to be seen.
    match close(&state, &id).await? {
        // The operator holds the deletion (DeletionBlocked); so does billing, until an admin
        // lifts preventDeletion or takes the deletion back.
        Closure::Held => return Ok(Action::await_change()),
        Closure::Closed(canceled) => {
            tracing::info!(tenant = %id.name, ?canceled, "tenant deleted: its Stripe billing is closed");
        }
    }
    if holds {
        state
            .kube
            .remove_tenant_finalizer(&tenant, FINALIZER)
            .await?;
    }
    Ok(Action::await_change())
}

fn error_policy(tenant: Arc<Tenant>, error: &BillingError, _state: Arc<AppState>) -> Action {
    tracing::warn!(tenant = %tenant.name_any(), %error, "closing the tenant's billing failed; retrying");
    Action::requeue(Duration::from_secs(5))
}

/// What `close` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Closure {
    /// The deletion is held (`preventDeletion`, as read under the tenant's lock): nothing done.
    Held,
    /// The subscriptions canceled now (none when there was nothing left to cancel).
    Closed(Vec<String>),
}

/// Closes a deleted tenant's billing, under the tenant's lock (so that a subscription or a
/// Checkout being started right now is made first, and then undone here): its open Checkout
/// Sessions are expired, so that none can start a subscription later, and every subscription
/// Stripe has not canceled is announced as `billing.subscription.deleted` and canceled at once.
pub async fn close(state: &AppState, tenant: &TenantId) -> Result<Closure> {
    let mut tx = state.db.begin().await?;
    lock_tenant(&mut tx, &tenant.name).await?;
    // Read again under the lock: a preventDeletion set since the cache's copy holds it again.
    if let Some(current) = state.kube.tenant(&tenant.name).await?
        && current.metadata.uid.as_deref() == Some(tenant.uid.as_str())
        && !deletion_proceeds(&current)
    {
        return Ok(Closure::Held);
    }
    // Its customer; or, for a tenant back after a CRD reinstall and deleted before it took its
    // customer back, the one that awaited it.
    let customer = match customers::find(&mut *tx, tenant).await? {
        Some(customer) => customer,
        None => match crd_reinstall::give_up_awaiting(&mut tx, &tenant.name).await? {
            Some(customer) => customer,
            None => return Ok(Closure::Closed(Vec::new())),
        },
    };
    let canceled = cancel_customer(state, tenant, &customer).await?;
    tx.commit().await?;
    Ok(Closure::Closed(canceled))
}

/// Stops everything the customer pays for: its open Checkout Sessions expired, so that none can
/// start a subscription later, and every subscription Stripe has not canceled announced as
/// `billing.subscription.deleted` (for `tenant`) and canceled at once. The caller holds the
/// tenant's lock. Returns the subscriptions canceled.
async fn cancel_customer(
    state: &AppState,
    tenant: &TenantId,
    customer: &str,
) -> Result<Vec<String>> {
    expire_checkout_sessions(state, customer).await?;
    let mut canceled = Vec::new();
    for subscription in state.stripe.uncanceled_subscriptions(customer).await? {
        if subscription.is_over() {
            continue;
        }
        announce(state, tenant, customer, &subscription.id).await?;
        match state.stripe.cancel_subscription(&subscription.id).await {
            Ok(_) => canceled.push(subscription.id),
            // Gone already (canceled by another replica, or in the dashboard).
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(canceled)
}

/// Expires the customer's open Checkout Sessions. A provider without Checkout (the local fake)
/// has none to expire.
async fn expire_checkout_sessions(state: &AppState, customer: &str) -> Result<()> {
    let sessions = match state.stripe.open_checkout_sessions(customer).await {
        Ok(sessions) => sessions,
        Err(e) if e.is_not_found() || e.is_not_a_stripe_answer() => return Ok(()),
        Err(e) => return Err(e),
    };
    for session in sessions {
        match state.stripe.expire_checkout_session(&session.id).await {
            // 400: completed or expired in the meantime; what it started is canceled next.
            // Anything else (a rate limit, an outage) fails the closing, which is retried.
            Ok(_) | Err(BillingError::Stripe { status: 400, .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Records the cancellation and its event once, committed before the cancellation is sent: a
/// retry after a crash, a timeout or a failed cancellation announces nothing twice, and the
/// controller retries until the announced cancellation is true.
async fn announce(
    state: &AppState,
    tenant: &TenantId,
    customer: &str,
    subscription_id: &str,
) -> Result<()> {
    let mut tx = state.db.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO tenant_closures (subscription_id, tenant, tenant_uid, stripe_customer_id)
         VALUES ($1, $2, $3, $4) ON CONFLICT (subscription_id) DO NOTHING",
    )
    .bind(subscription_id)
    .bind(&tenant.name)
    .bind(&tenant.uid)
    .bind(customer)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 1 {
        event_outbox::record(
            &mut tx,
            NewEvent {
                source: SOURCE,
                type_: "billing.subscription.deleted",
                tenant: Some(&tenant.name),
                subject: subscription_id,
                data: json!({
                    "subscriptionId": subscription_id,
                    "customerId": customer,
                    "state": "canceled",
                    "reason": "tenant_deleted",
                }),
                time: state.now(),
            },
        )
        .await
        .map_err(|e| BillingError::Internal(e.to_string()))?;
    }
    tx.commit().await?;
    Ok(())
}
