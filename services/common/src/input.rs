//! The request-input extractors every handler uses: `Json`, `Path` and `Query`. They behave
//! like axum's, but a bad input is refused with a problem (RFC 9457) carrying a stable `code`
//! and, where serde knows it, the `field` at fault. axum's own rejections are plain text, which a
//! client cannot tell apart from a proxy's error page.
//!
//! | what was wrong | status | code |
//! |---|---|---|
//! | no `Content-Type: application/json` | 415 | `content_type_unsupported` |
//! | not JSON at all | 400 | `json_malformed` |
//! | JSON of the wrong shape (missing, unknown or mistyped field) | 422 | `json_invalid` |
//! | a path segment that does not parse | 400 | `path_invalid` |
//! | a query string that does not parse | 400 | `query_invalid` |
//! | a body over the limit | 413 | `body_too_large` |

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::problem::Problem;

/// A JSON request body (as an extractor) or a JSON response body (as a response).
#[derive(Clone, Copy, Debug, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers()) {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "content_type_unsupported",
                "the body must be JSON, sent with `Content-Type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    Problem::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "body_too_large",
                        "the request body is too large",
                    )
                } else {
                    Problem::new(
                        StatusCode::BAD_REQUEST,
                        "body_unreadable",
                        "the request body could not be read",
                    )
                }
            })?;
        parse_json(&bytes).map(Json).map_err(|problem| *problem)
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `application/json`, or any `application/<x>+json`, with or without parameters.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses `bytes` as a `T`, naming the field at fault when the JSON has the wrong shape.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Box<Problem>> {
    // Every body the services take is an object. serde would also fill a struct from an array,
    // in field order (`["acme", "Acme"]` as a name and a display name): refused, not guessed.
    if bytes.trim_ascii_start().first() == Some(&b'[') {
        return Err(Box::new(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "json_invalid",
            "the body must be a JSON object, not an array",
        )));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer);
    // Trailing bytes after the value are malformed JSON too.
    if value.is_ok()
        && let Err(trailing) = deserializer.end()
    {
        return Err(Box::new(Problem::new(
            StatusCode::BAD_REQUEST,
            "json_malformed",
            format!(
                "the body is not valid JSON: {}",
                without_position(&trailing)
            ),
        )));
    }
    value.map_err(|error| {
        let inner = error.inner();
        Box::new(match inner.classify() {
            serde_json::error::Category::Data => {
                let field = field_at_fault(&error.path().to_string(), &inner.to_string());
                let detail = match &field {
                    Some(field) => format!("field `{field}`: {}", without_position(inner)),
                    None => without_position(inner),
                };
                let problem =
                    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "json_invalid", detail);
                match field {
                    Some(field) => problem.with_field(field),
                    None => problem,
                }
            }
            _ => Problem::new(
                StatusCode::BAD_REQUEST,
                "json_malformed",
                format!("the body is not valid JSON: {}", without_position(inner)),
            ),
        })
    })
}

/// The field a data error is about. serde_path_to_error gives the path of the value being read.
/// For an unknown field that already ends with the field; for a missing one it is the enclosing
/// object, and the field's name is only in the message (``missing field `email` ``), so it is
/// joined on.
fn field_at_fault(path: &str, message: &str) -> Option<String> {
    let named = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split('`').next())
        .filter(|name| !name.is_empty());
    let path = Some(path).filter(|p| !p.is_empty() && *p != ".");
    match (path, named) {
        (Some(path), Some(name)) if path.rsplit('.').next() == Some(name) => Some(path.to_string()),
        (Some(path), Some(name)) => Some(format!("{path}.{name}")),
        (None, Some(name)) => Some(name.to_string()),
        (Some(path), None) => Some(path.to_string()),
        (None, None) => None,
    }
}

/// serde_json's message without " at line 1 column 17", which means nothing to an API client.
fn without_position(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message,
    }
}

/// Path parameters, refused with a problem when they do not parse.
#[derive(Clone, Copy, Debug)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Path(value))
            .map_err(|rejection| {
                Problem::new(
                    StatusCode::BAD_REQUEST,
                    "path_invalid",
                    rejection.body_text(),
                )
            })
    }
}

/// The query string, refused with a problem when it does not parse.
#[derive(Clone, Copy, Debug, Default)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(Query)
            .map_err(|error| {
                let field = field_at_fault(&error.path().to_string(), &error.inner().to_string());
                let problem = Problem::new(
                    StatusCode::BAD_REQUEST,
                    "query_invalid",
                    format!("the query string is invalid: {}", error.inner()),
                );
                match field {
                    Some(field) => problem.with_field(field),
                    None => problem,
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Register {
        email: String,
        age: u8,
        address: Option<Address>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Address {
        city: String,
    }

    fn refusal(body: &str) -> (u16, String, Option<String>) {
        let problem = parse_json::<Register>(body.as_bytes()).unwrap_err();
        (problem.status, problem.code, problem.field)
    }

    #[test]
    fn an_array_never_fills_a_struct() {
        assert_eq!(
            refusal(r#" ["ada@example.com", 3]"#),
            (422, "json_invalid".into(), None)
        );
    }

    #[test]
    fn a_missing_field_is_named() {
        assert_eq!(
            refusal(r#"{"age": 3}"#),
            (422, "json_invalid".into(), Some("email".into()))
        );
    }

    #[test]
    fn an_unknown_field_is_named_with_its_path() {
        assert_eq!(
            refusal(r#"{"email": "a", "age": 3, "address": {"city": "x", "zip": 1}}"#),
            (422, "json_invalid".into(), Some("address.zip".into()))
        );
    }

    #[test]
    fn a_field_missing_deep_down_is_named_with_its_path() {
        assert_eq!(
            refusal(r#"{"email": "a", "age": 3, "address": {}}"#),
            (422, "json_invalid".into(), Some("address.city".into()))
        );
    }

    #[test]
    fn a_mistyped_field_is_named() {
        assert_eq!(
            refusal(r#"{"email": "a", "age": 300}"#),
            (422, "json_invalid".into(), Some("age".into()))
        );
    }

    #[test]
    fn broken_json_is_malformed() {
        assert_eq!(
            refusal(r#"{"email": "#),
            (400, "json_malformed".into(), None)
        );
        assert_eq!(
            refusal(r#"{"email": "a", "age": 1} trailing"#),
            (400, "json_malformed".into(), None)
        );
    }

    #[test]
    fn json_media_types_are_recognised() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, value.parse().unwrap());
            is_json(&headers)
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(with("application/merge-patch+json"));
        assert!(!with("text/plain"));
        assert!(!with("application/jsonx"));
        assert!(!is_json(&HeaderMap::new()));
    }
}
