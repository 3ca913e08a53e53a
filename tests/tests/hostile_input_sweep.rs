//! No input makes any route answer a 5xx. schemathesis generates hostile and malformed input for
//! every operation in the gateway's merged OpenAPI document (wrong types, huge and empty strings,
//! NUL bytes, missing and extra fields, odd headers) and sends it through a real gateway to real
//! auth and billing servers, once anonymously and once with a valid owner's token of a real
//! Tenant. Any 5xx fails the test, with schemathesis's report of the request that caused it.

use kube::Api;
use kube::api::{Patch, PatchParams};
use saascript_common::tenants::TenantDirectory;
use saascript_crds::Tenant;
use saascript_tests::TestEnv;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::billing_server::{BillingServer, token_for};
use saascript_tests::crds::install_crds;
use saascript_tests::gateway_server::start_gateway;
use saascript_tests::operator::new_run_id;
use saascript_tests::tenant_guard::TenantGuard;
use saascript_tests::tenants::{
    create_namespace_and_subscription, delete_and_wait, tenant_manifest,
};
use saascript_tests::unique_name;
use serde_json::json;

/// The sweep of this test's document.
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
    let _guard = TenantGuard::create(
        &env,
        &tenant_manifest(&tenant, &run, "pooled", "enterprise", "Delete"),
    )
    .await;
    create_namespace_and_subscription(&client, &tenant, "enterprise").await;
    // The entitlements in force, as the operator writes them for a contract plan (at once): its
    // rate lets the sweep reach the services instead of the gateway's 429s.
    let catalog = saascript_catalog::Catalog::load(
        &saascript_tests::endpoints::workspace_root().join("config/plans.yaml"),
    )
    .expect("the plan catalog loads");
    let entitlements = catalog
        .entitlements("enterprise")
        .expect("enterprise is a plan");
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
    let directory = TenantDirectory::start(client.clone());
    let gateway = start_gateway(&auth, &billing, directory.clone()).await;
    saascript_tests::wait::until(
        std::time::Duration::from_secs(30),
        "the gateway to see the tenant's entitlements",
        || async {
            (directory
                .lookup(&tenant)
                .and_then(|t| t.requests_per_second)
                == Some(500))
            .then_some(())
        },
    )
    .await;
    let owner = token_for(&auth, &tenant, &["owner"]).await;

    // schemathesis blocks; the servers run on this runtime's other threads meanwhile.
    let gateway_for_sweep = gateway.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        sweep(&gateway_for_sweep, None, "without a token")?;
        sweep(&gateway_for_sweep, Some(&owner), "with an owner's token")
    })
    .await
    .expect("the sweep ran");
    if let Err(report) = outcome {
        panic!("{report}");
    }

    delete_and_wait(&tenants, &tenant).await;
    billing.finish(&env).await;
    auth.finish(&env).await;
}
