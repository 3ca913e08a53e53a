//! RFC 9457 problem details (`application/problem+json`), the one error shape of every
//! SaaScript HTTP API. A 5xx never shows its internals to the client: the cause is logged with
//! the request's span, and the client gets a generic detail.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The media type of a problem.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One problem, as the client sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// A stable URI naming the kind of problem.
    #[serde(rename = "type")]
    pub type_: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened this time, in words a client can act on.
    pub detail: String,
    /// A stable machine-readable code, such as `token_expired`.
    pub code: String,
    /// The input field at fault, as a path (`address.city`), where it is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Problem {
    /// A problem with the given status and stable code; `type` is derived from the code.
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Problem {
        Problem {
            type_: format!("https://saascript.io/problems/{}", code.replace('_', "-")),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_string(),
            field: None,
        }
    }

    /// The same problem, naming the input field at fault.
    pub fn with_field(mut self, field: impl Into<String>) -> Problem {
        self.field = Some(field.into());
        self
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(self)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        response
    }
}

/// An error that a handler can return: each service's error enum implements it, and turns into
/// a response with `problem_response`.
pub trait ApiError: std::error::Error {
    fn status(&self) -> StatusCode;
    /// A stable code for the client, one per kind of error.
    fn code(&self) -> &'static str;
    /// The input field at fault, where the error is about one.
    fn field(&self) -> Option<&str> {
        None
    }
}

/// The response for `error`. For a 500, the cause is logged and the client sees only that an
/// internal error happened; other 5xx (an upstream refused, a feature not offered, not ready)
/// say what happened, which is what the client needs to act.
pub fn problem_response<E: ApiError + ?Sized>(error: &E) -> Response {
    let status = error.status();
    let detail = if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(error = %error, code = error.code(), "request failed");
        "an internal error occurred; it has been logged".to_string()
    } else {
        error.to_string()
    };
    let problem = Problem::new(status, error.code(), detail);
    match error.field() {
        Some(field) => problem.with_field(field),
        None => problem,
    }
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    enum Sample {
        #[error("email is already registered")]
        Taken,
        #[error("connection to 10.0.0.5:5432 refused, password=hunter2")]
        Database,
    }

    impl ApiError for Sample {
        fn status(&self) -> StatusCode {
            match self {
                Sample::Taken => StatusCode::CONFLICT,
                Sample::Database => StatusCode::INTERNAL_SERVER_ERROR,
            }
        }
        fn code(&self) -> &'static str {
            match self {
                Sample::Taken => "email_taken",
                Sample::Database => "internal",
            }
        }
    }

    async fn body(response: Response) -> (StatusCode, String, serde_json::Value) {
        let status = response.status();
        let content_type = response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_string();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        (
            status,
            content_type,
            serde_json::from_slice(&bytes).unwrap(),
        )
    }

    #[tokio::test]
    async fn a_client_error_says_what_happened() {
        let (status, content_type, json) = body(problem_response(&Sample::Taken)).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(content_type, "application/problem+json");
        assert_eq!(json["code"], "email_taken");
        assert_eq!(json["type"], "https://saascript.io/problems/email-taken");
        assert_eq!(json["detail"], "email is already registered");
        assert_eq!(json["status"], 409);
    }

    #[tokio::test]
    async fn a_server_error_hides_its_internals() {
        let (status, _, json) = body(problem_response(&Sample::Database)).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        let text = json.to_string();
        assert!(
            !text.contains("hunter2") && !text.contains("10.0.0.5"),
            "{text}"
        );
        assert_eq!(json["code"], "internal");
    }
}
