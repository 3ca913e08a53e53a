//! The Tenant controller: watches Tenants (and the namespaces it made for them) and runs
//! validate → build → apply → status for each, with the cleanup finalizer.

pub mod apply;
pub mod build;
pub mod cleanup;
pub mod reconcile;
pub mod status;
pub mod status_writer;
pub mod validate;

use std::future::Future;
use std::sync::Arc;

use futures::StreamExt;
use k8s_openapi::api::core::v1::Namespace;
use kube::ResourceExt;
use kube::api::Api;
use kube::runtime::controller::{self, Action, Controller};
use kube::runtime::finalizer::{Event, finalizer};
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher;
use saascript_crds::Tenant;
use tracing::Instrument;

use crate::context::Context;
use crate::labels::{TENANT_LABEL, managed_selector};
use crate::{Error, Result};

/// Holds a Tenant until its resources are removed (or deliberately kept).
pub const FINALIZER: &str = "saascript.io/tenant-cleanup";

/// Runs the controller until `shutdown` resolves; reconciles in flight finish first.
pub async fn run(ctx: Arc<Context>, shutdown: impl Future<Output = ()> + Send + Sync + 'static) {
    let client = ctx.client.clone();
    let mut tenants = watcher::Config::default();
    if let Some(selector) = &ctx.config.tenant_selector {
        tenants = tenants.labels(selector);
    }
    let subscriptions = tenants.clone();
    let controller = Controller::new(Api::<Tenant>::all(client.clone()), tenants);
    ctx.metrics.count_phases_from(controller.store());
    controller
        // A namespace the operator made, changed or deleted by someone else, is put back.
        .watches(
            Api::<Namespace>::all(client),
            watcher::Config::default().labels(&managed_selector()),
            |namespace| {
                namespace
                    .labels()
                    .get(TENANT_LABEL)
                    .map(|tenant| ObjectRef::new(tenant))
            },
        )
        // The Subscription's status carries the entitlements in force and any suspension for
        // payment; a change there is carried onto the Tenant.
        .watches(
            Api::<saascript_crds::Subscription>::all(ctx.client.clone()),
            subscriptions,
            |subscription| Some(ObjectRef::new(&subscription.spec.tenant)),
        )
        .with_config(controller::Config::default().concurrency(ctx.config.concurrency))
        .graceful_shutdown_on(shutdown)
        .run(reconcile, error_policy, ctx)
        .for_each(|result| async move {
            if let Err(error) = result {
                tracing::debug!(%error, "reconcile failed");
            }
        })
        .await;
}

/// One reconcile of one Tenant.
pub async fn reconcile(tenant: Arc<Tenant>, ctx: Arc<Context>) -> Result<Action> {
    let _timer = ctx.metrics.reconcile_started();
    let name = tenant.name_any();
    let api: Api<Tenant> = Api::all(ctx.client.clone());
    let result = finalizer(&api, FINALIZER, tenant, |event| async {
        match event {
            Event::Apply(tenant) => reconcile::apply(tenant, &ctx).await,
            Event::Cleanup(tenant) => cleanup::cleanup(tenant, &ctx).await,
        }
    })
    .instrument(tracing::info_span!("reconcile", tenant = %name))
    .await
    .map_err(|e| match e {
        kube::runtime::finalizer::Error::ApplyFailed(e)
        | kube::runtime::finalizer::Error::CleanupFailed(e) => e,
        other => Error::Finalizer(other.to_string()),
    });
    if result.is_ok() {
        ctx.backoff.succeeded(&name);
    }
    result
}

/// Logs, counts and requeues a failed reconcile with per-tenant exponential back-off.
pub fn error_policy(tenant: Arc<Tenant>, error: &Error, ctx: Arc<Context>) -> Action {
    ctx.metrics.reconcile_failed(error);
    let name = tenant.name_any();
    match error {
        Error::NotReady(_) | Error::DeletionBlocked => {
            tracing::info!(tenant = %name, %error, "not done yet")
        }
        _ => tracing::warn!(tenant = %name, %error, "reconcile failed"),
    }
    Action::requeue(ctx.backoff.failed(&name))
}
