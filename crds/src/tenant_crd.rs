//! The Tenant CRD itself, as the controllers that hold Tenant finalizers see it: when the CRD is
//! being deleted, every Tenant goes with it, and a finalizer must let go without deleting what
//! the Tenant stands for (a reinstall brings the Tenants back; see DESIGN.md).

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::Api;

/// The Tenant CRD's name.
pub const TENANT_CRD: &str = "tenants.saascript.io";

/// Whether the Tenant CRD is gone or on its way out.
pub async fn tenant_crd_is_being_deleted(client: kube::Client) -> Result<bool, kube::Error> {
    let crds: Api<CustomResourceDefinition> = Api::all(client);
    Ok(crds
        .get_opt(TENANT_CRD)
        .await?
        .is_none_or(|crd| crd.metadata.deletion_timestamp.is_some()))
}
