//! Body limits and timeouts answer like every other error: with a problem. tower-http's own
//! answers (413, 408) have plain bodies, so this middleware turns them into problems.

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::problem::{PROBLEM_JSON, Problem};

pub async fn problems_for_limits(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes());
    if is_problem {
        return response;
    }
    match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE => Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "the request body is too large",
        )
        .into_response(),
        StatusCode::SERVICE_UNAVAILABLE
            if response.headers().get(header::CONTENT_TYPE).is_none() =>
        {
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                "the request took too long",
            )
            .into_response()
        }
        _ => response,
    }
}
