//! A deleted tenant stops paying: billing's finalizer holds the Tenant until its Stripe
//! subscriptions are canceled; a blocked deletion keeps them; a billing that is down holds the
//! deletion until it is back; and billing puts its finalizer only on Tenants it watches.

use std::time::Duration;

use kube::api::{DeleteParams, Patch, PatchParams};
use reqwest::Method;
use saascript_billing::kubernetes::FINALIZER;
use saascript_crds::{Tenant, find_condition};
use saascript_tests::billing_fixture::{BillingFixture, holds_billing_finalizer};
use saascript_tests::billing_server::token_for;
use saascript_tests::operator::new_run_id;
use saascript_tests::stripe_fake::GOOD_CARD;
use saascript_tests::tenant_guard::TenantGuard;
use saascript_tests::tenants::{create_namespace_and_subscription, tenant_manifest, wait_gone};
use saascript_tests::{unique_name, wait};
use serde_json::json;

const LIMIT: Duration = Duration::from_secs(60);

fn finalizers(tenant: &Tenant) -> Vec<String> {
    tenant.metadata.finalizers.clone().unwrap_or_default()
}

async fn prevent_deletion(f: &BillingFixture, prevent: bool) {
    f.tenants
        .patch(
            &f.tenant,
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "preventDeletion": prevent } })),
        )
        .await
        .unwrap();
}

async fn stripe_status(f: &BillingFixture, subscription: &str) -> String {
    f.stripe.subscription(subscription).await["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn deleting_a_tenant_cancels_its_stripe_subscription() {
    let f = BillingFixture::start().await;
    let (_, subscription) = f.subscribe("pro").await;
    assert!(
        holds_billing_finalizer(&f.tenant().await),
        "a Tenant with a Stripe customer carries billing's finalizer"
    );
    assert_eq!(stripe_status(&f, &subscription).await, "active");
    // A tenant that has a customer but lost the finalizer (a customer made before billing took
    // part in deletions, or a hand edit) gets it back.
    let others: Vec<String> = finalizers(&f.tenant().await)
        .into_iter()
        .filter(|name| name != FINALIZER)
        .collect();
    f.tenants
        .patch(
            &f.tenant,
            &PatchParams::default(),
            &Patch::Merge(json!({ "metadata": { "finalizers": others } })),
        )
        .await
        .unwrap();
    f.wait_tenant("billing's finalizer to be put back", |t| {
        holds_billing_finalizer(t)
    })
    .await;

    f.tenants
        .delete(&f.tenant, &DeleteParams::default())
        .await
        .unwrap();
    wait_gone(&f.tenants, &f.tenant).await;

    assert_eq!(
        stripe_status(&f, &subscription).await,
        "canceled",
        "a deleted tenant is no longer billed"
    );
    let announced = f.billing.outbox().await;
    let deleted = (
        "billing.subscription.deleted".to_string(),
        subscription.clone(),
    );
    assert_eq!(
        announced.iter().filter(|e| **e == deleted).count(),
        1,
        "announced once: {announced:?}"
    );
    // Stripe's own notice of the cancellation, arriving after the tenant is gone, is taken and
    // changes nothing.
    let outcome = f
        .billing
        .accept("customer.subscription.deleted", &subscription)
        .await;
    assert!(outcome.contains("no longer exists"), "{outcome}");
    f.finish().await;
}

#[tokio::test]
async fn a_blocked_deletion_keeps_billing_and_a_billing_that_is_down_holds_the_deletion() {
    let mut f = BillingFixture::start().await;
    let (_, subscription) = f.subscribe("pro").await;
    prevent_deletion(&f, true).await;
    f.tenants
        .delete(&f.tenant, &DeleteParams::default())
        .await
        .unwrap();
    f.wait_tenant("the operator to block the deletion", |t| {
        t.status
            .as_ref()
            .and_then(|s| find_condition(&s.conditions, "DeletionBlocked"))
            .is_some_and(|c| c.reason == "PreventDeletion")
    })
    .await;

    // Blocked: the subscription runs on, and no new billing starts for a tenant marked for
    // deletion.
    assert_eq!(stripe_status(&f, &subscription).await, "active");
    assert!(holds_billing_finalizer(&f.tenant().await));
    let (status, problem) = f
        .call(
            Method::PUT,
            "/billing/subscription",
            Some(json!({ "plan": "pro-yearly" })),
        )
        .await;
    assert_eq!(status, 409, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("being deleted"),
        "{problem}"
    );

    // With billing down, lifting the block lets the operator finish its part, and the Tenant
    // stays until billing has closed the subscription.
    f.billing.stop_watching_tenants().await;
    prevent_deletion(&f, false).await;
    let held = wait::until(
        LIMIT,
        "the operator's part of the deletion to be done",
        || async {
            let t = f.tenants.get(&f.tenant).await.ok()?;
            (finalizers(&t) == [FINALIZER.to_string()]).then_some(t)
        },
    )
    .await;
    assert!(held.metadata.deletion_timestamp.is_some());
    assert_eq!(
        stripe_status(&f, &subscription).await,
        "active",
        "nothing canceled the subscription while billing was down"
    );
    // Stripe's news about a tenant whose deletion proceeds changes nothing.
    let outcome = f
        .billing
        .accept("customer.subscription.updated", &subscription)
        .await;
    assert!(outcome.contains("is being deleted"), "{outcome}");

    f.billing.watch_tenants();
    wait_gone(&f.tenants, &f.tenant).await;
    assert_eq!(stripe_status(&f, &subscription).await, "canceled");
    f.finish().await;
}

#[tokio::test]
async fn billing_makes_no_customer_for_a_tenant_whose_deletion_it_does_not_watch() {
    let f = BillingFixture::start().await;
    // A tenant of another test run: outside this billing's tenant selector. It gets the
    // namespace and Subscription its operator would make, so that only the selector is in the
    // way.
    let other = unique_name("bill-other");
    // Deleted (with its namespace) when the guard drops, also when an assertion below fails.
    let other_guard = TenantGuard::create(
        &f.env,
        &tenant_manifest(&other, &new_run_id(), "pooled", "free", "Delete"),
    )
    .await;
    let client = f.env.kube().await;
    create_namespace_and_subscription(&client, &other, "free").await;
    let owner = token_for(&f.auth, &other, &["owner"]).await;
    let card = f.stripe.card(GOOD_CARD).await;
    let (status, problem) = f
        .call_as(
            &owner,
            Method::PUT,
            "/billing/subscription",
            Some(json!({ "plan": "pro", "paymentMethod": card })),
        )
        .await;
    assert_eq!(status, 409, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("not one this billing serves"),
        "{problem}"
    );
    let tenant = f.tenants.get(&other).await.unwrap();
    assert!(
        !holds_billing_finalizer(&tenant),
        "a finalizer no billing would release"
    );
    f.tenants
        .delete(&other, &DeleteParams::default())
        .await
        .unwrap();
    wait_gone(&f.tenants, &other).await;
    // Takes its namespace away (the Tenant is gone already).
    drop(other_guard);
    f.finish().await;
}
