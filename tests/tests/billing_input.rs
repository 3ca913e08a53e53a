//! Billing's checks on input that would otherwise reach Stripe: an `Idempotency-Key` too long
//! for Stripe once billing has prefixed it (400, not async-stripe's 500), and a `paymentMethod`
//! that is not a Stripe id, which would go into a Stripe URL path (422, before any call to
//! Stripe). What reached Stripe is read from the Stripe fake itself. And billing's settings never
//! print Stripe's webhook secrets.

use clap::Parser;
use reqwest::Method;
use saascript_tests::billing_fixture::BillingFixture;
use saascript_tests::stripe_fake::GOOD_CARD;
use serde_json::{Value, json};

/// The longest `Idempotency-Key` billing takes from a client.
const LONGEST_KEY: usize = 190;

/// The address billing gives the fixture tenant's Stripe customer (its first owner's).
fn owner_email(f: &BillingFixture) -> String {
    format!("owner@{}.example", f.tenant)
}

/// PUT /billing/subscription as the owner, with `idempotency_key` when given.
async fn change_plan(
    f: &BillingFixture,
    idempotency_key: Option<&str>,
    body: Value,
) -> (u16, Value) {
    let mut request = f
        .http
        .request(Method::PUT, f.billing.url("/billing/subscription"))
        .bearer_auth(&f.owner)
        .json(&body);
    if let Some(key) = idempotency_key {
        request = request.header("idempotency-key", key);
    }
    let response = request.send().await.expect("billing answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status >= 400 {
        assert_eq!(content_type, "application/problem+json", "{body}");
    }
    (status, body)
}

/// Asserts that nothing of the tenant is in Stripe: no customer, in the fake or in billing.
async fn assert_no_customer(f: &BillingFixture, after: &str) {
    let customers = f.stripe.customers_with_email(&owner_email(f)).await;
    assert!(
        customers.is_empty(),
        "{after} reached Stripe: customers {customers:?}"
    );
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM billing_customers WHERE tenant = $1")
        .bind(&f.tenant)
        .fetch_one(&f.billing.state.db)
        .await
        .expect("billing's customers");
    assert_eq!(rows, 0, "{after}: billing recorded a customer");
}

/// After a change that was taken: the fake holds exactly one customer of the tenant (the oracle
/// above sees customers when there are some).
async fn assert_one_customer(f: &BillingFixture) {
    let customers = f.stripe.customers_with_email(&owner_email(f)).await;
    assert_eq!(customers.len(), 1, "{customers:?}");
    assert_eq!(
        customers[0]["metadata"]["tenant"],
        f.tenant.as_str(),
        "{customers:?}"
    );
}

#[tokio::test]
async fn a_payment_method_that_is_not_a_stripe_id_is_refused_before_stripe() {
    let f = BillingFixture::start().await;
    for payment_method in [
        "pm_x/../../v1/customers",
        "abc",
        "pm_",
        "pm_abc?expand[]=customer",
        "pm_abc#",
        "pm_ab c",
        "cus_abc",
    ] {
        let (status, problem) = change_plan(
            &f,
            None,
            json!({ "plan": "pro", "paymentMethod": payment_method }),
        )
        .await;
        assert_eq!(status, 422, "{payment_method:?}: {problem}");
        assert_eq!(
            problem["code"], "invalid_input",
            "{payment_method:?}: {problem}"
        );
        assert_eq!(
            problem["field"], "paymentMethod",
            "{payment_method:?}: {problem}"
        );
    }
    assert_no_customer(&f, "a paymentMethod that is not a Stripe id").await;

    // A real one is taken, and the fake then holds the tenant's customer.
    let card = f.stripe.card(GOOD_CARD).await;
    let (status, overview) =
        change_plan(&f, None, json!({ "plan": "pro", "paymentMethod": card })).await;
    assert_eq!(status, 200, "{overview}");
    assert_one_customer(&f).await;
    f.finish().await;
}

#[tokio::test]
async fn an_idempotency_key_too_long_for_stripe_is_a_400_before_stripe() {
    let f = BillingFixture::start().await;
    let card = f.stripe.card(GOOD_CARD).await;
    let body = json!({ "plan": "pro", "paymentMethod": card });
    for key in [
        "k".repeat(LONGEST_KEY + 1),
        "k".repeat(256),
        "k".repeat(4000),
    ] {
        let (status, problem) = change_plan(&f, Some(&key), body.clone()).await;
        assert_eq!(status, 400, "a key of {}: {problem}", key.len());
        assert_eq!(
            problem["code"],
            "idempotency_key_invalid",
            "a key of {}: {problem}",
            key.len()
        );
    }
    assert_no_customer(&f, "an Idempotency-Key over 190 characters").await;

    // The longest key billing takes still fits Stripe's limit with billing's prefix.
    let (status, overview) = change_plan(&f, Some(&"k".repeat(LONGEST_KEY)), body).await;
    assert_eq!(status, 200, "{overview}");
    assert_one_customer(&f).await;
    f.finish().await;
}

#[test]
fn billings_configuration_and_settings_never_print_the_webhook_secrets() {
    let current = "whsec_billing_input_current_0123456789";
    let previous = "whsec_billing_input_previous_9876543210";
    let secret_key = "sk_test_billing_input_secret_key";
    let secrets = format!("{current},{previous}");
    let config = saascript_billing::Config::try_parse_from([
        "saascript-billing",
        "--database-url",
        "postgres://billing:database-password@127.0.0.1/billing",
        "--stripe-secret-key",
        secret_key,
        "--stripe-webhook-secrets",
        &secrets,
    ])
    .expect("billing's flags parse");
    let settings = config.settings().expect("billing's settings");
    // The secrets are there, for verifying Stripe's signatures...
    let held: Vec<&str> = settings
        .webhook_secrets
        .iter()
        .map(|s| s.expose())
        .collect();
    assert_eq!(held, [current, previous]);
    // ...and never in what is printed, plainly or pretty.
    for printed in [
        format!("{config:?}"),
        format!("{config:#?}"),
        format!("{settings:?}"),
        format!("{settings:#?}"),
    ] {
        for secret in [current, previous, secret_key, "database-password"] {
            assert!(
                !printed.contains(secret),
                "{secret} is printed in {printed}"
            );
        }
        // Nor a recognisable part of one.
        assert!(!printed.contains("whsec_"), "{printed}");
    }
}
