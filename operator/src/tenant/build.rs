//! The Kubernetes objects of a tenant's namespace, built from its plan. Pure: no client, no
//! clock, so it is tested on plain values.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    LimitRange, LimitRangeItem, LimitRangeSpec, Namespace, ResourceQuota, ResourceQuotaSpec,
};
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicySpec,
};
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube::api::ObjectMeta;

use saascript_crds::{Subscription, SubscriptionSpec};

use crate::labels::tenant_labels;
use crate::provision::TenantPlan;

pub const ADMIN_ROLE: &str = "tenant-admin";
pub const QUOTA_NAME: &str = "tenant-quota";
pub const LIMIT_RANGE_NAME: &str = "tenant-limits";
pub const NETWORK_POLICY_NAME: &str = "tenant-isolation";

/// Everything in (and including) the tenant's namespace, except the credentials Secret.
#[derive(Clone, Debug, PartialEq)]
pub struct NamespaceObjects {
    pub namespace: Namespace,
    pub quota: ResourceQuota,
    pub limit_range: LimitRange,
    pub network_policy: NetworkPolicy,
    pub role: Role,
    pub role_binding: RoleBinding,
    /// The tenant's Subscription, whose `spec.plan` follows `Tenant.spec.plan` (billing writes
    /// its status).
    pub subscription: Subscription,
}

/// `system_namespace` is the platform's own (the gateway and the shared services): the only
/// namespace allowed into the tenant's.
pub fn build(plan: &TenantPlan, system_namespace: &str) -> NamespaceObjects {
    let namespace = plan.namespace();
    let meta = |name: &str| ObjectMeta {
        name: Some(name.to_string()),
        namespace: Some(namespace.clone()),
        labels: Some(tenant_labels(&plan.tenant)),
        ..Default::default()
    };
    let mut namespace_labels = tenant_labels(&plan.tenant);
    namespace_labels.insert(
        "saascript.io/isolation".into(),
        format!("{:?}", plan.isolation).to_lowercase(),
    );

    NamespaceObjects {
        namespace: Namespace {
            metadata: ObjectMeta {
                name: Some(namespace.clone()),
                labels: Some(namespace_labels),
                ..Default::default()
            },
            ..Default::default()
        },
        quota: ResourceQuota {
            metadata: meta(QUOTA_NAME),
            spec: Some(ResourceQuotaSpec {
                hard: Some(quota_hard(plan)),
                ..Default::default()
            }),
            ..Default::default()
        },
        limit_range: LimitRange {
            metadata: meta(LIMIT_RANGE_NAME),
            spec: Some(LimitRangeSpec {
                // Defaults for containers that name no resources, so that the quota (which
                // demands requests) does not refuse them.
                limits: vec![LimitRangeItem {
                    type_: "Container".into(),
                    default_request: Some(quantities(&[("cpu", "100m"), ("memory", "128Mi")])),
                    default: Some(quantities(&[("cpu", "500m"), ("memory", "512Mi")])),
                    ..Default::default()
                }],
            }),
        },
        network_policy: NetworkPolicy {
            metadata: meta(NETWORK_POLICY_NAME),
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(LabelSelector::default()),
                policy_types: Some(vec!["Ingress".into()]),
                ingress: Some(vec![NetworkPolicyIngressRule {
                    from: Some(vec![
                        // The platform (gateway and services) in its own namespace...
                        NetworkPolicyPeer {
                            namespace_selector: Some(LabelSelector {
                                match_labels: Some(BTreeMap::from([(
                                    "kubernetes.io/metadata.name".to_string(),
                                    system_namespace.to_string(),
                                )])),
                                ..Default::default()
                            }),
                            ..Default::default()
                        },
                        // ...and the tenant's own workloads (a siloed tenant's services call
                        // each other). Every other namespace is refused.
                        NetworkPolicyPeer {
                            pod_selector: Some(LabelSelector::default()),
                            ..Default::default()
                        },
                    ]),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
        },
        role: Role {
            metadata: meta(ADMIN_ROLE),
            // Owners see their namespace; changes go through SaaScript, and the credentials
            // Secret stays with the workloads.
            rules: Some(vec![
                rule(
                    "",
                    &[
                        "pods",
                        "pods/log",
                        "services",
                        "configmaps",
                        "events",
                        "resourcequotas",
                        "limitranges",
                    ],
                ),
                rule("apps", &["deployments", "replicasets"]),
                rule("saascript.io", &["subscriptions", "servicedeployments"]),
            ]),
        },
        role_binding: RoleBinding {
            metadata: meta(ADMIN_ROLE),
            role_ref: RoleRef {
                api_group: Some("rbac.authorization.k8s.io".into()),
                kind: "Role".into(),
                name: ADMIN_ROLE.into(),
            },
            subjects: Some(
                plan.owners
                    .iter()
                    .map(|owner| Subject {
                        api_group: Some("rbac.authorization.k8s.io".into()),
                        kind: "User".into(),
                        name: owner.clone(),
                        namespace: None,
                    })
                    .collect(),
            ),
        },
        subscription: Subscription {
            metadata: with_tenant_labels(meta(&plan.tenant), plan),
            spec: SubscriptionSpec {
                tenant: plan.tenant.clone(),
                plan: plan.declared_plan.clone(),
            },
            status: None,
        },
    }
}

/// The Subscription carries its Tenant's labels as well as the operator's, so that the same
/// label selector picks a Tenant and its Subscription.
fn with_tenant_labels(mut metadata: ObjectMeta, plan: &TenantPlan) -> ObjectMeta {
    let labels = metadata.labels.get_or_insert_with(Default::default);
    for (key, value) in &plan.labels {
        labels.entry(key.clone()).or_insert_with(|| value.clone());
    }
    metadata
}

fn quota_hard(plan: &TenantPlan) -> BTreeMap<String, Quantity> {
    let quota = &plan.entitlements.quota;
    let mut hard = BTreeMap::new();
    if let Some(cpu) = &quota.cpu {
        hard.insert("requests.cpu".to_string(), Quantity(cpu.clone()));
        hard.insert("limits.cpu".to_string(), Quantity(cpu.clone()));
    }
    if let Some(memory) = &quota.memory {
        hard.insert("requests.memory".to_string(), Quantity(memory.clone()));
        hard.insert("limits.memory".to_string(), Quantity(memory.clone()));
    }
    if let Some(storage) = &quota.storage {
        hard.insert("requests.storage".to_string(), Quantity(storage.clone()));
    }
    if let Some(pods) = quota.pods {
        hard.insert("pods".to_string(), Quantity(pods.to_string()));
    }
    hard
}

fn quantities(pairs: &[(&str, &str)]) -> BTreeMap<String, Quantity> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Quantity(v.to_string())))
        .collect()
}

