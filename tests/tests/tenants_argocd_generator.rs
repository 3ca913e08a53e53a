//! Argo CD's plugin generator, served by the tenants service: POST /api/v1/getparams.execute
//! with the plugin's bearer token lists one set of parameters per Tenant (the tenant chart's
//! values, as strings), filtered by the generator's label selector, without the Tenants being
//! deleted. A wrong or missing token is a 401 problem, a misspelt parameter or a malformed
//! selector a 4xx problem, and a service without a token has the route off (404). The Tenants
//! are read back through the API server, not through the service.

use kube::api::{Api, DeleteParams, Patch, PatchParams};
use reqwest::StatusCode;
use saascript_crds::Tenant;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::crds::install_crds;
use saascript_tests::operator::{TEST_RUN_LABEL, new_run_id};
use saascript_tests::tenant_guard::TenantGuard;
use saascript_tests::tenants::tenant_manifest;
use saascript_tests::tenants_server::{TenantsServer, call};
use saascript_tests::{TestEnv, unique_name};
use serde_json::{Value, json};

const TOKEN: &str = "argocd-plugin-token-for-the-test";
const PATH: &str = "/api/v1/getparams.execute";
const ORIGIN: &str = "saascript.io/origin";

/// A Tenant of run `run` with `origin`, `isolation` and, optionally, a finalizer that keeps it
/// while it is being deleted.
async fn tenant(
    env: &TestEnv,
    name: &str,
    run: &str,
    origin: &str,
    isolation: &str,
    hold: bool,
) -> TenantGuard {
    let mut manifest =
        serde_json::to_value(tenant_manifest(name, run, isolation, "pro", "Retain")).unwrap();
    manifest["metadata"]["labels"][ORIGIN] = json!(origin);
    manifest["spec"]["owners"] = json!([format!("a@{name}.example"), format!("b@{name}.example")]);
    if hold {
        manifest["metadata"]["finalizers"] = json!(["test.saascript.io/hold"]);
    }
    TenantGuard::create(env, &serde_json::from_value(manifest).unwrap()).await
}

fn request(
    http: &reqwest::Client,
    service: &TenantsServer,
    body: Value,
) -> reqwest::RequestBuilder {
    http.post(service.url(PATH)).json(&body)
}

fn selecting(selector: &str) -> Value {
    json!({
        "applicationSetName": "saascript-tenants",
        "input": { "parameters": { "labelSelector": selector } },
    })
}

fn assert_problem(answer: (StatusCode, String, Value), want: StatusCode, code: &str) {
    let (status, content_type, body) = answer;
    assert_eq!(status, want, "{body}");
    assert_eq!(content_type, "application/problem+json", "{body}");
    assert_eq!(body["code"], code, "{body}");
}

#[tokio::test]
async fn argo_cd_lists_the_tenants_it_selects_with_its_token_and_nothing_without() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    install_crds(&auth.kube).await;
    let service =
        TenantsServer::start_with_args(&env, &auth, "", &["--argocd-plugin-token", TOKEN]).await;
    let http = reqwest::Client::new();
    let api: Api<Tenant> = Api::all(auth.kube.clone());

    let run = new_run_id();
    let prefix = unique_name("gen");
    let (signed_up, from_git, leaving) = (
        format!("{prefix}-b"),
        format!("{prefix}-a"),
        format!("{prefix}-c"),
    );
    let _b = tenant(&env, &signed_up, &run, "signup", "siloed", false).await;
    let _a = tenant(&env, &from_git, &run, "gitops", "pooled", false).await;
    let _c = tenant(&env, &leaving, &run, "signup", "pooled", true).await;
    // Being deleted (its finalizer keeps it): an ApplicationSet must not make it again.
    api.delete(&leaving, &DeleteParams::default())
        .await
        .unwrap();
    assert!(
        api.get(&leaving)
            .await
            .unwrap()
            .metadata
            .deletion_timestamp
            .is_some(),
        "the held Tenant is being deleted"
    );

    // The run's Tenants, sorted by name, each as the tenant chart's values.
    let (status, _, body) = call(
        request(
            &http,
            &service,
            selecting(&format!("{TEST_RUN_LABEL}={run}")),
        )
        .bearer_auth(TOKEN),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let listed = body["output"]["parameters"].as_array().unwrap();
    let names: Vec<&str> = listed.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, [from_git.as_str(), signed_up.as_str()]);
    let live = api.get(&signed_up).await.unwrap();
    assert_eq!(
        listed[1],
        json!({
            "name": signed_up,
            "namespace": format!("tenant-{signed_up}"),
            "displayName": live.spec.display_name,
            "owners": format!("a@{signed_up}.example,b@{signed_up}.example"),
            "plan": "pro",
            "isolation": "siloed",
            "deletionPolicy": "Retain",
            "preventDeletion": "false",
            "suspended": "false",
            "origin": "signup",
        })
    );
    assert_eq!(listed[0]["origin"], "gitops");

    // The ApplicationSet's own filter: only the tenants that signed up.
    let (status, _, body) = call(
        request(
            &http,
            &service,
            selecting(&format!("{TEST_RUN_LABEL}={run},{ORIGIN}=signup")),
        )
        .bearer_auth(TOKEN),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let names: Vec<&str> = body["output"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, [signed_up.as_str()]);

    // No token, or another one: nothing listed.
    assert_problem(
        call(request(
            &http,
            &service,
            selecting(&format!("{TEST_RUN_LABEL}={run}")),
        ))
        .await,
        StatusCode::UNAUTHORIZED,
        "plugin_token_invalid",
    );
    assert_problem(
        call(
            request(
                &http,
                &service,
                selecting(&format!("{TEST_RUN_LABEL}={run}")),
            )
            .bearer_auth(format!("{TOKEN}x")),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "plugin_token_invalid",
    );

    // A malformed selector is the caller's error, with the field at fault.
    let answer = call(request(&http, &service, selecting("a in (")).bearer_auth(TOKEN)).await;
    assert_eq!(
        answer.2["field"], "input.parameters.labelSelector",
        "{}",
        answer.2
    );
    assert_problem(
        answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "label_selector_invalid",
    );

    // A misspelt parameter is refused rather than ignored (it would list every Tenant).
    let (status, content_type, body) = call(
        request(
            &http,
            &service,
            json!({ "input": { "parameters": { "labelSelecter": "x=y" } } }),
        )
        .bearer_auth(TOKEN),
    )
    .await;
    assert!(status.is_client_error(), "{status} {body}");
    assert_eq!(content_type, "application/problem+json", "{body}");

    // Without a token configured, the route is off.
    let off = TenantsServer::start(&env, &auth, "").await;
    assert_problem(
        call(request(&http, &off, selecting("x=y")).bearer_auth(TOKEN)).await,
        StatusCode::NOT_FOUND,
        "argocd_plugin_disabled",
    );

    // Let the held Tenant go.
    api.patch(
        &leaving,
        &PatchParams::default(),
        &Patch::Merge(&json!({ "metadata": { "finalizers": null } })),
    )
    .await
    .unwrap();
}
