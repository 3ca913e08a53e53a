//! A test whose dependency is not running must fail and say how to start it, never pass by
//! skipping. These point the kit at closed ports and check the failure it produces.

use std::future::Future;

use saascript_tests::{Dependency, Endpoints, TestEnv};

/// Runs `connect` and returns its panic message; fails if it did not panic.
async fn failure_of<F, Fut>(endpoints: Endpoints, connect: F) -> String
where
    F: FnOnce(TestEnv) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let outcome =
        tokio::spawn(async move { connect(TestEnv::with_endpoints(endpoints)).await }).await;
    let error = outcome.expect_err("connecting to a closed port must fail the test");
    let payload = error.into_panic();
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

// Port 1 on loopback: nothing listens there, so every connection is refused at once.
const CLOSED: &str = "127.0.0.1:1";

#[tokio::test]
async fn postgres_unreachable_names_its_start_command() {
    let endpoints = Endpoints::from_pairs(&[(
        Dependency::Postgres,
        "postgres://postgres:secret@127.0.0.1:1/postgres",
    )]);
    let message = failure_of(endpoints, |env| async move {
        env.postgres().await;
    })
    .await;
    assert!(message.contains("PostgreSQL is not reachable"), "{message}");
    assert!(message.contains("scripts/deps up postgres"), "{message}");
    assert!(
        !message.contains("secret"),
        "the password must not leak into the message: {message}"
    );
}

#[tokio::test]
async fn redis_unreachable_names_its_start_command() {
    let endpoints = Endpoints::from_pairs(&[(Dependency::Redis, "redis://127.0.0.1:1")]);
    let message = failure_of(endpoints, |env| async move {
        env.redis().await;
    })
    .await;
    assert!(message.contains("scripts/deps up redis"), "{message}");
}

#[tokio::test]
async fn kafka_unreachable_names_its_start_command() {
    let endpoints = Endpoints::from_pairs(&[(Dependency::Kafka, CLOSED)]);
    let message = failure_of(endpoints, |env| async move {
        env.ensure_kafka().await;
    })
    .await;
    assert!(message.contains("scripts/deps up kafka"), "{message}");
}

#[tokio::test]
async fn kubernetes_unreachable_names_its_start_command() {
    let endpoints = Endpoints::from_pairs(&[(Dependency::Kubernetes, "/nonexistent/kubeconfig")]);
    let message = failure_of(endpoints, |env| async move {
        env.kube().await;
    })
    .await;
    assert!(message.contains("scripts/deps up kubernetes"), "{message}");
}

#[tokio::test]
async fn a_dependency_that_is_not_configured_fails_instead_of_skipping() {
    let message = failure_of(Endpoints::from_pairs(&[]), |env| async move {
        env.dynamodb().await;
    })
    .await;
    assert!(
        message.contains("DYNAMODB_ENDPOINT is not set"),
        "{message}"
    );
    assert!(message.contains("scripts/deps up dynamodb"), "{message}");
}
