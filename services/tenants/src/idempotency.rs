//! Sign-up under an `Idempotency-Key`: the same key with the same body gives the same answer and
//! no second Tenant; the same key with another body is refused (422).
//!
//! The record is the Tenant itself, so the service needs no database: the Tenant it creates
//! carries a label with the hash of the caller and the key, and an annotation with the hash of
//! the request. A retry finds the Tenant by the label (a live list, not a cache). A key is the
//! caller's own: two callers' equal keys never meet. Two requests with one key that race past the
//! lookup both try to create; for one name the API server lets one through, and the other finds
//! the first's Tenant by its name.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use saascript_common::encoding::hex;
use serde::Serialize;

use crate::error::TenantsError;

/// The label that holds the hash of the caller and the key.
pub const KEY_LABEL: &str = "saascript.io/idempotency-key";
/// The annotation that holds the hash of the request.
pub const REQUEST_ANNOTATION: &str = "saascript.io/idempotency-request";
/// The longest key a client may send.
pub const MAX_LEN: usize = 255;
/// A label value holds at most 63 characters; 60 hex digits are 240 bits of the hash.
const LABEL_DIGITS: usize = 60;

/// The client's key (required on sign-up).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey(pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = TenantsError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get("idempotency-key") else {
            return Err(TenantsError::BadHeader {
                code: "idempotency_key_required",
                message: "sign-up needs an Idempotency-Key header, so that a retry creates no second tenant".into(),
            });
        };
        parse(value.as_bytes()).map(IdempotencyKey)
    }
}

fn parse(value: &[u8]) -> Result<String, TenantsError> {
    let refuse = |message: String| TenantsError::BadHeader {
        code: "idempotency_key_invalid",
        message,
    };
    if value.is_empty() || value.len() > MAX_LEN {
        return Err(refuse(format!(
            "the Idempotency-Key must be 1 to {MAX_LEN} characters long"
        )));
    }
    if !value.iter().all(|b| b.is_ascii_graphic()) {
        return Err(refuse(
            "the Idempotency-Key must be printable ASCII without spaces".into(),
        ));
    }
    Ok(String::from_utf8_lossy(value).into_owned())
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes).as_ref())
}

/// The label value for `key` sent by the user `caller`.
pub fn key_label(caller: &str, key: &str) -> String {
    let mut digest = sha256_hex(format!("{caller}\n{key}").as_bytes());
    digest.truncate(LABEL_DIGITS);
    digest
}

/// The hash of a request, as it was understood (after defaults and normalization).
pub fn request_digest(request: &impl Serialize) -> String {
    // A struct serializes its fields in a fixed order, so equal requests hash alike.
    sha256_hex(&serde_json::to_vec(request).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_the_callers_own() {
        let label = key_label("user-1", "k");
        assert_eq!(label.len(), 60);
        assert_eq!(label, key_label("user-1", "k"));
        assert_ne!(label, key_label("user-2", "k"));
        assert_ne!(label, key_label("user-1", "k2"));
    }

    #[test]
    fn a_long_empty_or_unprintable_key_is_refused() {
        assert!(parse(b"retry-1").is_ok());
        assert!(parse(b"").is_err());
        assert!(parse(b"a b").is_err());
        assert!(parse("k".repeat(MAX_LEN + 1).as_bytes()).is_err());
    }
}
