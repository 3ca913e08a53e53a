//! No input makes any route answer a 5xx. schemathesis generates hostile and malformed input for
//! every operation in the gateway's merged OpenAPI document (wrong types, huge and empty strings,
//! NUL bytes, missing and extra fields, odd headers) and sends it through a real gateway to every
//! service behind it (auth, billing, tenants, profiles and projects), once anonymously and once
//! with a real owner's token of a real Tenant that every service knows. Any 5xx fails the test,
//! with schemathesis's report of the request that caused it.

use kube::Api;
use kube::api::{Patch, PatchParams};
use saascript_common::tenants::TenantDirectory;
use saascript_crds::Tenant;
use saascript_tests::TestEnv;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::billing_server::BillingServer;
use saascript_tests::crds::install_crds;
use saascript_tests::gateway_server::GatewayServer;
use saascript_tests::operator::{TEST_RUN_LABEL, new_run_id};
use saascript_tests::profiles_server::ProfilesServer;
use saascript_tests::projects_server::{ProjectsOptions, ProjectsServer};
use saascript_tests::tenant_guard::TenantGuard;
use saascript_tests::tenants::{
    create_namespace_and_subscription, delete_and_wait, tenant_manifest,
};
use saascript_tests::tenants_server::{TenantsServer, login, register_and_verify, wait_owner};
use saascript_tests::unique_name;
use serde_json::json;

/// The sweep of this test's document: every operation of the five services, with as many
/// examples per operation as the sweeps of one service take (about a minute per sweep here).
fn sweep(base: &str, token: Option<&str>, what: &str) -> Result<(), String> {
    saascript_tests::schemathesis::Sweep {
        document: format!("{base}/api/openapi.json"),
        base,
        max_examples: 25,
        exclude_paths: &[
            // Checkout and the Customer Portal are Stripe-hosted pages the local fake does not
            // have: they answer 501 `not_offered_here` by design here, whatever the input. Their
            // input is checked by problem_rejections.rs.
            "/api/billing/checkout",
            "/api/billing/portal",
        ],
    }
    .run(token, what)
}

#[tokio::test]
async fn no_input_makes_the_gateway_or_a_service_answer_5xx() {
    let env = TestEnv::new();
    let client = env.kube().await;
    install_crds(&client).await;
    let run = new_run_id();
    let tenants: Api<Tenant> = Api::all(client.clone());
    let tenant = unique_name("sweep");
    // Taken away even when the sweep fails, so that no Tenant is left in the shared API server.
    let guard = TenantGuard::create(
        &env,
        &tenant_manifest(&tenant, &run, "pooled", "enterprise", "Delete"),
    )
    .await;
    // The owner may delete their tenant through the tenants service: not during the sweep.
    set_prevent_deletion(&tenants, &tenant, true).await;
    create_namespace_and_subscription(&client, &tenant, "enterprise").await;
    // The entitlements in force, as the operator writes them for a contract plan (at once): its
    // rate lets the sweep reach the services instead of the gateway's 429s. Pooled, as the
    // Tenant asks: no operator made the databases and tables of a siloed one, and a service
    // with a tenant's data missing is not what this sweep is about.
    let catalog = saascript_catalog::Catalog::load(
        &saascript_tests::endpoints::workspace_root().join("config/plans.yaml"),
    )
    .expect("the plan catalog loads");
    let mut entitlements = serde_json::to_value(
        catalog
            .entitlements("enterprise")
            .expect("enterprise is a plan"),
    )
    .expect("entitlements serialize");
    entitlements["isolation"] = json!("pooled");
    tenants
        .patch_status(
            &tenant,
            &PatchParams::default(),
            &Patch::Merge(json!({ "status": { "entitlements": entitlements } })),
        )
        .await
        .expect("the Tenant's status is written");

    let auth = AuthServer::start(&env).await;
    let billing = BillingServer::start_for_run(&env, &auth, &run).await;
    // Tenants it would create carry this run's label (none should be created: the owner has a
    // tenant already); event streams end after a second, so that no request waits for a Ready
    // that never comes (no operator runs here).
    let tenants_service = TenantsServer::start_with_args(
        &env,
        &auth,
        &format!("{TEST_RUN_LABEL}={run}"),
        &["--event-stream-limit-seconds", "1"],
    )
    .await;
    let profiles = ProfilesServer::start_with_jwks(&env, &auth.url("/.well-known/jwks.json")).await;
    let projects = ProjectsServer::start(&env, &auth, ProjectsOptions::default()).await;
    let upstreams = [
        format!("billing={}", billing.base),
        format!("tenants={}", tenants_service.base),
        format!("profiles={}", profiles.base),
        format!("projects={}", projects.base),
    ];
    let mut args = vec![];
    for upstream in &upstreams {
        args.extend(["--upstream", upstream.as_str()]);
    }
    let directory = TenantDirectory::start(client.clone());
    let gateway = GatewayServer::start_with(directory.clone(), &auth.base, &args).await;
    gateway
        .wait_for_tenant(
            &tenant,
            "the gateway to see the tenant's entitlements",
            |t| t.requests_per_second == Some(500),
        )
        .await;
    profiles.wait_known(&tenant, &guard.uid).await;

    // A real owner: the address the Tenant declares, registered and verified, logged in for it.
    let http = reqwest::Client::new();
    let email = format!("owner@{tenant}.example");
    register_and_verify(&http, &auth, &email).await;
    wait_owner(&auth, &guard.uid, &email).await;
    let owner = login(&http, &auth, &email, Some(&tenant)).await["access_token"]
        .as_str()
        .expect("an access token")
        .to_string();

    // schemathesis blocks; the servers run on this runtime's other threads meanwhile.
    let base = gateway.base.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        sweep(&base, None, "without a token")?;
        sweep(&base, Some(&owner), "with an owner's token")
    })
    .await
    .expect("the sweep ran");
    if let Err(report) = outcome {
        panic!("{report}");
    }

    // Deleted with billing still watching, so that its finalizer is released as it would be.
    set_prevent_deletion(&tenants, &tenant, false).await;
    delete_and_wait(&tenants, &tenant).await;
    drop(gateway);
    projects.finish(&env).await;
    profiles.finish(&env).await;
    billing.finish(&env).await;
    auth.finish(&env).await;
}

async fn set_prevent_deletion(tenants: &Api<Tenant>, name: &str, prevent: bool) {
    tenants
        .patch(
            name,
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "preventDeletion": prevent } })),
        )
        .await
        .unwrap_or_else(|e| panic!("preventDeletion {prevent} on {name}: {e}"));
}
