//! ETags and `If-Match` (RFC 9110, 8.8.3 and 13.1.1). A profile's ETag is its version in quotes:
//! `"3"`. `If-Match` takes a strong comparison, so a weak tag (`W/"3"`), or a tag this service
//! never issues, matches no version; the write is then refused as stale, as the RFC asks.

use axum::http::HeaderMap;
use axum::http::header::IF_MATCH;

use crate::error::{ProfilesError, Result};

/// The most entity tags one `If-Match` may list (each becomes a term of the condition).
pub const MAX_TAGS: usize = 16;

pub fn etag_of(version: u64) -> String {
    format!("\"{version}\"")
}

/// What a write's `If-Match` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IfMatch {
    /// `*`: whatever version is there (or none yet).
    Any,
    /// One of these versions (0: the profile is not stored yet). Empty when every tag listed
    /// is one this service never issues: nothing can match.
    Versions(Vec<u64>),
}

/// The request's `If-Match`: 428 when it is missing, 400 when it is not a list of entity tags.
pub fn required_if_match(headers: &HeaderMap) -> Result<IfMatch> {
    let mut values = headers.get_all(IF_MATCH).iter().peekable();
    if values.peek().is_none() {
        return Err(ProfilesError::IfMatchRequired);
    }
    let mut versions = Vec::new();
    let mut tags = 0;
    for value in values {
        let value = value.to_str().map_err(|_| ProfilesError::IfMatchInvalid)?;
        if value.trim() == "*" {
            return Ok(IfMatch::Any);
        }
        for tag in value.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            tags += 1;
            if tags > MAX_TAGS {
                return Err(ProfilesError::IfMatchInvalid);
            }
            if let Some(version) = strong_version(tag)? {
                versions.push(version);
            }
        }
    }
    if tags == 0 {
        return Err(ProfilesError::IfMatchInvalid);
    }
    versions.sort_unstable();
    versions.dedup();
    Ok(IfMatch::Versions(versions))
}

/// The version a well-formed entity tag names, or None for one that can never match (weak, or
/// not one of ours).
fn strong_version(tag: &str) -> Result<Option<u64>> {
    let (weak, quoted) = match tag.strip_prefix("W/") {
        Some(rest) => (true, rest),
        None => (false, tag),
    };
    let opaque = quoted
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .filter(|t| !t.contains('"'))
        .ok_or(ProfilesError::IfMatchInvalid)?;
    if weak {
        return Ok(None);
    }
    Ok(opaque
        .parse::<u64>()
        .ok()
        .filter(|_| !opaque.is_empty() && opaque.bytes().all(|b| b.is_ascii_digit())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn parse(values: &[&str]) -> Result<IfMatch> {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(IF_MATCH, HeaderValue::from_str(value).unwrap());
        }
        required_if_match(&headers)
    }

    #[test]
    fn if_match_is_required_and_parsed() {
        assert!(matches!(parse(&[]), Err(ProfilesError::IfMatchRequired)));
        assert_eq!(parse(&["\"3\""]).unwrap(), IfMatch::Versions(vec![3]));
        assert_eq!(parse(&["*"]).unwrap(), IfMatch::Any);
        assert_eq!(
            parse(&["\"4\", \"2\"", "\"4\""]).unwrap(),
            IfMatch::Versions(vec![2, 4])
        );
        // Weak tags and tags that are not ours never match.
        assert_eq!(parse(&["W/\"3\""]).unwrap(), IfMatch::Versions(vec![]));
        assert_eq!(parse(&["\"abc\""]).unwrap(), IfMatch::Versions(vec![]));
        assert_eq!(parse(&["\"+3\""]).unwrap(), IfMatch::Versions(vec![]));
        for bad in ["3", "\"3", "", " , ", "\"a\"b\""] {
            assert!(
                matches!(parse(&[bad]), Err(ProfilesError::IfMatchInvalid)),
                "{bad}"
            );
        }
        let many = vec!["\"1\""; MAX_TAGS + 1].join(",");
        assert!(matches!(
            parse(&[&many]),
            Err(ProfilesError::IfMatchInvalid)
        ));
        assert_eq!(etag_of(7), "\"7\"");
    }
}
