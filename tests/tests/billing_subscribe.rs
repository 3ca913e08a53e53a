//! Subscribing through billing: Stripe confirms, the Subscription mirrors it, the Tenant's plan
//! and entitlements follow, and the gateway's rate limit with them.

use std::time::Duration;

use reqwest::Method;
use saascript_common::tenants::TenantDirectory;
use saascript_tests::billing_fixture::{BillingFixture, plan_in_force, reason};
use saascript_tests::billing_server::token_for;
use saascript_tests::gateway_server::start_gateway;
use saascript_tests::wait;

/// A gateway in front of the fixture's auth and billing; returns its base URL.
async fn gateway(f: &BillingFixture, directory: TenantDirectory) -> String {
    start_gateway(&f.auth, &f.billing, directory).await
}

/// Sends `n` requests through the gateway as fast as it answers; returns how many got 429.
async fn refused_of(gateway: &str, token: &str, n: usize) -> usize {
    let http = reqwest::Client::new();
    let mut refused = 0;
    for _ in 0..n {
        let response = http
            .get(format!("{gateway}/api/billing/subscription"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        match response.status().as_u16() {
            429 => refused += 1,
            200 => {}
            other => panic!(
                "the gateway answered {other}: {}",
                response.text().await.unwrap()
            ),
        }
    }
    refused
}

#[tokio::test]
async fn subscribing_confirms_the_plan_and_the_entitlements_reach_the_gateway() {
    let f = BillingFixture::start().await;
    // The gateway's view of the tenant, from the same Tenant resource.
    let directory = TenantDirectory::start(f.env.kube().await);
    let gateway = gateway(&f, directory.clone()).await;
    let rate = |d: &TenantDirectory| d.lookup(&f.tenant).and_then(|t| t.requests_per_second);
    wait::until(
        Duration::from_secs(30),
        "the free plan's rate at the gateway",
        || async { (rate(&directory) == Some(5)).then_some(()) },
    )
    .await;
    // Free allows 5 requests per second (a burst of 5): 12 at once are partly refused.
    assert!(
        refused_of(&gateway, &f.owner, 12).await > 0,
        "free's rate was not enforced"
    );

    // Only an owner or admin may touch billing.
    let member = token_for(&f.auth, &f.tenant, &["member"]).await;
    let (status, problem) = f
        .call_as(&member, Method::GET, "/billing/subscription", None)
        .await;
    assert_eq!(status, 403, "{problem}");
    assert_eq!(problem["code"], "role_required");
    // Every write, too, and the refusal comes before anything reaches Stripe.
    let card = f.stripe.card(saascript_tests::stripe_fake::GOOD_CARD).await;
    for (method, path, body) in [
        (
            Method::PUT,
            "/billing/subscription",
            Some(serde_json::json!({ "plan": "pro", "paymentMethod": card })),
        ),
        (Method::POST, "/billing/subscription/cancel", None),
        (Method::POST, "/billing/subscription/resume", None),
        (
            Method::POST,
            "/billing/checkout",
            Some(serde_json::json!({ "plan": "pro" })),
        ),
        (Method::POST, "/billing/portal", None),
    ] {
        let (status, problem) = f.call_as(&member, method.clone(), path, body).await;
        assert_eq!(status, 403, "a member's {method} {path}: {problem}");
        assert_eq!(problem["code"], "role_required", "{method} {path}");
    }
    let customers: i64 = sqlx::query_scalar("SELECT count(*) FROM billing_customers")
        .fetch_one(&f.billing.state.db)
        .await
        .unwrap();
    assert_eq!(
        customers, 0,
        "a member's refused writes made a Stripe customer"
    );
    let (status, overview) = f.call(Method::GET, "/billing/subscription", None).await;
    assert_eq!(status, 200, "{overview}");
    assert_eq!(overview["plan"], "free");
    assert_eq!(overview["planInForce"], "free");

    // Unknown and contract plans are refused with a problem.
    let (status, problem) = f
        .call(
            Method::PUT,
            "/billing/subscription",
            Some(serde_json::json!({ "plan": "gold" })),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    let (status, problem) = f
        .call(
            Method::PUT,
            "/billing/subscription",
            Some(serde_json::json!({ "plan": "enterprise" })),
        )
        .await;
    assert_eq!(status, 409, "{problem}");

    // Checkout is a real call; the fake has none, and the answer says so.
    let (status, problem) = f
        .call(
            Method::POST,
            "/billing/checkout",
            Some(serde_json::json!({ "plan": "pro" })),
        )
        .await;
    assert_eq!(status, 501, "{problem}");
    assert_eq!(problem["code"], "not_offered_here");
    let (customer, subscription) = f.subscribe("pro").await;
    assert!(customer.starts_with("cus_") && subscription.starts_with("sub_"));

    // Stripe confirmed (the subscription is active): the declared plan is pro...
    assert_eq!(f.tenant().await.spec.plan, "pro");
    let sub = f
        .wait_subscription("the Subscription to be active with pro in force", |s| {
            s.status.as_ref().is_some_and(|st| {
                st.state == Some(saascript_crds::StripeState::Active)
                    && st.entitlements.as_ref().is_some_and(|e| e.plan == "pro")
            })
        })
        .await;
    assert_eq!(reason(&sub, "PaymentOK").as_deref(), Some("Active"));
    assert_eq!(reason(&sub, "Synced").as_deref(), Some("Confirmed"));
    let status = sub.status.unwrap();
    assert_eq!(
        status.stripe_customer_id.as_deref(),
        Some(customer.as_str())
    );
    assert_eq!(status.confirmed_plan.as_deref(), Some("pro"));
    assert!(status.current_period_end.is_some());

    // ...the Tenant's entitlements follow, and the gateway's rate limit with them.
    let tenant = f
        .wait_tenant("pro's entitlements on the Tenant", |t| {
            plan_in_force(t).as_deref() == Some("pro")
        })
        .await;
    assert_eq!(
        tenant
            .status
            .unwrap()
            .entitlements
            .unwrap()
            .requests_per_second,
        50
    );
    wait::until(
        Duration::from_secs(30),
        "pro's rate at the gateway",
        || async { (rate(&directory) == Some(50)).then_some(()) },
    )
    .await;

    // Kubernetes Events on the Subscription say what changed, each plan its own.
    let events: kube::Api<k8s_openapi::api::events::v1::Event> = kube::Api::namespaced(
        f.env.kube().await,
        &saascript_crds::names::tenant_namespace(&f.tenant),
    );
    let notes: Vec<String> = events
        .list(&Default::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|e| e.reason.as_deref() == Some("EntitlementsChanged"))
        .filter_map(|e| e.note)
        .collect();
    for plan in ["free", "pro"] {
        let note = format!("the entitlements of plan {plan} are in force");
        assert!(notes.contains(&note), "{note:?} not in {notes:?}");
    }

    // Stripe's own notice of the creation changes nothing more and emits the event.
    let outcome = f
        .billing
        .accept("customer.subscription.created", &subscription)
        .await;
    assert!(outcome.starts_with("applied"), "{outcome}");
    assert!(
        f.billing
            .outbox()
            .await
            .contains(&("billing.subscription.created".into(), subscription.clone()))
    );

    // One customer, with the tenant in its metadata; the invoice is listed.
    let customers: i64 = sqlx::query_scalar("SELECT count(*) FROM billing_customers")
        .fetch_one(&f.billing.state.db)
        .await
        .unwrap();
    assert_eq!(customers, 1);
    let stripe_customer = f.stripe.get(&format!("/customers/{customer}")).await;
    assert_eq!(stripe_customer["metadata"]["tenant"], f.tenant.as_str());
    let (status, invoices) = f.call(Method::GET, "/billing/invoices", None).await;
    assert_eq!(status, 200, "{invoices}");
    assert_eq!(invoices[0]["status"], "paid", "{invoices}");

    // With a live subscription, Checkout would start a second one: refused.
    let (status, problem) = f
        .call(
            Method::POST,
            "/billing/checkout",
            Some(serde_json::json!({ "plan": "pro" })),
        )
        .await;
    assert_eq!(status, 409, "{problem}");
    // The Portal is a real call; the fake has none, and the answer says so.
    let (status, problem) = f.call(Method::POST, "/billing/portal", None).await;
    assert_eq!(status, 501, "{problem}");

    // Billing's OpenAPI is merged into the gateway's, at the paths the gateway serves.
    let openapi: serde_json::Value = reqwest::get(format!("{gateway}/api/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in ["/api/billing/subscription", "/api/billing/webhooks/stripe"] {
        assert!(
            openapi["paths"][path].is_object(),
            "{path} missing from the merged OpenAPI"
        );
    }

    // Cancel at period end, then resume: Stripe's flag is mirrored both ways.
    let (status, overview) = f
        .call(Method::POST, "/billing/subscription/cancel", None)
        .await;
    assert_eq!(status, 200, "{overview}");
    assert_eq!(overview["cancelAtPeriodEnd"], true);
    let (status, overview) = f
        .call(Method::POST, "/billing/subscription/resume", None)
        .await;
    assert_eq!(status, 200, "{overview}");
    assert_eq!(overview["cancelAtPeriodEnd"], false);
    assert_eq!(overview["plan"], "pro");

    // Leaving for the free plan cancels at the period's end; Stripe's deletion at that point
    // (here, at once) returns the tenant to free.
    let (status, overview) = f
        .call(
            Method::PUT,
            "/billing/subscription",
            Some(serde_json::json!({ "plan": "free" })),
        )
        .await;
    assert_eq!(status, 200, "{overview}");
    assert_eq!(overview["cancelAtPeriodEnd"], true);
    assert_eq!(overview["plan"], "pro", "the paid period runs to its end");
    f.stripe.cancel(&subscription).await;
    f.billing
        .accept("customer.subscription.deleted", &subscription)
        .await;
    f.wait_tenant("the free plan again", |t| {
        t.spec.plan == "free" && plan_in_force(t).as_deref() == Some("free")
    })
    .await;
    f.finish().await;
}
