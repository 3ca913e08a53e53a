//! A lapsed payment: the tenant keeps its plan during the grace period, is suspended once it is
//! over (the gateway refuses suspended tenants), and is reinstated when it pays again.
//!
//! Two lapses: a failed payment (past_due, then paid), and the end of Stripe's dunning (the
//! subscription canceled for lack of payment, then a new one).

use reqwest::Method;
use saascript_common::tenants::TenantDirectory;
use saascript_crds::{StripeState, TenantPhase};
use saascript_tests::billing_fixture::{BillingFixture, GRACE_SECONDS, plan_in_force, reason};
use saascript_tests::gateway_server::start_gateway;
use saascript_tests::stripe_fake::{FAILING_CARD, GOOD_CARD};
use saascript_tests::wait;

/// The owner's GET of the projects list through the gateway, once the gateway's view of the
/// tenant agrees with the API server's: (status, problem code or ""). This gateway has no
/// projects upstream, so an admitted request answers 503 `upstream_not_configured` (checked after
/// admission) and a refused one 403 `tenant_suspended`. Billing itself stays reachable while
/// suspended (so that the tenant can pay): `billing_stays_reachable` checks that half.
async fn through_gateway(f: &BillingFixture, gateway: &str) -> (u16, String) {
    let http = reqwest::Client::new();
    let suspended = f
        .tenant()
        .await
        .status
        .is_some_and(|s| s.phase == Some(TenantPhase::Suspended));
    // The gateway learns of the change through its watch: poll until it answers accordingly.
    wait::until(
        std::time::Duration::from_secs(30),
        "the gateway to see the tenant's suspension change",
        || async {
            let response = http
                .get(format!("{gateway}/api/projects"))
                .bearer_auth(&f.owner)
                .send()
                .await
                .ok()?;
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            let code = body["code"].as_str().unwrap_or_default().to_string();
            ((code == "tenant_suspended") == suspended).then_some((status, code))
        },
    )
    .await
}

/// A suspended tenant can still read its billing through the gateway: paying is how it gets out.
async fn billing_stays_reachable(f: &BillingFixture, gateway: &str) {
    let response = reqwest::Client::new()
        .get(format!("{gateway}/api/billing/subscription"))
        .bearer_auth(&f.owner)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        200,
        "a suspended tenant cannot reach its billing to pay"
    );
}

