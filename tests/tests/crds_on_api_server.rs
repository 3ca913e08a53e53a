//! The generated CRDs on the real local API server: they apply, a valid Tenant is accepted with
//! its defaults, invalid ones are refused by the server with the schema's message, and
//! `kubectl explain` and `kubectl get saascript` work.

use std::process::Command;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, PostParams};
use saascript_crds::{ServiceDeployment, Subscription, Tenant};
use saascript_tests::crds::install_crds;
use saascript_tests::tenant_guard::TenantGuard;
use saascript_tests::tenants::create_namespace;
use saascript_tests::{TestEnv, unique_name};
use serde_json::json;

fn tenant_api(client: &kube::Client) -> Api<DynamicObject> {
    Api::all_with(client.clone(), &ApiResource::erase::<Tenant>(&()))
}

fn tenant_manifest(name: &str, spec: serde_json::Value) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": "saascript.io/v1alpha1",
        "kind": "Tenant",
        "metadata": { "name": name },
        "spec": spec,
    }))
    .unwrap()
}

/// Creates the object and returns the API server's refusal, failing if it was accepted.
async fn refused(api: &Api<DynamicObject>, object: DynamicObject) -> kube::core::Status {
    match api.create(&PostParams::default(), &object).await {
        Ok(created) => {
            let _ = api
                .delete(&created.metadata.name.unwrap(), &DeleteParams::default())
                .await;
            panic!("the API server accepted an invalid object: {object:?}")
        }
        Err(kube::Error::Api(status)) => *status,
        Err(other) => panic!("expected a refusal from the API server, got {other}"),
    }
}

/// Runs kubectl against the local API server.
fn kubectl(env: &TestEnv, args: &[&str]) -> std::process::Output {
    Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(env.kubeconfig_path())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run kubectl (install it with scripts/toolchain): {e}"))
}

#[tokio::test]
async fn generated_crds_apply_idempotently_and_are_served() {
    let env = TestEnv::new();
    let client = env.kube().await;
    install_crds(&client).await;
    // A second install is a no-op, not an error: tests run it concurrently all the time.
    install_crds(&client).await;

    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    for (name, short) in [
        ("tenants.saascript.io", "tnt"),
        ("subscriptions.saascript.io", "sub"),
        ("servicedeployments.saascript.io", "sd"),
    ] {
        let crd = crds.get(name).await.unwrap();
        assert_eq!(crd.spec.names.short_names.unwrap(), [short]);
        assert_eq!(crd.spec.names.categories.unwrap(), ["saascript"]);
    }
    let tenants: Api<Tenant> = Api::all(client.clone());
    tenants
        .list(&Default::default())
        .await
        .expect("the Tenant kind is served");
}

#[tokio::test]
async fn a_valid_tenant_is_accepted_and_gets_its_defaults() {
    let env = TestEnv::new();
    let client = env.kube().await;
    install_crds(&client).await;
    let name = unique_name("t");
    // Deleted when the guard drops, also when an assertion below fails.
    let guard = TenantGuard::create_untyped(
        &env,
        &tenant_manifest(
            &name,
            json!({ "displayName": "Acme", "owners": ["ops@acme.example"] }),
        ),
    )
    .await;

    let tenants: Api<Tenant> = Api::all(client.clone());
    let tenant = tenants.get(&name).await.unwrap();
    assert_eq!(tenant.spec.plan, "free", "the schema defaults the plan");
    assert_eq!(tenant.spec.isolation, saascript_crds::Isolation::Pooled);
    assert_eq!(
        tenant.spec.deletion_policy,
        saascript_crds::DeletionPolicy::Retain
    );
    assert!(!tenant.spec.suspended && !tenant.spec.prevent_deletion);
    drop(guard);
    saascript_tests::tenants::wait_gone(&tenants, &name).await;
}

