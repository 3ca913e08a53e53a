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
    ])
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
    let error = saascript_billing::run(config(&bad, "whsec_x"))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("plans.free.billing"), "{error}");
    assert!(error.contains(bad.to_str().unwrap()), "{error}");

    let shipped = saascript_tests::endpoints::workspace_root().join("config/plans.yaml");
    let error = saascript_billing::run(config(&shipped, ""))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("STRIPE_WEBHOOK_SECRETS"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}
