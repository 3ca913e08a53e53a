//! Stripe's webhook: forged, stale, duplicate, concurrent and out-of-order deliveries, and
//! refunds.

use std::time::Duration;

use futures::future::join_all;
use rdkafka::Message;
use reqwest::Method;
use saascript_tests::TestEnv;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::billing_fixture::BillingFixture;
use saascript_tests::billing_server::{
    BillingServer, PREVIOUS_WEBHOOK_SECRET, WEBHOOK_SECRET, now,
};
use saascript_tests::kafka_topics::{from_the_start, new_topic};
use saascript_tests::unique_name;
use serde_json::Value;

async fn events_recorded(billing: &BillingServer) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM stripe_events")
        .fetch_one(&billing.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn forged_and_stale_deliveries_are_refused_and_a_rotated_secret_still_works() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    let billing = BillingServer::start(&env, &auth).await;
    let id = || format!("evt_{}", unique_name("sig"));
    let type_ = "customer.subscription.updated";

    let (status, problem) = billing
        .deliver(&id(), type_, "sub_none", "whsec_forged", now())
        .await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["code"], "signature_invalid");
    assert_eq!(problem["status"], 400);

    let (status, problem) = billing
        .deliver(&id(), type_, "sub_none", WEBHOOK_SECRET, now() - 301)
        .await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["code"], "signature_timestamp_outside_tolerance");

    let response = reqwest::Client::new()
        .post(billing.url("/billing/webhooks/stripe"))
        .body(r#"{"id":"evt_x","type":"invoice.paid","data":{"object":{"id":"in_x"}}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        events_recorded(&billing).await,
        0,
        "a refused delivery left a trace"
    );

    // During a rotation, the previous secret is still accepted.
    let (status, body) = billing
        .deliver(&id(), type_, "sub_none", PREVIOUS_WEBHOOK_SECRET, now())
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["outcome"].as_str().unwrap().starts_with("ignored"),
        "{body}"
    );
    assert_eq!(events_recorded(&billing).await, 1);
    billing.finish(&env).await;
    auth.finish(&env).await;
}

#[tokio::test]
async fn duplicate_concurrent_and_out_of_order_deliveries_converge_on_stripe() {
    let f = BillingFixture::start().await;
    let (_, subscription) = f.subscribe("pro").await;
    let before = f.billing.outbox().await.len();

    // The same event five times at once: one effect, four duplicates.
    let event = format!("evt_{}", unique_name("dup"));
    let deliveries = join_all((0..5).map(|_| {
        f.billing
            .deliver_event(&event, "customer.subscription.updated", &subscription)
    }))
    .await;
    let duplicates = deliveries
        .iter()
        .filter(|(status, body)| *status == 200 && body["duplicate"] == true)
        .count();
    let applied = deliveries
        .iter()
        .filter(|(status, body)| *status == 200 && body["outcome"].is_string())
        .count();
    assert_eq!((applied, duplicates), (1, 4), "{deliveries:?}");
    assert_eq!(f.billing.outbox().await.len(), before + 1);
    // And once more later: still no effect.
    let (status, body) = f
        .billing
        .deliver_event(&event, "customer.subscription.updated", &subscription)
        .await;
    assert_eq!(
        (status.as_u16(), body["duplicate"].clone()),
        (200, true.into())
    );

    // Stripe changes the subscription; `updated` arrives before a stale `created`.
    f.stripe
        .post(
            &format!("/subscriptions/{subscription}"),
            &[("cancel_at_period_end", "true")],
        )
        .await;
    for type_ in [
        "customer.subscription.updated",
        "customer.subscription.created",
    ] {
        f.billing.accept(type_, &subscription).await;
    }
    let status = f.subscription().await.status.unwrap();
    assert!(
        status.cancel_at_period_end,
        "the stale event undid the change"
    );
    assert_eq!(status.state, Some(saascript_crds::StripeState::Active));

    // Eight different events about the subscription at once, around another change.
    f.stripe
        .post(
            &format!("/subscriptions/{subscription}"),
            &[("cancel_at_period_end", "false")],
        )
        .await;
    let deliveries = join_all((0..8).map(|_| {
        f.billing
            .deliver_new("customer.subscription.updated", &subscription)
    }))
    .await;
    assert!(deliveries.iter().all(|(s, _)| *s == 200), "{deliveries:?}");
    let status = f.subscription().await.status.unwrap();
    assert!(!status.cancel_at_period_end);
    assert_eq!(f.tenant().await.spec.plan, "pro");
    f.finish().await;
}

#[tokio::test]
async fn a_refund_is_recorded_and_announced() {
    let f = BillingFixture::start().await;
    let (customer, _) = f.subscribe("pro").await;
    let charges = f.stripe.get(&format!("/charges?customer={customer}")).await;
    let charge = charges["data"][0]["id"].as_str().unwrap().to_string();
    f.stripe
        .post("/refunds", &[("charge", &charge), ("amount", "1000")])
        .await;
    f.billing.accept("charge.refunded", &charge).await;
    let (status, refunds) = f.call(Method::GET, "/billing/refunds", None).await;
    assert_eq!(status, 200, "{refunds}");
    assert_eq!(refunds[0]["chargeId"], charge.as_str());
    assert_eq!(refunds[0]["amountRefunded"], 1000);
    assert_eq!(refunds[0]["amount"], 2900);
    assert!(
        f.billing
            .outbox()
            .await
            .contains(&("billing.charge.refunded".into(), charge.clone()))
    );

    // The relay publishes the outbox to Kafka: the refund is there as a CloudEvent keyed by
    // the tenant.
    let topic = new_topic(&f.env, "billing-events").await;
    let producer = saascript_common::event_outbox::producer(f.env.kafka_brokers()).unwrap();
    let published =
        saascript_common::event_outbox::relay_once(&f.billing.state.db, &producer, &topic)
            .await
            .unwrap();
    // Only Stripe's events are announced (billing's own calls are announced when Stripe's
    // webhook confirms them): here, the refund.
    assert_eq!(published, 1);
    let consumer = from_the_start(&f.env, &topic);
    let mut refund = None;
    for _ in 0..published {
        let message = tokio::time::timeout(Duration::from_secs(20), consumer.recv())
            .await
            .unwrap()
            .unwrap();
        let event: Value = serde_json::from_slice(message.payload().unwrap()).unwrap();
        assert_eq!(message.key(), Some(f.tenant.as_bytes()), "keyed by tenant");
        if event["type"] == "billing.charge.refunded" {
            refund = Some(event);
        }
    }
    let refund = refund.expect("the refund event in Kafka");
    assert_eq!(refund["source"], "saascript/billing");
    assert_eq!(refund["tenant"], f.tenant.as_str());
    assert_eq!(refund["data"]["amountRefunded"], 1000);
    f.finish().await;
}
