//! Billing never charges a tenant twice, never overrides a contract, and never hands one
//! tenant's billing to a later tenant of the same name.

use futures::future::join_all;
use reqwest::Method;
use saascript_tests::billing_fixture::{BillingFixture, wait_for_subscription};
use saascript_tests::billing_server::token_for;
use saascript_tests::stripe_fake::GOOD_CARD;
use saascript_tests::tenants::{create_tenant, delete_and_wait, tenant_manifest};
use serde_json::json;

#[tokio::test]
async fn two_subscribes_at_once_make_one_subscription_and_a_contract_is_left_alone() {
    let f = BillingFixture::start().await;
    let cards = [
        f.stripe.card(GOOD_CARD).await,
        f.stripe.card(GOOD_CARD).await,
    ];
    let answers = join_all(cards.iter().map(|card| {
        f.call(
            Method::PUT,
            "/billing/subscription",
            Some(json!({ "plan": "pro", "paymentMethod": card })),
        )
    }))
    .await;
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
    }
    let customer = answers[0].1["stripeCustomerId"].as_str().unwrap();
    assert_eq!(answers[1].1["stripeCustomerId"], customer);
    let live = f
        .stripe
        .get(&format!("/subscriptions?customer={customer}"))
        .await;
    assert_eq!(live["data"].as_array().unwrap().len(), 1, "{live}");
    assert_eq!(
        answers[0].1["stripeSubscriptionId"],
        answers[1].1["stripeSubscriptionId"]
    );

    // A platform admin puts the tenant on the contract plan: billing changes nothing more.
    f.tenants
        .patch(
            &f.tenant,
            &Default::default(),
            &kube::api::Patch::Merge(json!({ "spec": { "plan": "enterprise" } })),
        )
        .await
        .unwrap();
    for plan in ["free", "pro"] {
        let (status, problem) = f
            .call(
                Method::PUT,
                "/billing/subscription",
                Some(json!({ "plan": plan })),
            )
            .await;
        assert_eq!(status, 409, "{problem}");
    }
    // Nor does Stripe: a notice about the pro subscription leaves the contract in place.
    let subscription = answers[0].1["stripeSubscriptionId"].as_str().unwrap();
    f.billing
        .accept("customer.subscription.updated", subscription)
        .await;
    assert_eq!(f.tenant().await.spec.plan, "enterprise");
    f.finish().await;
}

#[tokio::test]
async fn a_new_tenant_with_a_reused_name_starts_with_no_billing() {
    let mut f = BillingFixture::start().await;
    let (_, old_subscription) = f.subscribe("pro").await;
    let (status, invoices) = f.call(Method::GET, "/billing/invoices", None).await;
    assert_eq!(status, 200);
    assert_eq!(invoices.as_array().unwrap().len(), 1);

    // The tenant is deleted, and another one is created under the same name.
    delete_and_wait(&f.tenants, &f.tenant).await;
    create_tenant(
        &f.tenants,
        &tenant_manifest(&f.tenant, &f.run, "pooled", "free", "Delete"),
    )
    .await;
    wait_for_subscription(&f.subscriptions, &f.tenant).await;

    // The old owner's token, which reaches billing straight, is refused: it was issued for the
    // earlier Tenant of the name. The new owner's token works.
    let old_owner = std::mem::replace(
        &mut f.owner,
        token_for(&f.auth, &f.tenant, &["owner"]).await,
    );
    let (status, problem) = f
        .call_as(&old_owner, Method::GET, "/billing/invoices", None)
        .await;
    assert_eq!(status, 401, "{problem}");
    assert_eq!(problem["code"], "tenant_changed");

    // It sees none of the old tenant's invoices or customer...
    let (status, invoices) = f.call(Method::GET, "/billing/invoices", None).await;
    assert_eq!(status, 200, "{invoices}");
    assert_eq!(invoices, json!([]));
    // ...and the old subscription's events do not reach it.
    let outcome = f
        .billing
        .accept("customer.subscription.updated", &old_subscription)
        .await;
    assert!(outcome.contains("earlier tenant"), "{outcome}");
    let new = f.tenant().await;
    assert_eq!(new.spec.plan, "free");
    assert!(
        f.subscription()
            .await
            .status
            .unwrap()
            .stripe_subscription_id
            .is_none()
    );
    // Subscribing makes it a customer of its own.
    let (customer, _) = f.subscribe("pro").await;
    let stripe_customer = f.stripe.get(&format!("/customers/{customer}")).await;
    assert_eq!(
        stripe_customer["metadata"]["tenant_uid"],
        new.metadata.uid.unwrap().as_str()
    );
    f.finish().await;
}
