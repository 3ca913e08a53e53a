//! Name rules shared by the CRDs. They live in the schema, so the API server itself refuses a
//! name that a backing system could not hold.

/// A DNS-1123 label: what a namespace, a label value and most Kubernetes names accept.
pub const DNS_LABEL_PATTERN: &str = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

/// A tenant name: a DNS-1123 label that starts with a letter. It becomes `tenant-<name>` (a
/// namespace, at most 63 characters), `tenant_<name>` (a PostgreSQL identifier, at most 63 bytes),
/// and a part of vhost, topic and table names, so it is kept to 40 characters.
pub const TENANT_NAME_PATTERN: &str = r"^[a-z]([-a-z0-9]*[a-z0-9])?$";
pub const TENANT_NAME_MAX_LENGTH: u32 = 40;

/// Adds a schema for `metadata.name` to a CRD's root schema. Kubernetes allows a CRD to constrain
/// only `metadata.name` and `metadata.generateName`, and it enforces what is given.
pub(crate) fn constrain_metadata_name(
    crd: &mut k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
    pattern: &str,
    max_length: u32,
) {
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::JSONSchemaProps;
    let name = JSONSchemaProps {
        type_: Some("string".into()),
        pattern: Some(pattern.into()),
        max_length: Some(max_length.into()),
        description: Some(format!(
            "The resource name: lowercase letters, digits and '-', at most {max_length} characters."
        )),
        ..Default::default()
    };
    // No description here: the API server allows nothing on `metadata` but name and generateName.
    let metadata = JSONSchemaProps {
        type_: Some("object".into()),
        properties: Some([("name".to_string(), name)].into()),
        ..Default::default()
    };
    for version in &mut crd.spec.versions {
        if let Some(root) = version
            .schema
            .as_mut()
            .and_then(|s| s.open_api_v3_schema.as_mut())
        {
            root.properties
                .get_or_insert_with(Default::default)
                .insert("metadata".into(), metadata.clone());
        }
    }
}

/// The namespace of a tenant: where its Subscription, Secret and workloads live.
pub fn tenant_namespace(tenant: &str) -> String {
    format!("tenant-{tenant}")
}

#[cfg(test)]
mod tests {
    // The patterns are checked against the API server in tests/; here we only make sure that the
    // Rust-side constant and the documented limit agree.
    #[test]
    fn tenant_name_limit_leaves_room_for_the_namespace_prefix() {
        assert!("tenant-".len() + super::TENANT_NAME_MAX_LENGTH as usize <= 63);
        assert!("tenant_".len() + super::TENANT_NAME_MAX_LENGTH as usize <= 63);
    }
}
