//! The labels on everything the operator owns. Watches and orphan clean-up select on them.

use std::collections::BTreeMap;

pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const MANAGER: &str = "saascript-operator";
pub const TENANT_LABEL: &str = "saascript.io/tenant";

/// The field manager of every server-side apply the operator makes.
pub const FIELD_MANAGER: &str = "saascript-operator";

/// `app.kubernetes.io/{name,instance,managed-by}` and `saascript.io/tenant`.
pub fn tenant_labels(tenant: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "app.kubernetes.io/name".to_string(),
            "saascript-tenant".to_string(),
        ),
        ("app.kubernetes.io/instance".to_string(), tenant.to_string()),
        (MANAGED_BY.to_string(), MANAGER.to_string()),
        (TENANT_LABEL.to_string(), tenant.to_string()),
    ])
}

/// The label selector of everything the operator manages.
pub fn managed_selector() -> String {
    format!("{MANAGED_BY}={MANAGER}")
}