fn rule(group: &str, resources: &[&str]) -> PolicyRule {
    PolicyRule {
        api_groups: Some(vec![group.to_string()]),
        resources: Some(resources.iter().map(|r| r.to_string()).collect()),
        verbs: vec!["get".into(), "list".into(), "watch".into()],
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provision::plan::tests::plan;
    use saascript_crds::Isolation;

    #[test]
    fn everything_lives_in_the_tenant_namespace_with_the_tenant_labels() {
        let objects = build(&plan("acme", Isolation::Pooled), "saascript-system");
        assert_eq!(
            objects.namespace.metadata.name.as_deref(),
            Some("tenant-acme")
        );
        let labels = objects.namespace.metadata.labels.as_ref().unwrap();
        assert_eq!(labels["app.kubernetes.io/managed-by"], "saascript-operator");
        assert_eq!(labels["saascript.io/tenant"], "acme");
        assert_eq!(labels["saascript.io/isolation"], "pooled");
        for meta in [
            &objects.quota.metadata,
            &objects.limit_range.metadata,
            &objects.network_policy.metadata,
            &objects.role.metadata,
            &objects.role_binding.metadata,
        ] {
            assert_eq!(meta.namespace.as_deref(), Some("tenant-acme"));
            assert_eq!(meta.labels.as_ref().unwrap()["saascript.io/tenant"], "acme");
        }
    }

    #[test]
    fn the_quota_comes_from_the_entitlements() {
        let objects = build(&plan("acme", Isolation::Pooled), "saascript-system");
        let hard = objects.quota.spec.unwrap().hard.unwrap();
        assert_eq!(hard["requests.cpu"], Quantity("8".into()));
        assert_eq!(hard["limits.memory"], Quantity("16Gi".into()));
        assert_eq!(hard["requests.storage"], Quantity("50Gi".into()));
        assert_eq!(hard["pods"], Quantity("50".into()));
    }

    #[test]
    fn ingress_is_allowed_only_from_the_system_namespace_and_the_tenant_itself() {
        let policy = build(&plan("acme", Isolation::Siloed), "saascript-system")
            .network_policy
            .spec
            .unwrap();
        assert_eq!(policy.policy_types.unwrap(), ["Ingress"]);
        let peers = policy.ingress.unwrap()[0].from.clone().unwrap();
        assert_eq!(peers.len(), 2);
        let system = peers[0]
            .namespace_selector
            .clone()
            .unwrap()
            .match_labels
            .unwrap();
        assert_eq!(system["kubernetes.io/metadata.name"], "saascript-system");
        assert!(
            peers[1].namespace_selector.is_none(),
            "the second peer is this namespace's pods"
        );
    }

    #[test]
    fn the_subscription_follows_the_declared_plan() {
        let subscription = build(&plan("acme", Isolation::Pooled), "saascript-system").subscription;
        assert_eq!(subscription.metadata.name.as_deref(), Some("acme"));
        assert_eq!(
            subscription.metadata.namespace.as_deref(),
            Some("tenant-acme")
        );
        assert_eq!(subscription.spec.plan, "pro");
        assert_eq!(subscription.spec.tenant, "acme");
        assert!(
            subscription.status.is_none(),
            "the operator never writes billing's status"
        );
    }

    #[test]
    fn every_owner_is_bound_to_the_admin_role() {
        let mut p = plan("acme", Isolation::Pooled);
        p.owners = vec!["a@acme.example".into(), "b@acme.example".into()];
        let binding = build(&p, "saascript-system").role_binding;
        let names: Vec<_> = binding
            .subjects
            .unwrap()
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, ["a@acme.example", "b@acme.example"]);
        assert_eq!(binding.role_ref.name, "tenant-admin");
    }
}
