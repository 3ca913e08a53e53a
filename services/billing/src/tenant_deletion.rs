//! Billing's part in deleting a tenant: a deleted tenant stops paying.
//!
//! Billing puts its own finalizer, `billing.saascript.io/stripe`, on a Tenant before it creates
//! the tenant's Stripe customer (so nothing is ever billed to a tenant that could vanish without
//! billing knowing). When the Tenant is deleted, this controller cancels the customer's live
//! subscriptions in Stripe at once, announces each cancellation, and only then releases the
//! finalizer. The operator's own finalizer removes the tenant's resources meanwhile; the Tenant
//! is gone once both are released.
//!
//! It holds back where the operator does: a Tenant with `preventDeletion` keeps its billing
//! (the deletion is blocked, not done), and when the Tenant CRD itself is being deleted (a
//! reinstall, say) the finalizer is released without touching Stripe, the lesson of Capsule
//! #1181 that the operator's cleanup follows too.
//!
//! Every step is idempotent (a canceled subscription is no longer listed as live, and the
//! finalizer patch carries the resourceVersion it read), so billing's replicas may all run it.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::ResourceExt;
use kube::api::Api;
use kube::runtime::controller::{Action, Controller};
use kube::runtime::watcher;
use saascript_common::event_outbox::{self, NewEvent};
use saascript_crds::Tenant;
use serde_json::json;

use crate::AppState;
use crate::customers::{self, TenantId};
use crate::error::{BillingError, Result};
use crate::subscription_sync::{SOURCE, lock_tenant};

/// Billing's finalizer on a Tenant that has a Stripe customer.
pub const FINALIZER: &str = "billing.saascript.io/stripe";

const TENANT_CRD: &str = "tenants.saascript.io";

/// A tenant whose live subscriptions are at most this many is closed in one pass; a pass that
/// finds more goes on until none is left.
const MAX_PASSES: usize = 10;

/// Whether the Tenant is being deleted for real: marked for deletion and not held by
/// `preventDeletion` (a blocked deletion keeps the tenant, and its billing, as they are).
pub fn deletion_proceeds(tenant: &Tenant) -> bool {
    tenant.metadata.deletion_timestamp.is_some() && !tenant.spec.prevent_deletion
}

/// The answer to a billing change for a tenant marked for deletion (409).
pub fn billing_closed(tenant: &str) -> BillingError {
    BillingError::Conflict(format!(
        "tenant {tenant} is being deleted; its billing is closed"
    ))
}

/// Watches the Tenants that `selector` picks (all when unset) until `shutdown` resolves.
pub async fn run(
    state: AppState,
    selector: Option<String>,
    shutdown: impl Future<Output = ()> + Send + Sync + 'static,
) {
    let mut config = watcher::Config::default();
    if let Some(selector) = &selector {
        config = config.labels(selector);
    }
    Controller::new(Api::<Tenant>::all(state.kube.client()), config)
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
        // A customer made before billing took part in deletions gets the finalizer now.
        if !holds && customers::find(&state.db, &id).await?.is_some() {
            state.kube.add_tenant_finalizer(&tenant, FINALIZER).await?;
        }
        return Ok(Action::await_change());
    }
    if !holds {
        return Ok(Action::await_change());
    }
    if crd_is_being_deleted(&state).await? {
        tracing::warn!(tenant = %id.name, "the Tenant CRD is being deleted: Stripe is left as it is");
    } else if tenant.spec.prevent_deletion {
        // The operator holds the deletion (DeletionBlocked); so does billing, until an admin
        // lifts preventDeletion or takes the deletion back.
        return Ok(Action::await_change());
    } else {
        let canceled = close(&state, &id).await?;
        tracing::info!(tenant = %id.name, ?canceled, "tenant deleted: its Stripe subscriptions are canceled");
    }
    state
        .kube
        .remove_tenant_finalizer(&tenant, FINALIZER)
        .await?;
    Ok(Action::await_change())
}

fn error_policy(tenant: Arc<Tenant>, error: &BillingError, _state: Arc<AppState>) -> Action {
    tracing::warn!(tenant = %tenant.name_any(), %error, "closing the tenant's billing failed; retrying");
    Action::requeue(Duration::from_secs(5))
}

/// Cancels, at once, every subscription of the tenant's customer that is not over yet, under the
/// tenant's lock (so a subscription being created right now is made first, then canceled), and
/// records a `billing.subscription.deleted` event for each. Returns the subscriptions canceled.
pub async fn close(state: &AppState, tenant: &TenantId) -> Result<Vec<String>> {
    let mut tx = state.db.begin().await?;
    lock_tenant(&mut tx, &tenant.name).await?;
    let Some(customer) = customers::find(&mut *tx, tenant).await? else {
        return Ok(Vec::new());
    };
    let mut canceled = Vec::new();
    let result = cancel_live(state, &mut tx, tenant, &customer, &mut canceled).await;
    // What was canceled is announced even when a later cancellation failed: a retry no longer
    // finds those subscriptions live.
    tx.commit().await?;
    result.map(|()| canceled)
}

async fn cancel_live(
    state: &AppState,
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    tenant: &TenantId,
    customer: &str,
    canceled: &mut Vec<String>,
) -> Result<()> {
    for _ in 0..MAX_PASSES {
        let live = state.stripe.live_subscriptions(customer).await?;
        let live: Vec<_> = live.into_iter().filter(|s| !s.is_over()).collect();
        if live.is_empty() {
            return Ok(());
        }
        for subscription in live {
            match state.stripe.cancel_subscription(&subscription.id).await {
                Ok(_) => {}
                // Gone already (canceled by another replica, or in the dashboard).
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(e),
            }
            event_outbox::record(
                tx,
                NewEvent {
                    source: SOURCE,
                    type_: "billing.subscription.deleted",
                    tenant: Some(&tenant.name),
                    subject: &subscription.id,
                    data: json!({
                        "subscriptionId": subscription.id,
                        "customerId": customer,
                        "state": "canceled",
                        "reason": "tenant_deleted",
                    }),
                    time: state.now(),
                },
            )
            .await
            .map_err(|e| BillingError::Internal(e.to_string()))?;
            canceled.push(subscription.id);
        }
    }
    Err(BillingError::Internal(format!(
        "tenant {}'s customer {customer} still has live subscriptions after {MAX_PASSES} passes",
        tenant.name
    )))
}

async fn crd_is_being_deleted(state: &AppState) -> Result<bool> {
    let crds = Api::<CustomResourceDefinition>::all(state.kube.client());
    Ok(crds
        .get_opt(TENANT_CRD)
        .await?
        .is_none_or(|crd| crd.metadata.deletion_timestamp.is_some()))
}
