//! Which version of an API group the server serves, chosen by discovery: `autoscaling/v2` where
//! served, else `v2beta2` (Kubernetes before 1.23); `policy/v1` where served, else `v1beta1`
//! (before 1.21). The objects are built once, in the newest shape, and applied under the served
//! version: the fields the operator sets are the same in both.

use kube::Client;
use kube::discovery::ApiResource;

use crate::{Error, Result};

/// The served versions of the kinds whose version depends on the server.
#[derive(Clone, Debug)]
pub struct ServedVersions {
    pub hpa: ApiResource,
    pub pdb: ApiResource,
}

impl ServedVersions {
    /// Asks the server which versions it serves.
    pub async fn discover(client: &Client) -> Result<ServedVersions> {
        let autoscaling = served_versions(client, "autoscaling").await?;
        let policy = served_versions(client, "policy").await?;
        Ok(ServedVersions {
            hpa: pick(
                &autoscaling,
                "autoscaling",
                &["v2", "v2beta2"],
                "HorizontalPodAutoscaler",
                "horizontalpodautoscalers",
            )?,
            pdb: pick(
                &policy,
                "policy",
                &["v1", "v1beta1"],
                "PodDisruptionBudget",
                "poddisruptionbudgets",
            )?,
        })
    }
}

async fn served_versions(client: &Client, group: &str) -> Result<Vec<String>> {
    let group = kube::discovery::group(client, group).await?;
    Ok(group.versions().map(str::to_string).collect())
}

/// The first of `preferred` that the server serves. Pure, so it is tested on plain lists.
pub fn pick(
    served: &[String],
    group: &str,
    preferred: &[&str],
    kind: &str,
    plural: &str,
) -> Result<ApiResource> {
    let version = preferred
        .iter()
        .find(|v| served.iter().any(|s| s == *v))
        .ok_or_else(|| {
            Error::Config(format!(
                "the API server serves none of {group}/{preferred:?} (it serves {served:?})"
            ))
        })?;
    Ok(ApiResource {
        group: group.to_string(),
        version: version.to_string(),
        api_version: format!("{group}/{version}"),
        kind: kind.to_string(),
        plural: plural.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::pick;

    fn served(versions: &[&str]) -> Vec<String> {
        versions.iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn the_newest_served_version_wins() {
        let current = pick(
            &served(&["v2", "v1"]),
            "autoscaling",
            &["v2", "v2beta2"],
            "HorizontalPodAutoscaler",
            "horizontalpodautoscalers",
        )
        .unwrap();
        assert_eq!(current.api_version, "autoscaling/v2");
        let old = pick(
            &served(&["v1", "v2beta1", "v2beta2"]),
            "autoscaling",
            &["v2", "v2beta2"],
            "HorizontalPodAutoscaler",
            "horizontalpodautoscalers",
        )
        .unwrap();
        assert_eq!(old.api_version, "autoscaling/v2beta2");
    }

    #[test]
    fn a_server_without_any_is_a_clear_error() {
        let error = pick(
            &served(&["v1"]),
            "autoscaling",
            &["v2", "v2beta2"],
            "HorizontalPodAutoscaler",
            "horizontalpodautoscalers",
        )
        .unwrap_err();
        assert!(error.to_string().contains("autoscaling"), "{error}");
    }
}
