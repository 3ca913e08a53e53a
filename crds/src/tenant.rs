//! The Tenant CRD: one customer of the SaaS, and everything provisioned for it.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::condition::Condition;
use crate::entitlements::{Entitlements, Quota};

/// How a tenant's data and workloads are separated from other tenants'.
/// `pooled` shares databases, vhosts, topics and tables, separated by tenant id;
/// `siloed` gives the tenant its own database, vhost, topics, table and workloads.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Isolation {
    #[default]
    Pooled,
    Siloed,
}

/// What happens to a tenant's data when the Tenant is deleted.
/// `Delete` removes the database, vhost, topics, table and namespace;
/// `Retain` keeps the data and removes only the credentials.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub enum DeletionPolicy {
    Delete,
    // The default, so that deleting a Tenant by mistake never destroys a customer's data.
    #[default]
    Retain,
}

/// Where a tenant is in its life cycle:
/// Pending, Provisioning, Ready, Suspended, Terminating or Failed.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq, Hash)]
pub enum TenantPhase {
    Pending,
    Provisioning,
    Ready,
    Suspended,
    Terminating,
    Failed,
}

impl TenantPhase {
    /// Every phase, so that a count by phase can show each one, at zero too.
    pub const ALL: [TenantPhase; 6] = [
        TenantPhase::Pending,
        TenantPhase::Provisioning,
        TenantPhase::Ready,
        TenantPhase::Suspended,
        TenantPhase::Terminating,
        TenantPhase::Failed,
    ];
}

#[cfg(test)]
mod phase_tests {
    use super::TenantPhase;

    #[test]
    fn all_lists_every_phase() {
        // Exhaustive on purpose: a new phase does not compile until it is placed here, and
        // then this fails until ALL has it.
        for phase in [
            TenantPhase::Pending,
            TenantPhase::Provisioning,
            TenantPhase::Ready,
            TenantPhase::Suspended,
            TenantPhase::Terminating,
            TenantPhase::Failed,
        ] {
            match phase {
                TenantPhase::Pending
                | TenantPhase::Provisioning
                | TenantPhase::Ready
                | TenantPhase::Suspended
                | TenantPhase::Terminating
                | TenantPhase::Failed => assert!(TenantPhase::ALL.contains(&phase)),
            }
        }
    }
}

fn default_plan() -> String {
    "free".into()
}

/// A tenant of the SaaS: its owners, its plan and how it is isolated. The operator provisions a
/// namespace, a database, a message-queue vhost, Kafka topics, a DynamoDB table and a Redis user
/// for it, and reports their readiness in the status.
#[derive(CustomResource, Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[kube(
    group = "saascript.io",
    version = "v1alpha1",
    kind = "Tenant",
    plural = "tenants",
    shortname = "tnt",
    category = "saascript",
    status = "TenantStatus",
    derive = "PartialEq",
    doc = "A tenant of the SaaS: its owners, its plan and how it is isolated.",
    printcolumn(name = "Plan", type_ = "string", json_path = ".spec.plan"),
    printcolumn(name = "Isolation", type_ = "string", json_path = ".spec.isolation"),
    printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase"),
    printcolumn(
        name = "Ready",
        type_ = "string",
        json_path = ".status.conditions[?(@.type==\"Ready\")].status"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct TenantSpec {
    /// The tenant's name as people see it, for example "Acme Corporation".
    #[schemars(length(min = 1, max = 100))]
    pub display_name: String,
    /// Email addresses of the tenant's owners. They get the tenant-admin role in its namespace.
    #[schemars(
        length(min = 1, max = 20),
        inner(length(max = 254), pattern(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"))
    )]
    pub owners: Vec<String>,
    /// The plan from the plan catalog (for example free, pro or enterprise). This is the single
    /// place where the plan is declared; billing sets it once Stripe confirms a change.
    #[serde(default = "default_plan")]
    #[schemars(length(min = 1, max = 63), pattern(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))]
    pub plan: String,
    /// `pooled` (shared resources, separated by tenant id) or `siloed` (dedicated resources).
    #[serde(default)]
    pub isolation: Isolation,
    /// Overrides of the plan's namespace quota. Fields left out come from the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<Quota>,
    /// `Retain` (the default) keeps the tenant's data when the Tenant is deleted; `Delete`
    /// removes it.
    #[serde(default)]
    pub deletion_policy: DeletionPolicy,
    /// While true, the gateway refuses the tenant's requests and its workloads scale to zero.
    #[serde(default)]
    pub suspended: bool,
    /// While true, deleting the Tenant is blocked, and a condition says so.
    #[serde(default)]
    pub prevent_deletion: bool,
}

/// What the operator last observed and did for this tenant.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TenantStatus {
    /// Pending, Provisioning, Ready, Suspended, Terminating or Failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<TenantPhase>,
    /// The `.metadata.generation` that this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Ready, NamespaceReady, DatabaseReady, QueueReady, TopicsReady, TableReady and CacheReady,
    /// each with a reason and a message.
    #[serde(default)]
    pub conditions: Vec<Condition>,
    /// The tenant's namespace, `tenant-<name>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The Secret in the tenant's namespace that holds its connection details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_secret: Option<String>,
    /// The entitlements in force: those of the plan that is confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entitlements: Option<Entitlements>,
    /// A siloed tenant's own services, stamped into its namespace: where the gateway sends the
    /// tenant's requests for each. Empty for a pooled tenant, whose requests go to the shared
    /// services.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<TenantService>,
}

/// One of a siloed tenant's own services.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TenantService {
    /// Which service: auth, profiles, billing, projects, tenants or gateway.
    pub service: crate::ServiceName,
    /// The Kubernetes Service in the tenant's namespace.
    pub service_name: String,
    /// Its address, `http://<cluster IP>:<port>`, once the Service has one. An address rather
    /// than a DNS name, so that it also works where no cluster DNS runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}
