//! The shared HTTP layer: request ids, metrics by route template, limits and timeouts answered
//! with problems, and the health routes.

// A test file: its helpers fail loudly on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::{get, post};
use saascript_common::http::app;
use saascript_common::http::config::HttpConfig;
use saascript_common::http::health::always_ready;
use saascript_common::http::metrics::HttpMetrics;
use tower::ServiceExt;

fn config() -> HttpConfig {
    HttpConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        log_format: "pretty".into(),
        body_limit_bytes: 1024,
        request_timeout_ms: 100,
        shutdown_delay_seconds: 0,
    }
}

fn service(metrics: HttpMetrics) -> Router {
    let routes = Router::new()
        .route("/items/{id}", get(|| async { "item" }))
        .route("/echo", post(|body: String| async move { body }))
        // Slower than the 100 ms timeout on purpose: it is what the timeout test times out.
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(2)).await;
                "late"
            }),
        );
    app(routes, &config(), metrics, always_ready())
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    (
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&bytes).to_string(),
    )
}

fn get_req(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn a_sane_request_id_is_kept_and_a_forged_one_replaced() {
    let app = service(HttpMetrics::new("test"));
    let request = Request::get("/items/1")
        .header("x-request-id", "abc-123")
        .body(Body::empty())
        .unwrap();
    let (_, headers, _) = send(&app, request).await;
    assert_eq!(headers["x-request-id"], "abc-123");
    let forged = Request::get("/items/1")
        .header("x-request-id", "a b")
        .body(Body::empty())
        .unwrap();
    let (_, headers, _) = send(&app, forged).await;
    let id = headers["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 32, "a fresh id replaces the forged one: {id}");
}

#[tokio::test]
async fn metrics_are_labelled_by_route_template_never_by_raw_path() {
    let metrics = HttpMetrics::new("test");
    let app = service(metrics.clone());
    for id in ["123", "456", "secret-user-id"] {
        assert_eq!(
            send(&app, get_req(&format!("/items/{id}"))).await.0,
            StatusCode::OK
        );
    }
    send(&app, get_req("/no/such/path")).await;
    let text = metrics.encode();
    assert!(
        text.contains(
            r#"saascript_test_http_requests_total{method="GET",route="/items/{id}",status="200"} 3"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"route="unmatched",status="404""#), "{text}");
    assert!(
        !text.contains("secret-user-id") && !text.contains("/no/such/path"),
        "{text}"
    );
}

#[tokio::test]
async fn an_oversized_body_gets_a_413_problem() {
    let app = service(HttpMetrics::new("test"));
    let big = Request::post("/echo")
        .body(Body::from(vec![b'x'; 4096]))
        .unwrap();
    let (status, headers, body) = send(&app, big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(headers["content-type"], "application/problem+json");
    assert!(body.contains("\"code\":\"body_too_large\""), "{body}");
    let small = Request::post("/echo").body(Body::from("hello")).unwrap();
    assert_eq!(send(&app, small).await.2, "hello");
}

#[tokio::test]
async fn a_slow_request_gets_a_503_problem() {
    let app = service(HttpMetrics::new("test"));
    let (status, headers, body) = send(&app, get_req("/slow")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(headers["content-type"], "application/problem+json");
    assert!(body.contains("\"code\":\"timeout\""), "{body}");
}

#[tokio::test]
async fn health_and_readiness_say_what_is_wrong() {
    let metrics = HttpMetrics::new("test");
    assert_eq!(
        send(&service(metrics.clone()), get_req("/healthz")).await.0,
        StatusCode::OK
    );
    let failing: saascript_common::http::health::ReadinessCheck =
        Arc::new(|| Box::pin(async { Err("postgres: connection refused".to_string()) }));
    let app = app(Router::new(), &config(), metrics, failing);
    let (status, _, body) = send(&app, get_req("/readyz")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("postgres: connection refused"), "{body}");
    assert!(
        send(&app, get_req("/metrics"))
            .await
            .2
            .contains("saascript_test_http_requests_total")
    );
}

/// A route with typed path and query parameters, taken through the kit's extractors.
fn typed_service() -> Router {
    #[derive(serde::Deserialize)]
    struct Page {
        #[allow(dead_code)]
        limit: u32,
    }
    let routes = Router::new().route(
        "/orders/{id}",
        get(
            |saascript_common::input::Path(id): saascript_common::input::Path<u64>,
             saascript_common::input::Query(_page): saascript_common::input::Query<Page>| async move {
                format!("order {id}")
            },
        ),
    );
    app(routes, &config(), HttpMetrics::new("test"), always_ready())
}

fn problem_of(
    status: StatusCode,
    headers: &axum::http::HeaderMap,
    body: &str,
) -> serde_json::Value {
    assert_eq!(
        headers["content-type"], "application/problem+json",
        "{status}: {body}"
    );
    let problem: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(problem["status"], status.as_u16(), "{body}");
    problem
}

#[tokio::test]
async fn bad_path_and_query_parameters_are_problems() {
    let app = typed_service();
    let (status, _, body) = send(&app, get_req("/orders/7?limit=3")).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "order 7"));

    let (status, headers, body) = send(&app, get_req("/orders/seven?limit=3")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(problem_of(status, &headers, &body)["code"], "path_invalid");

    let (status, headers, body) = send(&app, get_req("/orders/7?limit=many")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let problem = problem_of(status, &headers, &body);
    assert_eq!(problem["code"], "query_invalid");
    assert_eq!(problem["field"], "limit", "{problem}");

    let (status, headers, body) = send(&app, get_req("/orders/7")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let problem = problem_of(status, &headers, &body);
    assert_eq!(problem["code"], "query_invalid");
    assert_eq!(problem["field"], "limit", "{problem}");
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_are_problems() {
    let app = typed_service();
    let (status, headers, body) = send(&app, get_req("/no/such/route")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(
        problem_of(status, &headers, &body)["code"],
        "route_not_found"
    );

    let request = Request::delete("/orders/7").body(Body::empty()).unwrap();
    let (status, headers, body) = send(&app, request).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
    assert_eq!(
        problem_of(status, &headers, &body)["code"],
        "method_not_allowed"
    );
    assert!(
        headers["allow"].to_str().unwrap().contains("GET"),
        "the Allow header survives: {headers:?}"
    );
}
