//! A tenant's display name: what `Tenant.spec.displayName` accepts (1 to 100 characters), with
//! no control characters, which no page should have to print.

const MAX_CHARACTERS: usize = 100;

/// The name trimmed, or why it is refused.
pub fn normalize(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("the display name is empty".into());
    }
    if name.chars().count() > MAX_CHARACTERS {
        return Err(format!(
            "the display name is longer than {MAX_CHARACTERS} characters"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("the display name holds control characters".into());
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(normalize("  Acme Corp ").unwrap(), "Acme Corp");
        assert!(normalize(" ").is_err());
        assert!(normalize("a\u{0}b").is_err());
        assert!(normalize(&"é".repeat(100)).is_ok());
        assert!(normalize(&"é".repeat(101)).is_err());
    }
}
