//! Installs the CRDs on the local API server, idempotently, and waits until they are served.

use std::time::Duration;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, Patch, PatchParams};

/// The field manager the tests apply with.
pub const FIELD_MANAGER: &str = "saascript-tests";

/// Applies every SaaScript CRD with server-side apply (so running it again changes nothing),
/// then waits for each to be Established.
pub async fn install_crds(client: &kube::Client) {
    let api: Api<CustomResourceDefinition> = Api::all(client.clone());
    for (_, crd) in saascript_crds::manifests::all() {
        let name = crd
            .metadata
            .name
            .clone()
            .expect("a generated CRD has a name");
        api.patch(
            &name,
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(&crd),
        )
        .await
        .unwrap_or_else(|e| panic!("applying the CRD {name} failed: {e}"));
    }
    for (_, crd) in saascript_crds::manifests::all() {
        let name = crd
            .metadata
            .name
            .clone()
            .expect("a generated CRD has a name");
        let established = kube::runtime::wait::await_condition(
            api.clone(),
            &name,
            kube::runtime::wait::conditions::is_crd_established(),
        );
        tokio::time::timeout(Duration::from_secs(30), established)
            .await
            .unwrap_or_else(|_| panic!("the CRD {name} was not Established within 30 s"))
            .unwrap_or_else(|e| panic!("watching the CRD {name} failed: {e}"));
    }
}