#[tokio::test]
async fn invalid_tenants_are_refused_by_the_api_server() {
    let env = TestEnv::new();
    let client = env.kube().await;
    install_crds(&client).await;
    let api = tenant_api(&client);
    let valid = || json!({ "displayName": "Acme", "owners": ["ops@acme.example"] });

    let mut bad_enum = valid();
    bad_enum["isolation"] = json!("shared");
    let mut out_of_bounds = valid();
    out_of_bounds["quota"] = json!({ "pods": 5000 });
    let mut bad_owner = valid();
    bad_owner["owners"] = json!(["not-an-email"]);
    let cases = [
        (
            "a bad enum value",
            tenant_manifest(&unique_name("t"), bad_enum),
            r#"spec.isolation: Unsupported value: "shared": supported values: "pooled", "siloed""#,
        ),
        (
            "a name that starts with a digit",
            tenant_manifest("1acme", valid()),
            "metadata.name in body should match '^[a-z]([-a-z0-9]*[a-z0-9])?$'",
        ),
        (
            "a name longer than 40 characters",
            tenant_manifest(&"a".repeat(41), valid()),
            "metadata.name in body should be at most 40 chars long",
        ),
        (
            "a quota out of bounds",
            tenant_manifest(&unique_name("t"), out_of_bounds),
            "spec.quota.pods in body should be less than or equal to 1000",
        ),
        (
            "a missing required field",
            tenant_manifest(&unique_name("t"), json!({ "owners": ["ops@acme.example"] })),
            "spec.displayName: Required value",
        ),
        (
            "an owner that is not an email",
            tenant_manifest(&unique_name("t"), bad_owner),
            "spec.owners in body should match '^[^@\\s]+@",
        ),
    ];
    for (what, manifest, expected) in cases {
        let status = refused(&api, manifest).await;
        assert_eq!(status.code, 422, "{what}: {status:?}");
        assert!(
            status.message.contains(expected),
            "{what}: the refusal should say {expected:?}, it said {:?}",
            status.message
        );
    }
}

