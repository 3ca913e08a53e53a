//! Stripe webhook handling in billing, end to end against the local dependencies (localstripe,
//! PostgreSQL, the local API server): one JSON line with
//! - signature checks per second (HMAC-SHA256 over a 2 KiB body, one core);
//! - latency of a new `customer.subscription.updated` delivery, one at a time: signature, dedupe
//!   row, the subscription fetched from Stripe, the Tenant and Subscription read and the status
//!   patched, the outbox row, the commit;
//! - latency of a duplicate delivery (the fast path);
//! - throughput of new deliveries for one subscription, 8 at a time (they take turns on the
//!   subscription's lock, by design).
//!
//! Run after `scripts/deps up`: `scripts/bench-billing` (a release build).

use std::time::{Duration, Instant};

use futures::future::join_all;
use k8s_openapi::api::core::v1::Namespace;
use kube::Api;
use kube::api::{DeleteParams, PostParams};
use saascript_crds::Tenant;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::billing_server::{BillingServer, WEBHOOK_SECRET, now};
use saascript_tests::crds::install_crds;
use saascript_tests::stripe_fake::{GOOD_CARD, StripeFake};
use saascript_tests::tenants::create_namespace_and_subscription;
use saascript_tests::{TestEnv, unique_name};
use serde_json::json;

const SEQUENTIAL: usize = 200;
const CONCURRENT: usize = 200;
const AT_ONCE: usize = 8;

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    saascript_common::install_crypto_provider();
    let env = TestEnv::new();
    let client = env.kube().await;
    install_crds(&client).await;
    let auth = AuthServer::start(&env).await;
    let billing = BillingServer::start(&env, &auth).await;
    let stripe = StripeFake::new(&billing.stripe_base);

    // A tenant as the operator would leave it: the Tenant, its namespace and Subscription.
    let tenant = unique_name("bench");
    let namespace = saascript_crds::names::tenant_namespace(&tenant);
    let tenants: Api<Tenant> = Api::all(client.clone());
    let created = tenants
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({
                "apiVersion": "saascript.io/v1alpha1", "kind": "Tenant",
                "metadata": { "name": tenant },
                "spec": { "displayName": "bench", "owners": ["o@bench.example"], "plan": "pro" },
            }))
            .unwrap(),
        )
        .await
        .unwrap();
    let uid = created.metadata.uid.unwrap();
    create_namespace_and_subscription(&client, &tenant, "pro").await;
    let customer = stripe
        .post("/customers", &[("metadata[tenant]", &tenant)])
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Billing's customer, as billing records it when it makes one.
    sqlx::query(
        "INSERT INTO billing_customers (tenant, tenant_uid, stripe_customer_id) VALUES ($1, $2, $3)",
    )
    .bind(&tenant)
    .bind(&uid)
    .bind(&customer)
    .execute(&billing.state.db)
    .await
    .unwrap();
    stripe.switch_card(&customer, GOOD_CARD).await;
    let subscription = stripe
        .post(
            "/subscriptions",
            &[
                ("customer", &customer),
                ("items[0][plan]", "price_saascript_pro_monthly"),
                ("metadata[tenant]", &tenant),
                ("metadata[tenant_uid]", &uid),
            ],
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Signature checks.
    let body = vec![b'x'; 2048];
    let header = saascript_billing::stripe::signature::sign(&body, WEBHOOK_SECRET, now());
    let secrets = vec![saascript_common::Sensitive::new(WEBHOOK_SECRET)];
    let checks = 200_000;
    let started = Instant::now();
    for _ in 0..checks {
        saascript_billing::stripe::signature::verify(Some(&header), &body, &secrets, now(), 300)
            .unwrap();
    }
    let signatures_per_second = checks as f64 / started.elapsed().as_secs_f64();

    // New deliveries, one at a time.
    let mut new = vec![];
    for _ in 0..SEQUENTIAL {
        let started = Instant::now();
        let (status, body) = billing
            .deliver_new("customer.subscription.updated", &subscription)
            .await;
        new.push(started.elapsed());
        assert_eq!(status, 200, "{body}");
        assert!(
            body["outcome"].as_str().unwrap().starts_with("applied"),
            "{body}"
        );
    }

    // The same event again and again.
    let event = format!("evt_{}", unique_name("dup"));
    billing
        .deliver_event(&event, "customer.subscription.updated", &subscription)
        .await;
    let mut duplicate = vec![];
    for _ in 0..SEQUENTIAL {
        let started = Instant::now();
        let (_, body) = billing
            .deliver_event(&event, "customer.subscription.updated", &subscription)
            .await;
        duplicate.push(started.elapsed());
        assert_eq!(body["duplicate"], true, "{body}");
    }

    // New deliveries, AT_ONCE at a time.
    let started = Instant::now();
    for _ in 0..CONCURRENT / AT_ONCE {
        let results = join_all(
            (0..AT_ONCE)
                .map(|_| billing.deliver_new("customer.subscription.updated", &subscription)),
        )
        .await;
        assert!(results.iter().all(|(s, _)| *s == 200), "{results:?}");
    }
    let concurrent_per_second = CONCURRENT as f64 / started.elapsed().as_secs_f64();

    println!(
        "{}",
        json!({
            "bench": "billing_webhooks",
            "signature_checks_per_second_one_core": signatures_per_second.round(),
            "new_event_ms_p50": percentile(&mut new, 0.5),
            "new_event_ms_p99": percentile(&mut new, 0.99),
            "duplicate_event_ms_p50": percentile(&mut duplicate, 0.5),
            "duplicate_event_ms_p99": percentile(&mut duplicate, 0.99),
            "new_events_per_second_8_at_once_one_subscription": concurrent_per_second.round(),
            "events": SEQUENTIAL * 2 + CONCURRENT,
        })
    );

    let _ = tenants.delete(&tenant, &DeleteParams::default()).await;
    let _ = Api::<Namespace>::all(client)
        .delete(&namespace, &DeleteParams::default())
        .await;
    billing.finish(&env).await;
    auth.finish(&env).await;
}
