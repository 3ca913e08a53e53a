//! What a plan entitles a tenant to. The plan catalog (operator issue) fills these in; the
//! operator copies the ones in force onto the Tenant, and the gateway and services read them there.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::tenant::Isolation;

/// A non-negative Kubernetes quantity, such as `500m`, `2`, `4Gi` or `10G`.
pub const QUANTITY_PATTERN: &str =
    r"^(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE][+]?[0-9]+))?$";

/// Compute and storage limits for a tenant's namespace. Every field is optional, so that a
/// Tenant can override only what it needs to and take the rest from its plan.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Quota {
    /// Total CPU that the tenant's namespace may request, as a Kubernetes quantity (`4`, `500m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(
        r"^(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE][+]?[0-9]+))?$"
    ))]
    pub cpu: Option<String>,
    /// Total memory that the tenant's namespace may request, as a Kubernetes quantity (`8Gi`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(
        r"^(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE][+]?[0-9]+))?$"
    ))]
    pub memory: Option<String>,
    /// Total persistent storage that the tenant's namespace may claim (`20Gi`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(
        r"^(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE][+]?[0-9]+))?$"
    ))]
    pub storage: Option<String>,
    /// Maximum number of pods in the tenant's namespace, from 0 to 1000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 1000))]
    pub pods: Option<i32>,
}

/// The limits and features in force for a tenant, taken from its plan in the catalog.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Entitlements {
    /// The plan these entitlements come from.
    #[schemars(length(min = 1, max = 63), pattern(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))]
    pub plan: String,
    /// The namespace quota: CPU, memory, storage and pods.
    pub quota: Quota,
    /// Maximum number of projects the tenant may create.
    #[schemars(range(min = 0, max = 1000000))]
    pub max_projects: i32,
    /// Maximum number of members (users) in the tenant.
    #[schemars(range(min = 1, max = 1000000))]
    pub max_members: i32,
    /// Sustained API requests per second that the gateway allows the tenant.
    #[schemars(range(min = 1, max = 1000000))]
    pub requests_per_second: i32,
    /// Whether the plan runs the tenant on shared (`pooled`) or dedicated (`siloed`) resources.
    pub isolation: Isolation,
}

#[cfg(test)]
mod tests {
    use super::QUANTITY_PATTERN;

    // The schema attribute repeats the pattern literally (schemars needs a literal); this keeps
    // the two from drifting apart.
    #[test]
    fn schema_pattern_matches_the_constant() {
        let schema = schemars::schema_for!(super::Quota);
        let json = serde_json::to_value(&schema).unwrap();
        for field in ["cpu", "memory", "storage"] {
            assert_eq!(
                json["properties"][field]["pattern"], QUANTITY_PATTERN,
                "{field}"
            );
        }
    }
}
