//! Stripe-Signature verification: `t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">[,v1=...]`.
//! Several `v1` entries appear while Stripe rolls an endpoint secret; several secrets are
//! configured while we roll ours. Either way one match is enough. Pure: the time is a value.

use aws_lc_rs::hmac;
use saascript_common::Sensitive;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Stripe-Signature header is missing")]
    Missing,
    #[error("the Stripe-Signature header is malformed: {0}")]
    Malformed(&'static str),
    #[error("the event is signed at {signed_at}, more than {tolerance} s from now ({now})")]
    OutsideTolerance {
        signed_at: i64,
        now: i64,
        tolerance: i64,
    },
    #[error("no v1 signature matches the body with any configured endpoint secret")]
    NoMatch,
}

/// Checks `header` against `body` with each secret; `now` and `tolerance` in seconds.
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secrets: &[Sensitive],
    now: i64,
    tolerance: i64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = vec![];
    for part in header.split(',') {
        let (key, value) = part
            .trim()
            .split_once('=')
            .ok_or(SignatureError::Malformed("an entry without '='"))?;
        match key {
            "t" => {
                timestamp = Some(
                    value
                        .parse::<i64>()
                        .map_err(|_| SignatureError::Malformed("t is not a number"))?,
                )
            }
            "v1" => signatures.push(
                saascript_common::encoding::unhex(value)
                    .ok_or(SignatureError::Malformed("v1 is not hex"))?,
            ),
            // v0 (test-mode legacy) and future schemes are ignored, as Stripe's libraries do.
            _ => {}
        }
    }
    let signed_at = timestamp.ok_or(SignatureError::Malformed("no t="))?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed("no v1="));
    }
    // Checked before the MAC so that a replayed old event costs no HMAC work; the answer is the
    // same refusal either way.
    if now.abs_diff(signed_at) > tolerance.unsigned_abs() {
        return Err(SignatureError::OutsideTolerance {
            signed_at,
            now,
            tolerance,
        });
    }
    let mut signed = signed_at.to_string().into_bytes();
    signed.push(b'.');
    signed.extend_from_slice(body);
    for secret in secrets {
        let key = hmac::Key::new(hmac::HMAC_SHA256, secret.expose().as_bytes());
        // hmac::verify compares in constant time.
        if signatures
            .iter()
            .any(|signature| hmac::verify(&key, &signed, signature).is_ok())
        {
            return Ok(());
        }
    }
    Err(SignatureError::NoMatch)
}

/// The header Stripe would send for `body` signed with `secret` at `time` (for tests and tools).
pub fn sign(body: &[u8], secret: &str, time: i64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut signed = time.to_string().into_bytes();
    signed.push(b'.');
    signed.extend_from_slice(body);
    let tag = hmac::sign(&key, &signed);
    format!(
        "t={time},v1={}",
        saascript_common::encoding::hex(tag.as_ref())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"id":"evt_1","type":"invoice.paid"}"#;
    const NOW: i64 = 1_800_000_000;

    fn secrets(list: &[&str]) -> Vec<Sensitive> {
        list.iter().map(|s| Sensitive::new(*s)).collect()
    }

    #[test]
    fn a_signature_from_the_secret_is_accepted() {
        let header = sign(BODY, "whsec_a", NOW);
        assert_eq!(
            verify(Some(&header), BODY, &secrets(&["whsec_a"]), NOW, 300),
            Ok(())
        );
    }

    #[test]
    fn a_changed_body_or_another_secret_is_refused() {
        let header = sign(BODY, "whsec_a", NOW);
        assert_eq!(
            verify(Some(&header), b"{}", &secrets(&["whsec_a"]), NOW, 300),
            Err(SignatureError::NoMatch)
        );
        assert_eq!(
            verify(Some(&header), BODY, &secrets(&["whsec_b"]), NOW, 300),
            Err(SignatureError::NoMatch)
        );
    }

    #[test]
    fn any_of_several_v1_signatures_and_any_of_several_secrets_will_do() {
        // Stripe rolling its secret: two v1 entries, the second from the current secret.
        let good = sign(BODY, "whsec_new", NOW);
        let v1 = good.split_once(",v1=").unwrap().1;
        let header = format!("t={NOW},v1={},v1={v1}", "ab".repeat(32));
        assert_eq!(
            verify(Some(&header), BODY, &secrets(&["whsec_new"]), NOW, 300),
            Ok(())
        );
        // Us rolling ours: the old secret still configured beside the new one.
        let old = sign(BODY, "whsec_old", NOW);
        assert_eq!(
            verify(
                Some(&old),
                BODY,
                &secrets(&["whsec_new", "whsec_old"]),
                NOW,
                300
            ),
            Ok(())
        );
    }

    #[test]
    fn a_timestamp_outside_the_tolerance_is_refused_either_way() {
        for signed_at in [NOW - 301, NOW + 301] {
            let header = sign(BODY, "whsec_a", signed_at);
            assert!(matches!(
                verify(Some(&header), BODY, &secrets(&["whsec_a"]), NOW, 300),
                Err(SignatureError::OutsideTolerance { .. })
            ));
        }
        let header = sign(BODY, "whsec_a", NOW - 300);
        assert_eq!(
            verify(Some(&header), BODY, &secrets(&["whsec_a"]), NOW, 300),
            Ok(())
        );
    }

    #[test]
    fn an_extreme_timestamp_is_refused_without_overflow() {
        let header = format!("t={},v1=00", i64::MIN);
        assert!(matches!(
            verify(Some(&header), BODY, &secrets(&["s"]), NOW, 300),
            Err(SignatureError::OutsideTolerance { .. })
        ));
    }

    #[test]
    fn missing_and_malformed_headers_are_named() {
        assert_eq!(
            verify(None, BODY, &secrets(&["s"]), NOW, 300),
            Err(SignatureError::Missing)
        );
        for header in ["garbage", "t=abc,v1=00", "v1=00", "t=1", "t=1,v1=zz"] {
            assert!(
                matches!(
                    verify(Some(header), BODY, &secrets(&["s"]), NOW, 300),
                    Err(SignatureError::Malformed(_))
                ),
                "{header}"
            );
        }
    }
}
