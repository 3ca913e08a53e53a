//! HTTP calls in tests: JSON in, status and JSON (or Null) out.

use reqwest::StatusCode;
use serde_json::Value;

/// POSTs `body` as JSON; returns the status and the JSON answer (Null when there is none).
pub async fn post_json(http: &reqwest::Client, url: String, body: Value) -> (StatusCode, Value) {
    let response = http
        .post(url)
        .json(&body)
        .send()
        .await
        .expect("the request is sent");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}
