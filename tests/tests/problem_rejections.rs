//! Every rejection is a problem (RFC 9457), axum's own included. For every POST, PUT and PATCH
//! route of every service, as its OpenAPI document lists them, this sends malformed JSON, a
//! wrong content type, a body missing its required fields, a body with an unknown field, and a
//! method the route does not take, and checks the status, the media type and the problem's
//! `code` (and `field`, where one is at fault). Unknown routes answer 404 problems too.

use reqwest::{Method, StatusCode};
use saascript_tests::TestEnv;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::billing_server::{BillingServer, token_for};
use serde_json::{Value, json};

/// One route to probe, and how to reach it.
struct Route {
    service: &'static str,
    base: String,
    method: Method,
    path: String,
    /// The schema of its JSON body, resolved; None when it takes none.
    body_schema: Option<Value>,
    /// Whether it reads its body raw (Stripe's signed webhook), not as JSON.
    raw_body: bool,
    bearer: Option<String>,
}

/// The POST, PUT and PATCH routes in `document`, each with its body's schema.
fn write_routes(service: &'static str, base: &str, document: &Value, bearer: &str) -> Vec<Route> {
    let mut routes = vec![];
    let paths = document["paths"]
        .as_object()
        .expect("the document has paths");
    for (path, item) in paths {
        for method in ["post", "put", "patch"] {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let content = &operation["requestBody"]["content"]["application/json"]["schema"];
            let raw_body = content["type"] == "string";
            let body_schema = (!content.is_null() && !raw_body).then(|| resolve(document, content));
            let public = operation.get("security").is_none();
            routes.push(Route {
                service,
                base: base.to_string(),
                method: method.to_uppercase().parse().expect("a method"),
                path: path.clone(),
                body_schema,
                raw_body,
                bearer: (!public).then(|| bearer.to_string()),
            });
        }
    }
    routes
}

/// `schema`, with a `$ref` to the document's components followed.
fn resolve(document: &Value, schema: &Value) -> Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.rsplit('/').next().expect("a named reference");
            document["components"]["schemas"][name].clone()
        }
        None => schema.clone(),
    }
}

async fn send(
    http: &reqwest::Client,
    route: &Route,
    method: Method,
    content_type: Option<&str>,
    body: &str,
) -> (StatusCode, String, Value, reqwest::header::HeaderMap) {
    let mut request = http
        .request(method, format!("{}{}", route.base, route.path))
        .body(body.to_string());
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    if let Some(token) = &route.bearer {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the service answers");
    let status = response.status();
    let headers = response.headers().clone();
    let media_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let text = response.text().await.unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, media_type, json, headers)
}

/// Asserts a problem with `status` and `code`, and returns it.
fn assert_problem(
    what: &str,
    route: &Route,
    answer: &(StatusCode, String, Value, reqwest::header::HeaderMap),
    status: StatusCode,
    code: &str,
) -> Value {
    let (got, media_type, body, _) = answer;
    let name = format!(
        "{what} to {} {} ({})",
        route.method, route.path, route.service
    );
    assert_eq!(*got, status, "{name}: {body}");
    assert_eq!(media_type, "application/problem+json", "{name}: {body}");
    assert_eq!(body["code"], code, "{name}: {body}");
    assert_eq!(body["status"], status.as_u16(), "{name}: {body}");
    assert!(
        body["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("https://")),
        "{name}: {body}"
    );
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{name}: {body}"
    );
    body.clone()
}

