//! Every rejection is a problem (RFC 9457), axum's own included. For every POST, PUT and PATCH
//! route of every service (auth, billing, tenants, profiles, projects), as its OpenAPI document
//! lists them, this sends malformed JSON, a wrong content type, a body missing its required
//! fields, a body with an unknown field, and a method the route does not take, and checks the
//! status, the media type and the problem's `code` (and `field`, where one is at fault). Each
//! request carries what the route needs to reach its body (a token of a live Tenant, and the
//! headers the document marks required), so that the body is what is judged. Unknown routes
//! answer 404 problems too.

use reqwest::{Method, StatusCode};
use saascript_tests::access_tokens::sign_access_token;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::billing_server::BillingServer;
use saascript_tests::crds::install_crds;
use saascript_tests::profiles_server::{ProfilesServer, new_user_id};
use saascript_tests::projects_server::{ProjectsOptions, ProjectsServer};
use saascript_tests::tenants_server::TenantsServer;
use saascript_tests::{TestEnv, unique_name};
use serde_json::{Value, json};

/// What a path parameter is filled with: an id of the shape the routes take, of nothing.
const MISSING_ID: &str = "0190d6a0-0000-7000-8000-000000000000";

/// One route to probe, and how to reach it.
struct Route {
    service: &'static str,
    base: String,
    method: Method,
    /// The path as the document writes it, and as sent (its parameters filled).
    template: String,
    path: String,
    /// Every method the document lists for the path.
    allowed: Vec<Method>,
    /// The headers the operation requires (besides the token), by name.
    required_headers: Vec<String>,
    /// The schema of its JSON body, resolved; None when it takes none.
    body_schema: Option<Value>,
    /// Whether it reads its body raw (Stripe's signed webhook), not as JSON.
    raw_body: bool,
    bearer: Option<String>,
}

/// A value of a required header that lets the request past it, so that its body is judged.
fn header_value(name: &str) -> Option<String> {
    match name.to_ascii_lowercase().as_str() {
        // A new key each time: no request is ever taken for a retry of another.
        "idempotency-key" => Some(unique_name("probe")),
        // Profiles: the version of a profile not stored yet.
        "if-match" => Some("\"0\"".into()),
        _ => None,
    }
}

/// The POST, PUT and PATCH routes in `document`, each with its body's schema.
fn write_routes(service: &'static str, base: &str, document: &Value, bearer: &str) -> Vec<Route> {
    let mut routes = vec![];
    let paths = document["paths"]
        .as_object()
        .expect("the document has paths");
    for (template, item) in paths {
        let allowed: Vec<Method> = ["get", "put", "post", "delete", "patch"]
            .into_iter()
            .filter(|m| item.get(*m).is_some())
            .map(|m| m.to_uppercase().parse().expect("a method"))
            .collect();
        for method in ["post", "put", "patch"] {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let content = &operation["requestBody"]["content"]["application/json"]["schema"];
            let raw_body = content["type"] == "string";
            let body_schema = (!content.is_null() && !raw_body).then(|| resolve(document, content));
            let public = operation.get("security").is_none();
            let required_headers: Vec<String> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "header" && p["required"] == true)
                .filter_map(|p| p["name"].as_str().map(str::to_string))
                .collect();
            if !raw_body {
                for name in &required_headers {
                    assert!(
                        header_value(name).is_some(),
                        "{method} {template} ({service}) requires header {name}, which this \
                         probe cannot fill: teach header_value() a value that passes it"
                    );
                }
            }
            routes.push(Route {
                service,
                base: base.to_string(),
                method: method.to_uppercase().parse().expect("a method"),
                path: fill_parameters(template),
                template: template.clone(),
                allowed: allowed.clone(),
                required_headers,
                body_schema,
                raw_body,
                bearer: (!public).then(|| bearer.to_string()),
            });
        }
    }
    routes
}

