//! The ServiceDeployment CRD: one axum service, scaled by the operator.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::condition::Condition;

/// Which SaaScript service: auth, profiles, billing, projects, tenants or gateway.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum ServiceName {
    Auth,
    Profiles,
    Billing,
    Projects,
    Tenants,
    Gateway,
}

impl ServiceName {
    /// Every service, in the order the platform lists them.
    pub const ALL: [ServiceName; 6] = [
        ServiceName::Auth,
        ServiceName::Profiles,
        ServiceName::Billing,
        ServiceName::Projects,
        ServiceName::Tenants,
        ServiceName::Gateway,
    ];

    /// The name as the CR spells it, and as it appears in paths (`/api/<name>/...`).
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceName::Auth => "auth",
            ServiceName::Profiles => "profiles",
            ServiceName::Billing => "billing",
            ServiceName::Projects => "projects",
            ServiceName::Tenants => "tenants",
            ServiceName::Gateway => "gateway",
        }
    }
}

impl std::fmt::Display for ServiceName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ServiceName {
    type Err = String;

    fn from_str(name: &str) -> Result<ServiceName, String> {
        ServiceName::ALL
            .into_iter()
            .find(|service| service.as_str() == name)
            .ok_or_else(|| format!("no service is called {name:?}"))
    }
}

/// The bounds within which the operator scales the service.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Replicas {
    /// The fewest replicas, from 0 to 100. A suspended tenant's services go to 0 regardless.
    #[schemars(range(min = 0, max = 100))]
    pub min: i32,
    /// The most replicas, from 1 to 100. It must not be below `min`.
    #[schemars(range(min = 1, max = 100))]
    pub max: i32,
}

/// When to add replicas.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Autoscaling {
    /// The average CPU utilisation, in percent of the request, that the autoscaler aims for.
    #[schemars(range(min = 1, max = 100))]
    pub target_cpu_utilization_percentage: i32,
}

/// CPU and memory, as Kubernetes quantities.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ResourceAmounts {
    /// CPU, for example `250m` or `1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(
        r"^(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE][+]?[0-9]+))?$"
    ))]
    pub cpu: Option<String>,
    /// Memory, for example `256Mi`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(
        r"^(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE][+]?[0-9]+))?$"
    ))]
    pub memory: Option<String>,
}

/// Requests and limits of each replica.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ServiceResources {
    /// What each replica is guaranteed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<ResourceAmounts>,
    /// What each replica may use at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<ResourceAmounts>,
}

/// One environment variable of the service's container.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct EnvVar {
    /// The variable's name: letters, digits and `_`, not starting with a digit.
    #[schemars(length(min = 1, max = 256), pattern(r"^[A-Za-z_][A-Za-z0-9_]*$"))]
    pub name: String,
    /// The variable's value. Put secrets in a Secret, not here.
    #[serde(default)]
    #[schemars(length(max = 32768))]
    pub value: String,
}

/// One SaaScript service, its image and how it scales. Shared services live in
/// `saascript-system`; a siloed tenant's live in its own namespace.
#[derive(CustomResource, Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[kube(
    group = "saascript.io",
    version = "v1alpha1",
    kind = "ServiceDeployment",
    plural = "servicedeployments",
    namespaced,
    shortname = "sd",
    category = "saascript",
    status = "ServiceDeploymentStatus",
    derive = "PartialEq",
    doc = "One SaaScript service, its image and how it scales.",
    printcolumn(name = "Service", type_ = "string", json_path = ".spec.service"),
    printcolumn(name = "Ready", type_ = "integer", json_path = ".status.readyReplicas"),
    printcolumn(
        name = "Desired",
        type_ = "integer",
        json_path = ".status.desiredReplicas"
    ),
    printcolumn(name = "Min", type_ = "integer", json_path = ".spec.replicas.min"),
    printcolumn(name = "Max", type_ = "integer", json_path = ".spec.replicas.max")
)]
#[serde(rename_all = "camelCase")]
pub struct ServiceDeploymentSpec {
    /// Which service this is: auth, profiles, billing, projects, tenants or gateway.
    pub service: ServiceName,
    /// The container image, for example `registry.local/saascript/auth:dev`.
    #[schemars(length(min = 1, max = 512), pattern(r"^[^\s]+$"))]
    pub image: String,
    /// The port the service listens on, from 1 to 65535.
    #[schemars(range(min = 1, max = 65535))]
    pub port: i32,
    /// The fewest and the most replicas.
    pub replicas: Replicas,
    /// The autoscaling target. Without it, the service runs `replicas.min` replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<Autoscaling>,
    /// CPU and memory requests and limits of each replica.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ServiceResources>,
    /// Extra environment variables of the service's container.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 100))]
    pub env: Vec<EnvVar>,
    /// A Secret in the same namespace whose keys all become environment variables (a siloed
    /// tenant's credentials). The operator sets it when it stamps a template into a tenant's
    /// namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        length(min = 1, max = 253),
        pattern(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    )]
    pub credentials_secret: Option<String>,
    /// For a shared service in `saascript-system`: how many active pooled tenants one replica
    /// serves. The service then runs at least `ceil(tenants / tenantsPerReplica)` replicas,
    /// within `replicas.min` and `replicas.max`. Without it, the floor is `replicas.min`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1000000))]
    pub tenants_per_replica: Option<i32>,
    /// The ServiceAccount the pods run as (services that read Tenants need one with RBAC to do
    /// so). Without it, the namespace's `default`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        length(min = 1, max = 253),
        pattern(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    )]
    pub service_account_name: Option<String>,
    /// When the node pulls the image: `Always`, `IfNotPresent` (the default) or `Never` (an
    /// image imported into the node's runtime, with no registry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<ImagePullPolicy>,
}

/// When the node pulls the image.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub enum ImagePullPolicy {
    Always,
    IfNotPresent,
    Never,
}

impl ImagePullPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            ImagePullPolicy::Always => "Always",
            ImagePullPolicy::IfNotPresent => "IfNotPresent",
            ImagePullPolicy::Never => "Never",
        }
    }
}

/// How many replicas run, and why.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ServiceDeploymentStatus {
    /// Replicas that are ready to serve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_replicas: Option<i32>,
    /// Replicas that the operator or the autoscaler currently wants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_replicas: Option<i32>,
    /// The `.metadata.generation` that this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// The replicas the operator asks for at least: `replicas.min`, raised by the pooled tenant
    /// count, or 0 while the tenant that owns the service is suspended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor_replicas: Option<i32>,
    /// Where the service answers inside the cluster, `http://<cluster IP>:<port>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Available, Progressing and Degraded, each with a reason and a message.
    #[serde(default)]
    pub conditions: Vec<Condition>,
}

#[cfg(test)]
mod tests {
    use super::ServiceName;

    #[test]
    fn every_service_name_reads_back_as_serde_spells_it() {
        for service in ServiceName::ALL {
            let spelled = serde_json::to_value(service).unwrap();
            assert_eq!(spelled, service.as_str());
            assert_eq!(service.as_str().parse::<ServiceName>(), Ok(service));
        }
        assert!(
            "Auth".parse::<ServiceName>().is_err(),
            "names are lower case"
        );
    }
}
