//! /api/openapi.json: the services' OpenAPI documents merged into one, with their paths as
//! the gateway serves them (under /api). A service that does not answer is listed under
//! `x-unavailable` instead of failing the whole document. The merged document is cached (see
//! `openapi_cache`): anonymous clients must not be able to make the gateway call every service.

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use crate::proxy::Proxy;
use saascript_crds::service_deployment::ServiceName;

/// Where each service publishes its document: under its own path prefix, as its routes.
fn document_path(service: ServiceName) -> String {
    format!("/{service}/openapi.json")
}

async fn fetch(proxy: &Proxy, base: &str, path: &str) -> Result<Value, String> {
    let uri = format!("{}{path}", base.trim_end_matches('/'));
    let request = Request::get(&uri)
        .body(Body::empty())
        .map_err(|e| e.to_string())?;
    let response = proxy
        .send(request, Instant::now() + Duration::from_secs(5))
        .await
        .map_err(|e| e.to_string())?;
    if response.status() != StatusCode::OK {
        return Err(format!("status {}", response.status()));
    }
    let bytes = axum::body::to_bytes(response.into_body(), 4 << 20)
        .await
        .map_err(|e| e.to_string())?;
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

/// Merges `documents` (service name, document) into one, prefixing their paths with /api.
pub fn merge(documents: Vec<(String, Value)>, unavailable: Vec<String>) -> Value {
    let mut paths = Map::new();
    let mut schemas = Map::new();
    let mut security_schemes = Map::new();
    for (name, document) in documents {
        let service = service_of(&name);
        if let Some(entries) = document.get("paths").and_then(Value::as_object) {
            for (path, item) in entries {
                let public = if path.starts_with("/.well-known/") {
                    path.clone()
                } else {
                    format!("/api{path}")
                };
                paths.insert(public, with_service_operation_ids(service, item.clone()));
            }
        }
        let components = document.get("components");
        for (target, key) in [
            (&mut schemas, "schemas"),
            (&mut security_schemes, "securitySchemes"),
        ] {
            if let Some(entries) = components
                .and_then(|c| c.get(key))
                .and_then(Value::as_object)
            {
                target.extend(entries.clone());
            }
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "SaaScript API",
            "description": "Every route, as the gateway serves it. Errors are RFC 9457 problems.",
            "version": env!("CARGO_PKG_VERSION"),
        },
        "paths": paths,
        "components": { "schemas": schemas, "securitySchemes": security_schemes },
        "x-unavailable": unavailable,
    })
}

/// The service a document came from: `projects` for `/projects/openapi.json`.
fn service_of(document_path: &str) -> &str {
    document_path
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default()
}

/// Each service names its operations after its handlers (`list`, `create`), which repeat across
/// services; OpenAPI wants them unique in one document, and client generators rely on it. The
/// merged document prefixes them with the service: `projects_list`, `tenants_list`.
fn with_service_operation_ids(service: &str, mut item: Value) -> Value {
    if service.is_empty() {
        return item;
    }
    if let Some(operations) = item.as_object_mut() {
        for operation in operations.values_mut() {
            if let Some(id) = operation.get_mut("operationId")
                && let Some(name) = id.as_str()
                && !name.starts_with(&format!("{service}_"))
            {
                *id = Value::String(format!("{service}_{name}"));
            }
        }
    }
    item
}

/// Fetches every configured service's document (at once, so that the slowest bounds the wait)
/// and merges them.
pub async fn merged(proxy: &Proxy, upstreams: &HashMap<ServiceName, String>) -> Value {
    let mut upstreams: Vec<_> = upstreams.iter().map(|(u, b)| (*u, b.as_str())).collect();
    upstreams.sort_by_key(|(u, _)| document_path(*u));
    let fetched = futures::future::join_all(upstreams.iter().map(|(upstream, base)| async move {
        let path = document_path(*upstream);
        let result = fetch(proxy, base, &path).await;
        (path, result)
    }))
    .await;
    let mut documents = vec![];
    let mut unavailable = vec![];
    for (path, result) in fetched {
        match result {
            Ok(document) => documents.push((path, document)),
            Err(e) => {
                tracing::warn!(%path, error = %e, "no OpenAPI document");
                unavailable.push(path);
            }
        }
    }
    merge(documents, unavailable)
}

#[cfg(test)]
mod tests {
    use super::merge;
    use serde_json::json;

    #[test]
    fn paths_are_prefixed_and_components_merged() {
        let auth = json!({
            "paths": { "/auth/login": { "post": {} }, "/.well-known/jwks.json": { "get": {} } },
            "components": { "schemas": { "Login": {} }, "securitySchemes": { "bearer": {} } },
        });
        let projects = json!({ "paths": { "/projects": { "get": { "operationId": "list" } } }, "components": { "schemas": { "Project": {} } } });
        let tenants = json!({ "paths": { "/tenants": { "get": { "operationId": "list" } } } });
        let merged = merge(
            vec![
                ("/auth/openapi.json".into(), auth),
                ("/projects/openapi.json".into(), projects),
                ("/tenants/openapi.json".into(), tenants),
            ],
            vec!["/billing/openapi.json".into()],
        );
        assert!(merged["paths"]["/api/auth/login"]["post"].is_object());
        assert!(merged["paths"]["/.well-known/jwks.json"]["get"].is_object());
        assert!(merged["paths"]["/api/projects"]["get"].is_object());
        // Operation ids repeat across services; merged, they are unique.
        assert_eq!(
            merged["paths"]["/api/projects"]["get"]["operationId"],
            "projects_list"
        );
        assert_eq!(
            merged["paths"]["/api/tenants"]["get"]["operationId"],
            "tenants_list"
        );
        assert!(merged["components"]["schemas"]["Project"].is_object());
        assert!(merged["components"]["securitySchemes"]["bearer"].is_object());
        assert_eq!(merged["x-unavailable"], json!(["/billing/openapi.json"]));
    }
}
