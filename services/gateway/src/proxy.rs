//! Forwarding a request to its upstream over a pooled hyper client, bodies streamed both ways.
//! An upstream that does not answer in time gets 504; one that cannot be reached, 502.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, StatusCode, Uri, header};
use axum::response::IntoResponse;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use saascript_common::problem::Problem;

pub type HttpClient = Client<HttpConnector, Body>;

pub fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// Sends `request` to `base` + `path` (+ the original query) and streams the answer back.
pub async fn forward(
    client: &HttpClient,
    base: &str,
    path: &str,
    mut request: Request<Body>,
    timeout: Duration,
) -> Response<Body> {
    let query = request
        .uri()
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let uri: Uri = match format!("{}{path}{query}", base.trim_end_matches('/')).parse() {
        Ok(uri) => uri,
        Err(e) => {
            tracing::error!(error = %e, base, "bad upstream URL");
            return Problem::new(
                StatusCode::BAD_GATEWAY,
                "bad_upstream",
                "the upstream is misconfigured",
            )
            .into_response();
        }
    };
    if let Some(authority) = uri
        .authority()
        .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
    {
        request.headers_mut().insert(header::HOST, authority);
    }
    *request.uri_mut() = uri;
    match tokio::time::timeout(timeout, client.request(request)).await {
        Ok(Ok(response)) => response.map(Body::new),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "upstream unreachable");
            Problem::new(
                StatusCode::BAD_GATEWAY,
                "upstream_unreachable",
                "the service is unreachable",
            )
            .into_response()
        }
        Err(_) => Problem::new(
            StatusCode::GATEWAY_TIMEOUT,
            "upstream_timeout",
            "the service took too long to answer",
        )
        .into_response(),
    }
}
