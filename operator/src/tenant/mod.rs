//! The Tenant controller: watches Tenants (and the namespaces it made for them) and runs
//! validate → build → apply → status for each, with the cleanup finalizer.

pub mod build;
pub mod cleanup;
pub mod reconcile;
pub mod services;
pub mod status;
pub mod status_writer;
pub mod validate;

use std::future::Future;
use std::sync::Arc;

use k8s_openapi::api::core::v1::Namespace;
use kube::ResourceExt;
use kube::api::Api;
use kube::runtime::controller::{Action, Controller};
use kube::runtime::finalizer::Event;
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher;
use saascript_crds::condition_types::TEMPLATE_LABEL;
use saascript_crds::{Isolation, ServiceDeployment, Tenant};

use crate::Result;
use crate::applier::{finalized, run_controller};
use crate::context::Context;
use crate::labels::{TENANT_LABEL, managed_selector};
use crate::metrics::ControllerKind;

/// Holds a Tenant until its resources are removed (or deliberately kept).
pub const FINALIZER: &str = "saascript.io/tenant-cleanup";

/// Runs the controller until `shutdown` resolves; reconciles in flight finish first.
pub async fn run(ctx: Arc<Context>, shutdown: impl Future<Output = ()> + Send + Sync + 'static) {
    let client = ctx.client.clone();
    let mut tenants = watcher::Config::default();
    if let Some(selector) = &ctx.config.tenant_selector {
        tenants = tenants.labels(selector);
    }
    let selected = tenants.clone();
    let controller = Controller::new(Api::<Tenant>::all(client.clone()), tenants);
    let store = controller.store();
    ctx.metrics.count_phases_from(store.clone());
    let system_namespace = ctx.config.system_namespace.clone();
    let controller = controller
        // A namespace the operator made, changed or deleted by someone else, is put back.
        .watches(
            Api::<Namespace>::all(client.clone()),
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
            Api::<saascript_crds::Subscription>::all(client.clone()),
            selected.clone(),
            |subscription| Some(ObjectRef::new(&subscription.spec.tenant)),
        )
        // A siloed tenant's own services: its stamped copies (their addresses go into its
        // status), and the templates they are stamped from (a changed template is stamped
        // again into every siloed tenant).
        .watches(
            Api::<ServiceDeployment>::all(client),
            selected,
            move |sd| -> Vec<ObjectRef<Tenant>> {
                if let Some(tenant) = sd.labels().get(TENANT_LABEL) {
                    return vec![ObjectRef::new(tenant)];
                }
                let template = sd.labels().get(TEMPLATE_LABEL).map(String::as_str) == Some("true");
                if !template || sd.namespace().as_deref() != Some(system_namespace.as_str()) {
                    return vec![];
                }
                store
                    .state()
                    .iter()
                    .filter(|t| t.spec.isolation == Isolation::Siloed)
                    .map(|t| ObjectRef::from_obj(t.as_ref()))
                    .collect()
            },
        );
    run_controller(controller, ControllerKind::Tenant, ctx, shutdown, reconcile).await;
}

/// One reconcile of one Tenant.
pub async fn reconcile(tenant: Arc<Tenant>, ctx: Arc<Context>) -> Result<Action> {
    let api: Api<Tenant> = Api::all(ctx.client.clone());
    finalized(&api, FINALIZER, tenant, |event| async {
        match event {
            Event::Apply(tenant) => reconcile::apply(tenant, &ctx).await,
            Event::Cleanup(tenant) => cleanup::cleanup(tenant, &ctx).await,
        }
    })
    .await
}
