//! Tenants in tests: manifests tied to a test run, and waiting on their status.

use std::time::Duration;

use kube::api::{Api, DeleteParams, Patch, PatchParams};
use saascript_crds::{Tenant, TenantPhase, find_condition};
use serde_json::json;

use crate::operator::TEST_RUN_LABEL;
use crate::wait;

/// How long provisioning or deletion may take in a test.
pub const PROVISIONING: Duration = Duration::from_secs(60);

/// A Tenant for the operator of test run `run`: one owner, `owner@<name>.example`.
pub fn tenant_manifest(name: &str, run: &str, isolation: &str, plan: &str, policy: &str) -> Tenant {
    serde_json::from_value(json!({
        "apiVersion": "saascript.io/v1alpha1",
        "kind": "Tenant",
        "metadata": { "name": name, "labels": { TEST_RUN_LABEL: run } },
        "spec": {
            "displayName": format!("Tenant {name}"),
            "owners": [format!("owner@{name}.example")],
            "plan": plan,
            "isolation": isolation,
            "deletionPolicy": policy,
        },
    }))
    .expect("a valid Tenant manifest")
}

/// Waits until the Tenant's Ready condition is True.
pub async fn wait_ready(api: &Api<Tenant>, name: &str) -> Tenant {
    wait::until(
        PROVISIONING,
        &format!("tenant {name} to be Ready"),
        || async {
            let t = api.get(name).await.ok()?;
            let ready = t
                .status
                .as_ref()
                .and_then(|s| find_condition(&s.conditions, "Ready"))?;
            ready.is_true().then_some(t)
        },
    )
    .await
}

/// Waits until the Tenant is in `phase`.
pub async fn wait_phase(api: &Api<Tenant>, name: &str, phase: TenantPhase) -> Tenant {
    wait::until(
        PROVISIONING,
        &format!("tenant {name} to be {phase:?}"),
        || async {
            let t = api.get(name).await.ok()?;
            (t.status.as_ref()?.phase == Some(phase)).then_some(t)
        },
    )
    .await
}

/// Waits until the Tenant no longer exists (its finalizer has run).
pub async fn wait_gone(api: &Api<Tenant>, name: &str) {
    wait::until(
        PROVISIONING,
        &format!("tenant {name} to be gone"),
        || async { matches!(api.get_opt(name).await, Ok(None)).then_some(()) },
    )
    .await;
}

/// Deletes the Tenant and waits until it is gone.
pub async fn delete_and_wait(api: &Api<Tenant>, name: &str) {
    let _ = api.delete(name, &DeleteParams::default()).await;
    wait_gone(api, name).await;
}

/// Creates the Tenant, failing the test if the API server refuses it.
pub async fn create_tenant(api: &Api<Tenant>, tenant: &Tenant) {
    api.create(&kube::api::PostParams::default(), tenant)
        .await
        .unwrap_or_else(|e| panic!("creating tenant {:?}: {e}", tenant.metadata.name));
}

/// Creates a namespace.
pub async fn create_namespace(client: &kube::Client, name: &str) {
    Api::<k8s_openapi::api::core::v1::Namespace>::all(client.clone())
        .create(
            &kube::api::PostParams::default(),
            &serde_json::from_value(json!({ "metadata": { "name": name } }))
                .expect("a Namespace manifest"),
        )
        .await
        .unwrap_or_else(|e| panic!("creating namespace {name}: {e}"));
}

/// The tenant's namespace and Subscription as the operator makes them, for a test that runs no
/// operator for the tenant.
pub async fn create_namespace_and_subscription(client: &kube::Client, tenant: &str, plan: &str) {
    let namespace = saascript_crds::names::tenant_namespace(tenant);
    create_namespace(client, &namespace).await;
    Api::<saascript_crds::Subscription>::namespaced(client.clone(), &namespace)
        .create(
            &kube::api::PostParams::default(),
            &serde_json::from_value(json!({
                "apiVersion": "saascript.io/v1alpha1", "kind": "Subscription",
                "metadata": { "name": tenant },
                "spec": { "tenant": tenant, "plan": plan },
            }))
            .expect("a Subscription manifest"),
        )
        .await
        .unwrap_or_else(|e| panic!("creating the Subscription of {tenant}: {e}"));
}

/// Writes `status.entitlements` on a Tenant that no operator runs for, as the operator would:
/// the test kit's one shape of entitlements, with `max_members` members.
pub async fn write_entitlements(api: &Api<Tenant>, name: &str, max_members: i32) {
    let mut entitlements = crate::projects_fixture::entitlements("pooled", 3);
    entitlements["maxMembers"] = json!(max_members);
    api.patch_status(
        name,
        &kube::api::PatchParams::default(),
        &kube::api::Patch::Merge(&json!({ "status": { "entitlements": entitlements } })),
    )
    .await
    .unwrap_or_else(|e| panic!("write the entitlements of {name}: {e}"));
}

/// Sets `spec.suspended`, as an admin would with `kubectl patch`.
pub async fn set_suspended(api: &Api<Tenant>, name: &str, suspended: bool) {
    api.patch(
        name,
        &PatchParams::default(),
        &Patch::Merge(json!({ "spec": { "suspended": suspended } })),
    )
    .await
    .unwrap_or_else(|e| panic!("setting spec.suspended={suspended} on tenant {name}: {e}"));
}
