//! /api/openapi.json is public and merges every service's document: the gateway builds it once
//! and serves the copy, so that anonymous clients cannot make it call every service per request.

use reqwest::StatusCode;
use saascript_tests::TestEnv;
use saascript_tests::echo_upstream::EchoUpstream;
use saascript_tests::gateway_server::GatewayServer;
use serde_json::Value;

#[tokio::test]
async fn many_requests_for_the_document_cost_one_fetch_per_service() {
    let env = TestEnv::new();
    let echo = EchoUpstream::start().await;
    // The echo stands in for auth and projects; it answers every path, so both count as
    // available (with no paths).
    let projects = format!("projects={}", echo.base);
    let gateway = GatewayServer::start(&env, &echo.base, &["--upstream", &projects]).await;
    let http = reqwest::Client::new();
    let fetch = || async {
        let response = http
            .get(gateway.url("/api/openapi.json"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json::<Value>().await.unwrap()
    };

    // At once: the first build is still running while the others arrive.
    let documents = futures::future::join_all((0..20).map(|_| fetch())).await;
    // And after it.
    for _ in 0..10 {
        assert_eq!(fetch().await, documents[0]);
    }
    assert!(documents.iter().all(|d| *d == documents[0]));
    assert_eq!(documents[0]["x-unavailable"], serde_json::json!([]));
    assert_eq!(echo.requests("/auth/openapi.json"), 1);
    assert_eq!(echo.requests("/projects/openapi.json"), 1);
}
