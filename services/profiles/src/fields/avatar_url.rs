//! The avatar URL: browsers of other members load it, so it must be https (no mixed content, no
//! `javascript:` or `data:`), name a host, and carry no credentials.

use crate::error::{ProfilesError, Result};

pub const MAX_LENGTH: usize = 2048;

/// The URL as given (trimmed), once it passes.
pub fn check(url: String) -> Result<String> {
    let url = url.trim().to_string();
    if url.len() > MAX_LENGTH {
        return Err(invalid(format!(
            "the avatar URL is longer than {MAX_LENGTH} characters"
        )));
    }
    let parsed =
        url::Url::parse(&url).map_err(|e| invalid(format!("the avatar URL is not a URL: {e}")))?;
    if parsed.scheme() != "https" {
        return Err(invalid("the avatar URL must be an https URL".into()));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid("the avatar URL must name a host".into()));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid("the avatar URL must not carry credentials".into()));
    }
    Ok(url)
}

fn invalid(message: String) -> ProfilesError {
    ProfilesError::InvalidField {
        field: "avatarUrl",
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_https_urls_pass() {
        assert!(check("https://cdn.example.com/a/b.png?size=64".into()).is_ok());
        for bad in [
            "http://cdn.example.com/a.png",
            "javascript:alert(1)",
            "data:image/png;base64,AAAA",
            "https://user:secret@cdn.example.com/a.png",
            "not a url",
            "https://",
            "",
        ] {
            assert!(check(bad.into()).is_err(), "{bad}");
        }
        assert!(check(format!("https://example.com/{}", "a".repeat(MAX_LENGTH))).is_err());
    }
}
