//! The Tenant CRD deleted and installed again (on a private API server, since it deletes a CRD):
//! billing leaves Stripe as it is, and the tenant that comes back under the same name takes its
//! customer and subscription back instead of starting a second, double-billed one.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DeleteParams};
use reqwest::Method;
use saascript_billing::tenant_deletion::FINALIZER;
use saascript_tests::billing_fixture::{BillingFixture, plan_in_force};
use saascript_tests::crds::install_crds;
use saascript_tests::private_api_server::PrivateApiServer;
use saascript_tests::stripe_fake::StripeFake;
use saascript_tests::tenants::{PROVISIONING, create_tenant, tenant_manifest};
use saascript_tests::{Dependency, Endpoints, TestEnv, wait};

const TENANT_CRD: &str = "tenants.saascript.io";

#[tokio::test]
async fn a_tenant_back_after_a_crd_reinstall_takes_its_billing_back() {
    let server = PrivateApiServer::start();
    let env = TestEnv::with_endpoints(
        Endpoints::load().with(Dependency::Kubernetes, &server.kubeconfig()),
    );
    let f = BillingFixture::start_on(env).await;
    let (customer, subscription) = f.subscribe("pro").await;
    let (status, invoices) = f.call(Method::GET, "/billing/invoices", None).await;
    assert_eq!(status, 200, "{invoices}");
    assert_eq!(invoices.as_array().unwrap().len(), 1);

    let client = f.env.kube().await;
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
    let closures: i64 = sqlx::query_scalar("SELECT count(*) FROM tenant_closures")
        .fetch_one(&f.billing.state.db)
        .await
        .unwrap();
    assert_eq!(closures, 0, "a CRD deletion canceled a subscription");

    // The CRD is installed again and the tenant comes back under its name, with a new uid.
    install_crds(&client).await;
    create_tenant(
        &f.tenants,
        &tenant_manifest(&f.tenant, &f.run, "pooled", "pro", "Delete"),
    )
    .await;
    let uid = f.tenant().await.metadata.uid.unwrap();
    // It takes its customer back (the fake keeps a subscription's metadata as they were made, so
    // the customer's metadata show it).
    wait::until(
        PROVISIONING,
        "the customer to name the new Tenant",
        || async {
            let now = f.stripe.get(&format!("/customers/{customer}")).await;
            (now["metadata"]["tenant_uid"] == uid.as_str()).then_some(())
        },
    )
    .await;
    let tenant = f
        .wait_tenant("billing's finalizer and pro in force", |t| {
            t.metadata
                .finalizers
                .iter()
                .flatten()
                .any(|name| name == FINALIZER)
                && plan_in_force(t).as_deref() == Some("pro")
        })
        .await;
    assert_eq!(tenant.spec.plan, "pro");
    let mirrored = f.subscription().await.status.unwrap();
    assert_eq!(
        mirrored.stripe_customer_id.as_deref(),
        Some(customer.as_str())
    );
    assert_eq!(
        mirrored.stripe_subscription_id.as_deref(),
        Some(subscription.as_str())
    );
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
