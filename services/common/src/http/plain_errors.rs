//! Every error answers with a problem, including the ones no handler writes: tower-http's body
//! limit (413) and timeout, and axum's own 404 for an unknown route and 405 for a known route
//! with the wrong method. Those come with empty or plain-text bodies, which a client cannot tell
//! apart from a proxy's error page, so this middleware turns them into problems. A response
//! that already has a content type is the handler's own (or an upstream's, in the gateway) and
//! passes unchanged.

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::problem::{PROBLEM_JSON, Problem};

pub async fn as_problems(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let content_type = response.headers().get(header::CONTENT_TYPE);
    if content_type.is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes()) {
        return response;
    }
    let untyped = content_type.is_none();
    let problem = match response.status() {
        // tower-http's limit answers with a plain-text body of its own.
        StatusCode::PAYLOAD_TOO_LARGE => Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "the request body is too large",
        ),
        StatusCode::SERVICE_UNAVAILABLE if untyped => Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "the request took too long",
        ),
        StatusCode::NOT_FOUND if untyped => Problem::new(
            StatusCode::NOT_FOUND,
            "route_not_found",
            "no route matches this path",
        ),
        StatusCode::METHOD_NOT_ALLOWED if untyped => {
            let allow = response.headers().get(header::ALLOW).cloned();
            let detail = match allow.as_ref().and_then(|a| a.to_str().ok()) {
                Some(allowed) => {
                    format!("this route does not take this method; it takes {allowed}")
                }
                None => "this route does not take this method".to_string(),
            };
            let mut answer =
                Problem::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", detail)
                    .into_response();
            if let Some(allow) = allow {
                answer.headers_mut().insert(header::ALLOW, allow);
            }
            return answer;
        }
        _ => return response,
    };
    problem.into_response()
}
