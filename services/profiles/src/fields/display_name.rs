//! The display name: what other members see.

use crate::error::{ProfilesError, Result};

pub const MAX_CHARS: usize = 100;

/// The name without surrounding white space. Control characters (new lines, bidi overrides
/// excepted) are refused: a name is one line of text.
pub fn check(name: String) -> Result<String> {
    let name = name.trim().to_string();
    if name.chars().count() > MAX_CHARS {
        return Err(invalid(format!(
            "the display name has more than {MAX_CHARS} characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(invalid(
            "the display name contains control characters".into(),
        ));
    }
    Ok(name)
}

fn invalid(message: String) -> ProfilesError {
    ProfilesError::InvalidField {
        field: "displayName",
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(check("  Ada Lovelace ".into()).unwrap(), "Ada Lovelace");
        assert_eq!(check(String::new()).unwrap(), "");
        assert!(check("é".repeat(100)).is_ok());
        assert!(check("é".repeat(101)).is_err());
        assert!(check("Ada\nLovelace".into()).is_err());
        assert!(check("Ada\u{0}".into()).is_err());
    }
}
