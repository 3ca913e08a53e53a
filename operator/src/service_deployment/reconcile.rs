//! One reconcile of one ServiceDeployment: validate → build → apply → status.

use std::sync::Arc;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Service;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::discovery::ApiResource;
use kube::runtime::controller::Action;
use kube::runtime::events::EventType;
use kube::runtime::reflector::{ObjectRef, Store};
use kube::{Resource, ResourceExt};
use saascript_crds::condition_types::{AVAILABLE, DEGRADED, TEMPLATE_LABEL};
use saascript_crds::{
    ConditionStatus, ServiceDeployment, ServiceDeploymentStatus, Tenant, find_condition,
};
use serde::Serialize;
use serde_json::json;

use super::Cluster;
use super::build::{build, owned_labels};
use super::scaling::{Role, floor_replicas, is_active_pooled, is_suspended};
use super::status::{Observation, status};
use super::validate::validate;
use crate::applier::OwnedResources;
use crate::context::Context;
use crate::events::record;
use crate::labels::{FIELD_MANAGER, TENANT_LABEL};
use crate::{Error, Result};

/// The field manager that lifts a parked Deployment off zero under an HPA (an HPA never scales a
/// target up from zero). Apart from the applier's, so that the applier never owns the replicas
/// while an HPA exists.
const UNPARK_MANAGER: &str = "saascript-operator-unpark";

pub async fn reconcile(
    sd: Arc<ServiceDeployment>,
    ctx: Arc<Context>,
    cluster: Arc<Cluster>,
) -> Result<Action> {
    // Before the first list of Tenants, every count would read zero and scale the shared
    // services down: wait for it.
    cluster
        .tenants
        .wait_until_ready()
        .await
        .map_err(|e| Error::NotReady(format!("the Tenant cache: {e}")))?;
    let now = crate::clock::now_time(&ctx.clock);
    let generation = sd.metadata.generation;
    let namespace = sd.namespace().ok_or(Error::MissingName)?;
    let role = role_of(&sd, &ctx.config.system_namespace, &cluster.tenants);
    let client = &ctx.client;
    let hpas =
        Api::<DynamicObject>::namespaced_with(client.clone(), &namespace, &cluster.served.hpa);
    let pdbs =
        Api::<DynamicObject>::namespaced_with(client.clone(), &namespace, &cluster.served.pdb);
    let mut owned = OwnedResources::owned_by(sd.as_ref(), owned_labels(&sd))?;

    let next = match validate(&sd) {
        Err(invalid) => status(
            sd.status.as_ref(),
            generation,
            &Observation::Invalid(&invalid),
            &now,
        ),
        Ok(()) if role == Role::Template => {
            // A ServiceDeployment turned into a template stops running here.
            let deployments = Api::<Deployment>::namespaced(client.clone(), &namespace);
            let services = Api::<Service>::namespaced(client.clone(), &namespace);
            owned.delete_orphans(&deployments).await?;
            owned.delete_orphans(&services).await?;
            owned.delete_orphans(&hpas).await?;
            owned.delete_orphans(&pdbs).await?;
            status(sd.status.as_ref(), generation, &Observation::Template, &now)
        }
        Ok(()) => {
            let active_pooled = cluster
                .tenants
                .state()
                .iter()
                .filter(|t| is_active_pooled(t))
                .count();
            let floor = floor_replicas(&sd.spec, &role, active_pooled);
            let desired = build(&sd, floor);
            let deployments = Api::<Deployment>::namespaced(client.clone(), &namespace);
            let mut deployment = owned.apply(&deployments, desired.deployment).await?.object;
            let service = owned
                .apply(
                    &Api::<Service>::namespaced(client.clone(), &namespace),
                    desired.service,
                )
                .await?
                .object;
            if let Some(hpa) = &desired.hpa {
                owned
                    .apply(&hpas, as_served(hpa, &cluster.served.hpa)?)
                    .await?;
                deployment = unpark(&deployments, deployment, floor).await?;
            }
            if let Some(pdb) = &desired.pdb {
                owned
                    .apply(&pdbs, as_served(pdb, &cluster.served.pdb)?)
                    .await?;
            }
            // A parked service, or autoscaling switched off, leaves an HPA or a PDB behind.
            owned.delete_orphans(&hpas).await?;
            owned.delete_orphans(&pdbs).await?;
            status(
                sd.status.as_ref(),
                generation,
                &Observation::Running {
                    deployment: &deployment,
                    service: &service,
                    floor,
                    suspended: role.suspended(),
                },
                &now,
            )
        }
    };
    write_status(&ctx, &sd, &namespace, next).await?;
    Ok(Action::requeue(ctx.config.resync()))
}

