//! A tenant's own credentials, read from its Secret `saascript-tenant-credentials` in its
//! namespace, as a workload of the tenant would take them.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Secret;
use kube::api::Api;

pub const SECRET_NAME: &str = "saascript-tenant-credentials";

/// The Secret's keys and values.
#[derive(Clone, PartialEq, Eq)]
pub struct TenantCredentials(pub BTreeMap<String, String>);

impl std::fmt::Debug for TenantCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

impl TenantCredentials {
    /// Reads the Secret of tenant `name`, failing the test when it is not there.
    pub async fn read(client: &kube::Client, name: &str) -> TenantCredentials {
        let namespace = format!("tenant-{name}");
        let secret = Api::<Secret>::namespaced(client.clone(), &namespace)
            .get(SECRET_NAME)
            .await
            .unwrap_or_else(|e| panic!("the Secret {namespace}/{SECRET_NAME}: {e}"));
        TenantCredentials(
            secret
                .data
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| {
                    let value = String::from_utf8(v.0)
                        .unwrap_or_else(|e| panic!("{SECRET_NAME} key {k}: {e}"));
                    (k, value)
                })
                .collect(),
        )
    }

    /// The value of `key`, failing the test when it is missing.
    pub fn get(&self, key: &str) -> &str {
        self.0
            .get(key)
            .unwrap_or_else(|| panic!("{SECRET_NAME} has no {key}"))
    }
}