#[tokio::test]
async fn invalid_subscriptions_and_service_deployments_are_refused() {
    let env = TestEnv::new();
    let client = env.kube().await;
    install_crds(&client).await;
    let namespace = unique_name("ns");
    create_namespace(&client, &namespace).await;
    let namespaces: Api<Namespace> = Api::all(client.clone());

    let subs: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        &namespace,
        &ApiResource::erase::<Subscription>(&()),
    );
    let sub = |spec: serde_json::Value| -> DynamicObject {
        serde_json::from_value(json!({
            "apiVersion": "saascript.io/v1alpha1", "kind": "Subscription",
            "metadata": { "name": "main" }, "spec": spec,
        }))
        .unwrap()
    };
    let status = refused(&subs, sub(json!({ "tenant": "Acme!", "plan": "pro" }))).await;
    assert!(
        status.message.contains("spec.tenant in body should match"),
        "{status:?}"
    );

    let sds: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        &namespace,
        &ApiResource::erase::<ServiceDeployment>(&()),
    );
    let sd = |spec: serde_json::Value| -> DynamicObject {
        serde_json::from_value(json!({
            "apiVersion": "saascript.io/v1alpha1", "kind": "ServiceDeployment",
            "metadata": { "name": "auth" }, "spec": spec,
        }))
        .unwrap()
    };
    let status = refused(
        &sds,
        sd(json!({ "service": "mailer", "image": "x", "port": 70000, "replicas": { "min": 1, "max": 0 } })),
    )
    .await;
    for expected in [
        r#"spec.service: Unsupported value: "mailer""#,
        "spec.port in body should be less than or equal to 65535",
        "spec.replicas.max in body should be greater than or equal to 1",
    ] {
        assert!(
            status.message.contains(expected),
            "expected {expected:?} in {:?}",
            status.message
        );
    }
    namespaces
        .delete(&namespace, &DeleteParams::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn kubectl_explain_shows_the_field_descriptions() {
    let env = TestEnv::new();
    install_crds(&env.kube().await).await;
    // The API server publishes a new CRD's OpenAPI a few seconds after it is Established.
    let deadline = Instant::now() + Duration::from_secs(60);
    let text = loop {
        let output = kubectl(&env, &["explain", "tenant.spec.isolation"]);
        let text = String::from_utf8_lossy(&output.stdout).to_string();
        if output.status.success() && text.contains("DESCRIPTION") {
            break text;
        }
        assert!(
            Instant::now() < deadline,
            "kubectl explain never showed the field: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert!(
        text.contains("`pooled` (shared resources, separated by tenant id)"),
        "{text}"
    );

    let output = kubectl(&env, &["explain", "servicedeployment.spec.replicas.min"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("The fewest replicas, from 0 to 100"),
        "{text}"
    );
}

#[tokio::test]
async fn kubectl_get_saascript_lists_all_three_kinds_with_their_columns() {
    let env = TestEnv::new();
    let client = env.kube().await;
    install_crds(&client).await;
    let tenant = unique_name("t");
    let namespace = unique_name("ns");
    create_namespace(&client, &namespace).await;
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let tenants: Api<Tenant> = Api::all(client.clone());
    // Deleted when the guard drops, also when an assertion below fails.
    let _guard = TenantGuard::create_untyped(
        &env,
        &tenant_manifest(
            &tenant,
            json!({ "displayName": "Acme", "owners": ["ops@acme.example"], "plan": "pro", "isolation": "siloed" }),
        ),
    )
    .await;
    let subs: Api<Subscription> = Api::namespaced(client.clone(), &namespace);
    subs.create(&PostParams::default(), &serde_json::from_value(json!({
        "apiVersion": "saascript.io/v1alpha1", "kind": "Subscription", "metadata": { "name": tenant },
        "spec": { "tenant": tenant, "plan": "pro" },
    })).unwrap())
    .await
    .unwrap();
    let sds: Api<ServiceDeployment> = Api::namespaced(client.clone(), &namespace);
    sds.create(&PostParams::default(), &serde_json::from_value(json!({
        // Labelled for a test run that runs no operator: no operator writes its status.
        "apiVersion": "saascript.io/v1alpha1", "kind": "ServiceDeployment",
        "metadata": { "name": "auth", "labels": { "saascript.io/test-run": "no-operator" } },
        "spec": { "service": "auth", "image": "saascript/auth:dev", "port": 8081, "replicas": { "min": 2, "max": 5 } },
    })).unwrap())
    .await
    .unwrap();

    let output = kubectl(&env, &["get", "saascript", "-n", &namespace]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        format!("tenant.saascript.io/{tenant}"),
        format!("subscription.saascript.io/{tenant}"),
        "servicedeployment.saascript.io/auth".to_string(),
    ] {
        assert!(
            text.contains(&expected),
            "`kubectl get saascript` lacks {expected}:\n{text}"
        );
    }

    let columns = |args: &[&str]| {
        let output = kubectl(&env, args);
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        columns(&["get", "tnt", &tenant]),
        ["NAME", "PLAN", "ISOLATION", "PHASE", "READY", "AGE"]
    );
    assert_eq!(
        columns(&["get", "sub", "-n", &namespace]),
        ["NAME", "TENANT", "PLAN", "STATE", "PERIOD-END"]
    );
    assert_eq!(
        columns(&["get", "sd", "-n", &namespace]),
        ["NAME", "SERVICE", "READY", "DESIRED", "MIN", "MAX"]
    );
    let row = kubectl(
        &env,
        &["get", "sd", "auth", "-n", &namespace, "--no-headers"],
    );
    let row = String::from_utf8_lossy(&row.stdout);
    // Ready and Desired print blank until the operator writes a status.
    assert_eq!(
        row.split_whitespace().collect::<Vec<_>>(),
        ["auth", "auth", "2", "5"]
    );

    tenants
        .delete(&tenant, &DeleteParams::default())
        .await
        .unwrap();
    namespaces
        .delete(&namespace, &DeleteParams::default())
        .await
        .unwrap();
    saascript_tests::tenants::wait_gone(&tenants, &tenant).await;
}