/// What `sd` is, by where it lives and its labels.
pub fn role_of(sd: &ServiceDeployment, system_namespace: &str, tenants: &Store<Tenant>) -> Role {
    let in_system = sd.namespace().as_deref() == Some(system_namespace);
    if in_system && sd.labels().get(TEMPLATE_LABEL).map(String::as_str) == Some("true") {
        return Role::Template;
    }
    if in_system {
        return Role::Shared;
    }
    match sd.labels().get(TENANT_LABEL) {
        Some(tenant) => Role::TenantOwn {
            tenant: tenant.clone(),
            suspended: tenants
                .get(&ObjectRef::new(tenant))
                .is_some_and(|t| is_suspended(&t)),
        },
        None => Role::Standalone,
    }
}

/// `object` (built as the newest version) as the version the server serves.
fn as_served<K: Serialize>(object: &K, served: &ApiResource) -> Result<DynamicObject> {
    let mut value = serde_json::to_value(object)?;
    value["apiVersion"] = json!(served.api_version);
    value["kind"] = json!(served.kind);
    Ok(serde_json::from_value(value)?)
}

/// Lifts a Deployment parked at zero to `floor` through its scale subresource: an HPA leaves a
/// target at zero alone, so lifting a suspension would otherwise never bring the pods back.
async fn unpark(api: &Api<Deployment>, deployment: Deployment, floor: i32) -> Result<Deployment> {
    let parked = deployment.spec.replicas == Some(0);
    if !parked || floor == 0 {
        return Ok(deployment);
    }
    let name = deployment.name_any();
    api.patch_scale(
        &name,
        &PatchParams {
            field_manager: Some(UNPARK_MANAGER.into()),
            ..Default::default()
        },
        &Patch::Merge(json!({ "spec": { "replicas": floor } })),
    )
    .await?;
    Ok(api.get(&name).await?)
}

/// Writes the status when it changed, and records an Event when Available or Degraded turns.
async fn write_status(
    ctx: &Context,
    sd: &ServiceDeployment,
    namespace: &str,
    next: ServiceDeploymentStatus,
) -> Result<()> {
    if sd.status.as_ref() == Some(&next) {
        return Ok(());
    }
    let patch = json!({
        "apiVersion": ServiceDeployment::api_version(&()),
        "kind": ServiceDeployment::kind(&()),
        "status": next,
    });
    Api::<ServiceDeployment>::namespaced(ctx.client.clone(), namespace)
        .patch_status(
            &sd.name_any(),
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(&patch),
        )
        .await?;
    let previous = sd
        .status
        .as_ref()
        .map(|s| s.conditions.as_slice())
        .unwrap_or_default();
    for type_ in [AVAILABLE, DEGRADED] {
        let (Some(after), before) = (
            find_condition(&next.conditions, type_),
            find_condition(previous, type_),
        ) else {
            continue;
        };
        if before.map(|c| (&c.status, &c.reason)) == Some((&after.status, &after.reason)) {
            continue;
        }
        let bad = (type_ == AVAILABLE) == (after.status == ConditionStatus::False);
        let kind = if bad {
            EventType::Warning
        } else {
            EventType::Normal
        };
        record(
            ctx,
            sd,
            kind,
            &after.reason,
            type_,
            &format!("{type_}: {}", after.message),
        )
        .await;
    }
    Ok(())
}
