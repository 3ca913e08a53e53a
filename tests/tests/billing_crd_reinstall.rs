//! The Tenant CRD deleted and installed again (on a private API server, since it deletes a CRD):
//! billing leaves Stripe as it is; a tenant that comes back under its name takes its customer and
//! subscription back instead of starting a second, double-billed one, and Stripe's news about a
//! tenant that is away wait for its return.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DeleteParams, Patch, PatchParams};
use reqwest::Method;
use saascript_tests::access_tokens::sign_access_token;
use saascript_tests::billing_fixture::{BillingFixture, holds_billing_finalizer, plan_in_force};
use saascript_tests::crds::install_crds;
use saascript_tests::private_api_server::PrivateApiServer;
use saascript_tests::stripe_fake::StripeFake;
use saascript_tests::tenants::{PROVISIONING, create_tenant, tenant_manifest};
use saascript_tests::{Dependency, Endpoints, TestEnv, wait};
use serde_json::json;

const TENANT_CRD: &str = "tenants.saascript.io";

#[tokio::test]
async fn after_a_crd_reinstall_a_tenant_takes_its_billing_back() {
    let server = PrivateApiServer::start();
    let env = TestEnv::with_endpoints(
        Endpoints::load().with(Dependency::Kubernetes, &server.kubeconfig()),
    );
    let mut f = BillingFixture::start_on(env).await;
    let client = f.env.kube().await;
    let (customer, subscription) = f.subscribe("pro").await;
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    crds.delete(TENANT_CRD, &DeleteParams::default())
        .await
        .unwrap();
    wait::until(PROVISIONING, "the Tenant CRD to be gone", || async {
        matches!(crds.get_opt(TENANT_CRD).await, Ok(None)).then_some(())
    })
    .await;
    // The Tenant went with its CRD, and Stripe is left as it is.
    assert_eq!(
        f.stripe.subscription(&subscription).await["status"],
        "active"
    );
    let closures = || async {
        sqlx::query_scalar::<_, String>("SELECT subscription_id FROM tenant_closures")
            .fetch_all(&f.billing.state.db)
            .await
            .unwrap()
    };
    assert!(
        closures().await.is_empty(),
        "a CRD deletion canceled a subscription"
    );
    // The first tenant's Subscription stays with its namespace; what billing mirrored into it is
    // cleared, so that only taking the customer back can bring it back.
    f.subscriptions
        .patch_status(
            &f.tenant,
            &PatchParams::default(),
            &Patch::Merge(json!({ "status": {
                "stripeCustomerId": null, "stripeSubscriptionId": null,
                "state": null, "confirmedPlan": null,
            } })),
        )
        .await
        .unwrap();

    // Stripe's news about the tenant while it is away wait for it (503: Stripe delivers again).
    let (status, body) = f
        .billing
        .deliver_new("customer.subscription.updated", &subscription)
        .await;
    assert_eq!(status, 503, "{body}");

    // The CRD is installed again, and the tenant comes back under its name.
    install_crds(&client).await;
    create_tenant(
        &f.tenants,
        &tenant_manifest(&f.tenant, &f.run, "pooled", "pro", "Delete"),
    )
    .await;

    let uid = f.tenant().await.metadata.uid.unwrap();
    // The Tenant that came back is a new object (a new uid): its owner's earlier token is
    // refused (tenant_changed) and a fresh one is needed, as after logging in again.
    let (status, problem) = f.call(Method::GET, "/billing/subscription", None).await;
    assert_eq!(status, 401, "{problem}");
    assert_eq!(problem["code"], "tenant_changed");
    f.owner = sign_access_token(
        &f.auth,
        &saascript_tests::unique_name("owner"),
        Some(&f.tenant),
        Some(&uid),
        &["owner"],
    )
    .await;
    wait::until(
        PROVISIONING,
        "the first tenant to take its customer back",
        || async {
            let row: (String, bool) = sqlx::query_as(
                "SELECT tenant_uid, awaiting_reinstall FROM billing_customers WHERE tenant = $1",
            )
            .bind(&f.tenant)
            .fetch_one(&f.billing.state.db)
            .await
            .ok()?;
            (row == (uid.clone(), false)).then_some(())
        },
    )
    .await;
    let stripe_customer = f.stripe.get(&format!("/customers/{customer}")).await;
    assert_eq!(stripe_customer["metadata"]["tenant_uid"], uid.as_str());
    let mirrored = f
        .wait_subscription("the subscription mirrored again", |s| {
            s.status
                .as_ref()
                .and_then(|s| s.stripe_subscription_id.as_deref())
                == Some(subscription.as_str())
        })
        .await
        .status
        .unwrap();
    assert_eq!(
        mirrored.stripe_customer_id.as_deref(),
        Some(customer.as_str())
    );
    let tenant = f
        .wait_tenant("billing's finalizer and pro in force", |t| {
            holds_billing_finalizer(t) && plan_in_force(t).as_deref() == Some("pro")
        })
        .await;
    assert_eq!(tenant.spec.plan, "pro");
    // Its invoices are its own again, and Stripe's news reach it.
    let (_, invoices) = f.call(Method::GET, "/billing/invoices", None).await;
    assert_eq!(invoices.as_array().unwrap().len(), 1, "{invoices}");
    let outcome = f
        .billing
        .accept("customer.subscription.updated", &subscription)
        .await;
    assert!(outcome.starts_with("applied"), "{outcome}");

    // Deleted for real now, it stops paying.
    let stripe = StripeFake::new(&f.billing.stripe_base);
    f.finish().await;
    assert_eq!(
        stripe.subscription(&subscription).await["status"],
        "canceled"
    );
    drop(server);
}
