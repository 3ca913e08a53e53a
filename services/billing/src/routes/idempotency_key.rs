//! The `Idempotency-Key` header a client may send with a write that creates something in Stripe.
//! Billing prefixes it with its own scope before Stripe sees it, and Stripe takes at most 255
//! characters, so the client's part is bounded here and refused with a 400 when it is too long
//! or not printable ASCII (instead of failing deep in the Stripe client as a 500).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::error::BillingError;

/// The longest key a client may send: Stripe's 255 less billing's prefix
/// (`saascript-subscribe-<tenant uid>-`, 57 characters).
pub const MAX_LEN: usize = 190;

/// The client's key, if it sent one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = BillingError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get("idempotency-key") else {
            return Ok(IdempotencyKey(None));
        };
        parse(value.as_bytes()).map(|key| IdempotencyKey(Some(key)))
    }
}

fn parse(value: &[u8]) -> Result<String, BillingError> {
    let refuse = |message: String| BillingError::BadHeader {
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
    // All bytes are ASCII, so this cannot fail.
    Ok(String::from_utf8_lossy(value).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sensible_key_passes() {
        assert_eq!(parse(b"retry-7f3a").unwrap(), "retry-7f3a");
        assert!(parse("k".repeat(MAX_LEN).as_bytes()).is_ok());
    }

    #[test]
    fn a_long_empty_or_unprintable_key_is_a_400() {
        for bad in [
            "k".repeat(MAX_LEN + 1).into_bytes(),
            Vec::new(),
            b"a b".to_vec(),
            b"a\x00b".to_vec(),
            "clé".as_bytes().to_vec(),
        ] {
            let error = parse(&bad).unwrap_err();
            assert!(
                matches!(
                    error,
                    BillingError::BadHeader {
                        code: "idempotency_key_invalid",
                        ..
                    }
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn billings_prefix_and_the_longest_key_fit_stripes_limit() {
        let prefix = format!("saascript-subscribe-{}-", uuid_shaped());
        assert!(prefix.len() + MAX_LEN <= 255, "{}", prefix.len());
    }

    fn uuid_shaped() -> String {
        "00000000-0000-0000-0000-000000000000".into()
    }
}
