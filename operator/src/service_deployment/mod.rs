//! The ServiceDeployment controller: runs each SaaScript service as a Deployment with a Service,
//! an HPA and a PodDisruptionBudget, scaled by the tenants (`scaling.rs`):
//! validate → build (pure) → apply (the shared applier) → status, written once at the end.
//!
//! It watches ServiceDeployments, the objects it owns, and the Tenants: a change in the pooled
//! tenant count rescales the shared services, and a suspension parks a tenant's own at zero.

pub mod build;
pub mod reconcile;
pub mod scaling;
pub mod status;
pub mod validate;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Service;
use kube::api::{Api, DynamicObject};
use kube::runtime::controller::Controller;
use kube::runtime::reflector::{self, Store, reflector};
use kube::runtime::{WatchStreamExt, watcher};
use saascript_crds::{ServiceDeployment, Tenant};

use crate::applier::run_controller;
use crate::applier::served::ServedVersions;
use crate::context::Context;
use crate::labels::managed_selector;
use crate::metrics::ControllerKind;

/// What the controller knows besides the shared context.
pub struct Cluster {
    /// Every Tenant the operator reconciles (its selector applies), for the pooled count and
    /// suspensions.
    pub tenants: Store<Tenant>,
    /// The HPA and PDB versions the server serves.
    pub served: ServedVersions,
}

/// Runs the controller until `shutdown` resolves.
pub async fn run(ctx: Arc<Context>, shutdown: impl Future<Output = ()> + Send + Sync + 'static) {
    let shutdown = futures::FutureExt::shared(Box::pin(shutdown));
    let served = tokio::select! {
        served = discover(&ctx) => served,
        _ = shutdown.clone() => return,
    };
    let client = ctx.client.clone();
    let mut selected = watcher::Config::default();
    if let Some(selector) = &ctx.config.tenant_selector {
        selected = selected.labels(selector);
    }
    let (tenants, writer) = reflector::store();
    let tenant_events = reflector(
        writer,
        watcher(Api::<Tenant>::all(client.clone()), selected.clone()),
    )
    .default_backoff()
    .map(|_| ());
    let owned = watcher::Config::default().labels(&managed_selector());
    let controller = Controller::new(Api::<ServiceDeployment>::all(client.clone()), selected)
        .owns(Api::<Deployment>::all(client.clone()), owned.clone())
        .owns(Api::<Service>::all(client.clone()), owned.clone())
        .owns_with(
            Api::<DynamicObject>::all_with(client.clone(), &served.hpa),
            served.hpa.clone(),
            owned.clone(),
        )
        .owns_with(
            Api::<DynamicObject>::all_with(client.clone(), &served.pdb),
            served.pdb.clone(),
            owned,
        )
        // Any Tenant's change may move the pooled count or a suspension: every
        // ServiceDeployment is looked at again (a steady one sends no write).
        .reconcile_all_on(tenant_events);
    let cluster = Arc::new(Cluster { tenants, served });
    run_controller(
        controller,
        ControllerKind::ServiceDeployment,
        ctx,
        shutdown,
        move |sd, ctx| {
            let cluster = cluster.clone();
            async move { reconcile::reconcile(sd, ctx, cluster).await }
        },
    )
    .await;
}

/// Asks the server which HPA and PDB versions it serves, until it answers.
async fn discover(ctx: &Context) -> ServedVersions {
    loop {
        match ServedVersions::discover(&ctx.client).await {
            Ok(served) => {
                tracing::info!(hpa = %served.hpa.api_version, pdb = %served.pdb.api_version, "served versions");
                return served;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot discover the HPA and PDB versions; retrying");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}