async fn probe(http: &reqwest::Client, route: &Route) {
    let json_type = Some("application/json");
    if route.raw_body {
        // Stripe's webhook takes any bytes and trusts only the signature: a refusal, as a
        // problem, whatever the body.
        let answer = send(http, route, route.method.clone(), json_type, "{\"id\":").await;
        assert_problem(
            "an unsigned body",
            route,
            &answer,
            StatusCode::BAD_REQUEST,
            "signature_invalid",
        );
    } else if let Some(schema) = &route.body_schema {
        let answer = send(http, route, route.method.clone(), json_type, "{,}").await;
        assert_problem(
            "malformed JSON",
            route,
            &answer,
            StatusCode::BAD_REQUEST,
            "json_malformed",
        );

        let answer = send(
            http,
            route,
            route.method.clone(),
            json_type,
            "{\"unterminated",
        )
        .await;
        assert_problem(
            "truncated JSON",
            route,
            &answer,
            StatusCode::BAD_REQUEST,
            "json_malformed",
        );

        let answer = send(http, route, route.method.clone(), Some("text/plain"), "{}").await;
        assert_problem(
            "a text/plain body",
            route,
            &answer,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content_type_unsupported",
        );
        let answer = send(http, route, route.method.clone(), None, "{}").await;
        assert_problem(
            "a body without a content type",
            route,
            &answer,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content_type_unsupported",
        );

        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(first) = required.first() {
            let answer = send(http, route, route.method.clone(), json_type, "{}").await;
            let problem = assert_problem(
                "a body missing its required fields",
                route,
                &answer,
                StatusCode::UNPROCESSABLE_ENTITY,
                "json_invalid",
            );
            assert!(
                required.contains(&problem["field"].as_str().unwrap_or_default()),
                "{} {}: the field at fault is one of {required:?} ({first} first): {problem}",
                route.method,
                route.path
            );
        }

        let answer = send(
            http,
            route,
            route.method.clone(),
            json_type,
            r#"{"surpriseField": 1}"#,
        )
        .await;
        let problem = assert_problem(
            "an unknown field",
            route,
            &answer,
            StatusCode::UNPROCESSABLE_ENTITY,
            "json_invalid",
        );
        assert_eq!(
            problem["field"], "surpriseField",
            "{} {}",
            route.method, route.path
        );

        let answer = send(http, route, route.method.clone(), json_type, "\"a string\"").await;
        assert_problem(
            "JSON of the wrong type",
            route,
            &answer,
            StatusCode::UNPROCESSABLE_ENTITY,
            "json_invalid",
        );
    }

    // A method the route does not take: 405, with the methods it does take.
    let answer = send(http, route, Method::DELETE, json_type, "{}").await;
    assert_problem(
        "DELETE",
        route,
        &answer,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );
    let allow = answer
        .3
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        allow.contains(route.method.as_str()),
        "{} {}: Allow is {allow:?}",
        route.method,
        route.path
    );
}

#[tokio::test]
async fn every_rejection_of_every_write_route_is_a_problem() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    let billing = BillingServer::start(&env, &auth).await;
    let http = reqwest::Client::new();
    // A token that passes every route's authentication, so that the body is what is judged.
    let bearer = token_for(&auth, "rejections", &["owner", "admin"]).await;

    let mut routes = vec![];
    for (service, base, document_path) in [
        ("auth", auth.base.clone(), "/auth/openapi.json"),
        ("billing", billing.base.clone(), "/billing/openapi.json"),
    ] {
        let document: Value = http
            .get(format!("{base}{document_path}"))
            .send()
            .await
            .expect("the service answers")
            .json()
            .await
            .expect("an OpenAPI document");
        let found = write_routes(service, &base, &document, &bearer);
        assert!(!found.is_empty(), "{service} lists no write routes");
        routes.extend(found);
    }
    // The documents list every write route the services have; the count guards against a
    // document that silently lost some.
    let with_bodies = routes.iter().filter(|r| r.body_schema.is_some()).count();
    assert!(
        routes.len() >= 15,
        "only {} write routes found",
        routes.len()
    );
    assert!(
        with_bodies >= 10,
        "only {with_bodies} routes with JSON bodies"
    );

    for route in &routes {
        probe(&http, route).await;
    }

    for (service, base, path) in [
        ("auth", &auth.base, "/auth/no-such-route"),
        ("billing", &billing.base, "/billing/no-such-route"),
    ] {
        let route = Route {
            service,
            base: base.clone(),
            method: Method::POST,
            path: path.into(),
            body_schema: None,
            raw_body: false,
            bearer: None,
        };
        let answer = send(&http, &route, Method::POST, Some("application/json"), "{}").await;
        assert_problem(
            "an unknown route",
            &route,
            &answer,
            StatusCode::NOT_FOUND,
            "route_not_found",
        );
    }

    billing.finish(&env).await;
    auth.finish(&env).await;
}

#[tokio::test]
async fn a_problem_names_the_field_at_fault_in_a_nested_or_mistyped_body() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    let http = reqwest::Client::new();
    let (status, body) = saascript_tests::http::post_json(
        &http,
        auth.url("/auth/register"),
        json!({"email": "someone@example.com", "password": 12345}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "json_invalid", "{body}");
    assert_eq!(body["field"], "password", "{body}");
    auth.finish(&env).await;
}