/// `template` with every `{parameter}` replaced by an id of nothing.
fn fill_parameters(template: &str) -> String {
    template
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                MISSING_ID
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
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

type Answer = (StatusCode, String, Value, reqwest::header::HeaderMap);

async fn send(
    http: &reqwest::Client,
    route: &Route,
    method: Method,
    content_type: Option<&str>,
    body: &str,
) -> Answer {
    let mut request = http
        .request(method, format!("{}{}", route.base, route.path))
        .body(body.to_string());
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    if let Some(token) = &route.bearer {
        request = request.bearer_auth(token);
    }
    if !route.raw_body {
        for name in &route.required_headers {
            let value = header_value(name).expect("checked when the route was found");
            request = request.header(name.as_str(), value);
        }
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
    answer: &Answer,
    status: StatusCode,
    code: &str,
) -> Value {
    let (got, media_type, body, _) = answer;
    let name = format!(
        "{what} to {} {} ({})",
        route.method, route.template, route.service
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
        if !required.is_empty() {
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
                "{} {} ({}): the field at fault is one of {required:?}: {problem}",
                route.method,
                route.template,
                route.service
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
            "{} {} ({})",
            route.method, route.template, route.service
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

    // A method the path does not take: 405, with the methods it does take.
    let wrong = [Method::DELETE, Method::PUT, Method::PATCH, Method::POST]
        .into_iter()
        .find(|m| !route.allowed.contains(m))
        .expect("a path that takes every write method");
    let answer = send(http, route, wrong.clone(), json_type, "{}").await;
    assert_problem(
        wrong.as_ref(),
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
    let listed: Vec<&str> = allow.split(',').map(str::trim).collect();
    for method in &route.allowed {
        assert!(
            listed.contains(&method.as_str()),
            "{wrong} to {} ({}): Allow is {allow:?}, without {method}",
            route.template,
            route.service
        );
    }
}

/// The service's OpenAPI document.
async fn document(http: &reqwest::Client, url: String) -> Value {
    http.get(&url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{url} is not an OpenAPI document: {e}"))
}

#[tokio::test]
async fn every_rejection_of_every_write_route_is_a_problem() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    install_crds(&auth.kube).await;
    let billing = BillingServer::start(&env, &auth).await;
    let tenants = TenantsServer::start(&env, &auth, "").await;
    let profiles = ProfilesServer::start_with_jwks(&env, &auth.url("/.well-known/jwks.json")).await;
    let projects = ProjectsServer::start(&env, &auth, ProjectsOptions::default()).await;
    // A live Tenant with its entitlements, known to every service, and a token of an owner and
    // admin of it: every route's caller check passes, so that the body is what is judged.
    let tenant = projects.tenant(&env, "pooled", 100).await;
    profiles.wait_known(tenant.name(), tenant.uid()).await;
    let bearer = sign_access_token(
        &auth,
        &new_user_id(),
        Some(tenant.name()),
        Some(tenant.uid()),
        &["owner", "admin"],
    )
    .await;
    let http = reqwest::Client::new();

    // Each service lists at least these many write routes: a guard against a document that
    // silently lost some (which the probe would then skip).
    let services: [(&'static str, &str, usize); 5] = [
        ("auth", &auth.base, 9),
        ("billing", &billing.base, 6),
        ("tenants", &tenants.base, 2),
        ("profiles", &profiles.base, 1),
        ("projects", &projects.base, 6),
    ];
    let mut routes = vec![];
    for (service, base, at_least) in services {
        let document = document(&http, format!("{base}/{service}/openapi.json")).await;
        let found = write_routes(service, base, &document, &bearer);
        assert!(
            found.len() >= at_least,
            "{service} lists {} write routes, fewer than {at_least}: {:?}",
            found.len(),
            found
                .iter()
                .map(|r| format!("{} {}", r.method, r.template))
                .collect::<Vec<_>>()
        );
        assert!(
            found.iter().any(|r| r.body_schema.is_some()),
            "{service} lists no route with a JSON body"
        );
        routes.extend(found);
    }

    for route in &routes {
        probe(&http, route).await;
    }

    // Deep enough that no route's parameters match it (`/profiles/{userId}` takes
    // `/profiles/anything`, with GET only: that is a 405).
    for (service, base, _) in services {
        let route = Route {
            service,
            base: base.to_string(),
            method: Method::POST,
            template: format!("/{service}/no-such-route/at/all"),
            path: format!("/{service}/no-such-route/at/all"),
            allowed: vec![],
            required_headers: vec![],
            body_schema: None,
            raw_body: false,
            bearer: Some(bearer.clone()),
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

    drop(tenant);
    projects.finish(&env).await;
    profiles.finish(&env).await;
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
