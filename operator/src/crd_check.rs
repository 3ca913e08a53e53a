//! At start-up the operator checks that its CRDs are installed, so that a missing CRD is one
//! clear message instead of a watch that fails forever.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::Api;

use crate::{Error, Result};

/// The CRDs the operator watches.
pub const REQUIRED_CRDS: [&str; 3] = [
    "tenants.saascript.io",
    "subscriptions.saascript.io",
    "servicedeployments.saascript.io",
];

/// Fails with `Error::CrdMissing` naming the first CRD that is not installed.
pub async fn ensure_crds_installed(client: &kube::Client) -> Result<()> {
    let api: Api<CustomResourceDefinition> = Api::all(client.clone());
    for name in REQUIRED_CRDS {
        if api.get_opt(name).await?.is_none() {
            return Err(Error::CrdMissing(name.to_string()));
        }
    }
    Ok(())
}
