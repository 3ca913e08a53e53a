//! A tenant's name: what the Tenant CRD accepts (`saascript_crds::names`), checked here first so
//! that a client learns which rule it broke rather than the API server's schema message.

use saascript_crds::names::TENANT_NAME_MAX_LENGTH;

/// Why `name` cannot name a Tenant, or None when it can.
pub fn problem_with(name: &str) -> Option<String> {
    let max = TENANT_NAME_MAX_LENGTH as usize;
    if name.is_empty() {
        return Some("the name is empty".into());
    }
    if name.len() > max {
        return Some(format!("the name is longer than {max} characters"));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Some("the name may hold only lowercase letters, digits and '-'".into());
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Some("the name must start with a letter".into());
    }
    if name.ends_with('-') {
        return Some("the name must not end with '-'".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels_that_start_with_a_letter_pass() {
        assert_eq!(problem_with("acme"), None);
        assert_eq!(problem_with("acme-2"), None);
        assert_eq!(problem_with(&"a".repeat(40)), None);
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "",
            "Acme",
            "2acme",
            "acme-",
            "ac_me",
            "ac me",
            "ácme",
            &"a".repeat(41),
        ] {
            assert!(problem_with(bad).is_some(), "{bad}");
        }
    }
}
