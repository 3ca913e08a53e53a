//! The committed CRD YAML must be exactly what the Rust types generate, so that `kubectl apply`,
//! the Helm chart and Argo CD install the same schema the operator reads.

#[test]
fn committed_manifests_match_the_types() {
    let dir = saascript_crds::manifests::manifests_dir();
    for (file, crd) in saascript_crds::manifests::all() {
        let generated = saascript_crds::manifests::to_yaml(&crd).unwrap();
        let committed = std::fs::read_to_string(dir.join(file))
            .unwrap_or_else(|e| panic!("cannot read crds/manifests/{file}: {e}"));
        assert!(
            committed == generated,
            "crds/manifests/{file} is out of date with the Rust types; regenerate it with \
             `cargo run -p saascript-crds --bin crdgen` and commit the result"
        );
    }
}

#[test]
fn every_field_has_a_description() {
    fn walk(path: &str, schema: &serde_json::Value, missing: &mut Vec<String>) {
        if let Some(properties) = schema.get("properties").and_then(|p| p.as_object()) {
            for (name, child) in properties {
                let child_path = format!("{path}.{name}");
                // apiVersion, kind and metadata are described by Kubernetes itself (and the API
                // server refuses a description on metadata).
                let standard =
                    path.is_empty() && ["apiVersion", "kind", "metadata"].contains(&name.as_str());
                if !standard && child.get("description").is_none() {
                    missing.push(child_path.clone());
                }
                walk(&child_path, child, missing);
            }
        }
        if let Some(items) = schema.get("items") {
            walk(&format!("{path}[]"), items, missing);
        }
    }
    for (file, crd) in saascript_crds::manifests::all() {
        let mut missing = vec![];
        for version in &crd.spec.versions {
            let schema = serde_json::to_value(&version.schema).unwrap();
            walk("", &schema["openAPIV3Schema"], &mut missing);
        }
        assert!(
            missing.is_empty(),
            "{file}: fields without a description: {missing:?}"
        );
    }
}

#[test]
fn all_three_kinds_share_the_saascript_category() {
    let mut short_names = vec![];
    for (_, crd) in saascript_crds::manifests::all() {
        assert_eq!(crd.spec.group, "saascript.io");
        assert_eq!(
            crd.spec.names.categories.as_deref(),
            Some(&["saascript".to_string()][..])
        );
        short_names.extend(crd.spec.names.short_names.clone().unwrap_or_default());
        let version = &crd.spec.versions[0];
        assert_eq!(version.name, "v1alpha1");
        assert!(
            version
                .subresources
                .as_ref()
                .and_then(|s| s.status.as_ref())
                .is_some()
        );
    }
    short_names.sort();
    assert_eq!(short_names, ["sd", "sub", "tnt"]);
}
