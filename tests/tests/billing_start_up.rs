//! Billing refuses to start on a catalog it cannot trust, or without a webhook secret, and says
//! which.

use clap::Parser;

fn config(catalog: &std::path::Path, secrets: &str) -> saascript_billing::Config {
    saascript_billing::Config::parse_from([
        "saascript-billing",
        "--catalog",
        catalog.to_str().unwrap(),
        "--stripe-webhook-secrets",
        secrets,
        // Never reached: the catalog and the secrets are checked before anything connects.
        "--database-url",
        "postgres://127.0.0.1:1/unreachable",
    ])
}

/// Billing's start-up error, as `main` would print it.
async fn start_up_error(config: saascript_billing::Config) -> String {
    let env = saascript_tests::TestEnv::new();
    let platform = saascript_common::kit::Platform {
        kube: env.kube().await,
        clock: saascript_common::clock::system_clock(),
    };
    match saascript_billing::build(config, platform).await {
        Ok(_) => panic!("billing started"),
        Err(e) => e.to_string(),
    }
}

#[tokio::test]
async fn a_bad_catalog_or_no_webhook_secret_stops_start_up_with_the_reason() {
    let dir = std::env::temp_dir().join(saascript_tests::unique_name("catalog"));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("plans.yaml");
    std::fs::write(
        &bad,
        "defaultPlan: free\nplans:\n  free:\n    displayName: Free\n    isolation: pooled\n    \
         quota: { cpu: \"2\", memory: 4Gi, storage: 5Gi, pods: 10 }\n    maxProjects: 3\n    \
         maxMembers: 3\n    requestsPerSecond: 5\n    billing: { stripePriceId: price_x, \
         invoicedOutsideStripe: true }\n",
    )
    .unwrap();
    let error = start_up_error(config(&bad, "whsec_x")).await;
    assert!(error.contains("plans.free.billing"), "{error}");
    assert!(error.contains(bad.to_str().unwrap()), "{error}");

    let shipped = saascript_tests::endpoints::workspace_root().join("config/plans.yaml");
    let error = start_up_error(config(&shipped, "")).await;
    assert!(error.contains("STRIPE_WEBHOOK_SECRETS"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}