#[tokio::test]
async fn a_failed_payment_goes_past_due_then_suspends_and_payment_reinstates() {
    let f = BillingFixture::start().await;
    let gateway = start_gateway(
        &f.auth,
        &f.billing,
        TenantDirectory::start(f.env.kube().await),
    )
    .await;
    let (customer, subscription) = f.subscribe("pro").await;
    f.wait_tenant("pro in force", |t| {
        plan_in_force(t).as_deref() == Some("pro")
    })
    .await;
    assert_eq!(
        through_gateway(&f, &gateway).await,
        (503, "upstream_not_configured".to_string()),
        "a paying tenant was not admitted"
    );

    // The card now fails, and the switch to yearly billing is invoiced at once (a new billing
    // interval starts a new period, prorated): the payment fails and Stripe says past_due.
    f.stripe.switch_card(&customer, FAILING_CARD).await;
    let (status, body) = f
        .call(
            Method::PUT,
            "/billing/subscription",
            Some(serde_json::json!({ "plan": "pro-yearly" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "past_due", "{body}");
    assert_eq!(body["plan"], "pro", "an unpaid change is not confirmed");
    let invoice = f.stripe.subscription(&subscription).await["latest_invoice"]
        .as_str()
        .unwrap()
        .to_string();
    let invoice_status = f.stripe.get(&format!("/invoices/{invoice}")).await;
    assert_eq!(invoice_status["status"], "open", "{invoice_status}");
    // Prorated: the year (290.00) less the unused month already paid (29.00).
    assert_eq!(invoice_status["total"], 29_000 - 2_900, "{invoice_status}");
    f.billing.accept("invoice.payment_failed", &invoice).await;

    // past_due: payment is not OK, but the paid plan stays in force during the grace period.
    let sub = f
        .wait_subscription("PaymentOK=False PastDue", |s| {
            reason(s, "PaymentOK").as_deref() == Some("PastDue")
        })
        .await;
    let status = sub.status.unwrap();
    assert_eq!(status.state, Some(StripeState::PastDue));
    assert!(!status.suspended);
    let lapsed = status.payment_lapsed_since.unwrap();

    // Once the grace period is over, the tenant is suspended on the free plan's entitlements.
    let tenant = f
        .wait_tenant("the suspension for payment", |t| {
            t.status.as_ref().and_then(|s| s.phase) == Some(TenantPhase::Suspended)
        })
        .await;
    // The gateway refuses the tenant from here on, though its spec never said suspended: it
    // reads the operator's Suspended condition.
    assert!(!tenant.spec.suspended);
    assert_eq!(
        through_gateway(&f, &gateway).await,
        (403, "tenant_suspended".to_string()),
        "a tenant suspended for payment passed the gateway"
    );
    billing_stays_reachable(&f, &gateway).await;
    assert!(
        jiff::Timestamp::now().duration_since(lapsed.0).as_secs() >= GRACE_SECONDS as i64,
        "suspended before the grace period was over"
    );
    assert_eq!(plan_in_force(&tenant).as_deref(), Some("free"));
    // The operator's metrics count it (its run has this one tenant).
    f.wait_metric("saascript_operator_tenants_suspended_for_payment", 1.0)
        .await;
    f.wait_metric(
        "saascript_operator_subscriptions{reason=\"GracePeriodExpired\"}",
        1.0,
    )
    .await;

    // The customer fixes the card and the open invoice is paid: Stripe confirms the yearly
    // plan, and the suspension is lifted.
    f.stripe.switch_card(&customer, GOOD_CARD).await;
    assert!(f.stripe.pay(&invoice).await, "the good card did not pay");
    assert_eq!(
        f.stripe.subscription(&subscription).await["status"],
        "active"
    );
    f.billing.accept("invoice.paid", &invoice).await;
    let tenant = f
        .wait_tenant("the reinstatement on the yearly plan", |t| {
            t.status.as_ref().and_then(|s| s.phase) == Some(TenantPhase::Ready)
                && t.spec.plan == "pro-yearly"
                && plan_in_force(t).as_deref() == Some("pro-yearly")
        })
        .await;
    assert!(!tenant.spec.suspended);
    let sub = f.subscription().await;
    assert_eq!(reason(&sub, "PaymentOK").as_deref(), Some("Active"));
    assert!(sub.status.unwrap().payment_lapsed_since.is_none());
    assert_eq!(
        through_gateway(&f, &gateway).await,
        (503, "upstream_not_configured".to_string()),
        "the reinstated tenant is refused"
    );
    f.wait_metric("saascript_operator_tenants_suspended_for_payment", 0.0)
        .await;
    f.wait_metric("saascript_operator_subscriptions{reason=\"Active\"}", 1.0)
        .await;
    let types: Vec<String> = f
        .billing
        .outbox()
        .await
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    for expected in ["billing.invoice.payment_failed", "billing.invoice.paid"] {
        assert!(types.contains(&expected.to_string()), "{types:?}");
    }
    f.finish().await;
}

#[tokio::test]
async fn a_subscription_canceled_for_lack_of_payment_suspends_until_a_new_one_is_paid() {
    let f = BillingFixture::start().await;
    let (customer, subscription) = f.subscribe("pro").await;
    f.wait_tenant("pro in force", |t| {
        plan_in_force(t).as_deref() == Some("pro")
    })
    .await;

    // The card fails and Stripe, after its retries, cancels the subscription.
    f.stripe.switch_card(&customer, FAILING_CARD).await;
    f.stripe.cancel(&subscription).await;
    f.billing
        .accept("customer.subscription.deleted", &subscription)
        .await;

    // Not requested by the tenant: the declared plan stays, payment is not OK, and the plan
    // stays in force during the grace period.
    let sub = f
        .wait_subscription("PaymentOK=False Canceled", |s| {
            reason(s, "PaymentOK").as_deref() == Some("Canceled")
        })
        .await;
    let status = sub.status.unwrap();
    assert_eq!(status.state, Some(StripeState::Canceled));
    assert!(status.payment_lapsed_since.is_some());
    assert_eq!(f.tenant().await.spec.plan, "pro");

    // Once the grace period is over the tenant is suspended and falls back to free.
    let tenant = f
        .wait_tenant("the suspension for payment", |t| {
            t.status.as_ref().and_then(|s| s.phase) == Some(TenantPhase::Suspended)
        })
        .await;
    let lapsed = status.payment_lapsed_since.unwrap();
    assert!(
        jiff::Timestamp::now().duration_since(lapsed.0).as_secs() >= GRACE_SECONDS as i64,
        "suspended before the grace period was over"
    );
    let suspended =
        saascript_crds::find_condition(&tenant.status.as_ref().unwrap().conditions, "Suspended")
            .unwrap()
            .clone();
    assert_eq!(suspended.reason, "PaymentLapsed");
    assert_eq!(plan_in_force(&tenant).as_deref(), Some("free"));
    assert!(
        !tenant.spec.suspended,
        "an admin's flag is not billing's to set"
    );
    let sub = f.subscription().await;
    assert_eq!(
        reason(&sub, "PaymentOK").as_deref(),
        Some("GracePeriodExpired")
    );
    assert!(sub.status.unwrap().suspended);
    let (_, overview) = f.call(Method::GET, "/billing/subscription", None).await;
    assert_eq!(overview["suspendedForPayment"], true);

    // The customer pays again with a good card: the suspension is lifted.
    let (new_customer, new_subscription) = f.subscribe("pro").await;
    assert_eq!(new_customer, customer, "one customer per tenant");
    assert_ne!(new_subscription, subscription);
    let tenant = f
        .wait_tenant("the reinstatement", |t| {
            t.status.as_ref().and_then(|s| s.phase) == Some(TenantPhase::Ready)
                && plan_in_force(t).as_deref() == Some("pro")
        })
        .await;
    let suspended =
        saascript_crds::find_condition(&tenant.status.as_ref().unwrap().conditions, "Suspended")
            .map(|c| c.status);
    assert_ne!(
        suspended,
        Some(saascript_crds::ConditionStatus::True),
        "the reinstated tenant still carries Suspended=True"
    );
    let sub = f.subscription().await;
    assert_eq!(reason(&sub, "PaymentOK").as_deref(), Some("Active"));
    let status = sub.status.unwrap();
    assert!(!status.suspended);
    assert!(status.payment_lapsed_since.is_none());

    // A late event about the old, canceled subscription does not undo the new one.
    let outcome = f
        .billing
        .accept("customer.subscription.updated", &subscription)
        .await;
    assert!(outcome.starts_with("ignored"), "{outcome}");
    assert_eq!(
        f.subscription()
            .await
            .status
            .unwrap()
            .stripe_subscription_id,
        Some(new_subscription)
    );
    f.finish().await;
}
