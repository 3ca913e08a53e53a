//! Preferences: a small map of a UI's settings (`theme` → `dark`). It is bounded, so that one
//! profile stays far below DynamoDB's 400 KB item limit and a client cannot use it as storage.

use std::collections::BTreeMap;

use crate::error::{ProfilesError, Result};

pub const MAX_ENTRIES: usize = 50;
pub const MAX_KEY_LENGTH: usize = 64;
pub const MAX_VALUE_CHARS: usize = 1024;

pub fn check(preferences: BTreeMap<String, String>) -> Result<BTreeMap<String, String>> {
    if preferences.len() > MAX_ENTRIES {
        return Err(invalid(
            "preferences".into(),
            format!("at most {MAX_ENTRIES} preferences"),
        ));
    }
    for (key, value) in &preferences {
        let key_ok = !key.is_empty()
            && key.len() <= MAX_KEY_LENGTH
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !key_ok {
            return Err(invalid(
                "preferences".into(),
                format!(
                    "a preference's name must be 1 to {MAX_KEY_LENGTH} characters of \
                     letters, digits, `.`, `_` and `-`"
                ),
            ));
        }
        if value.chars().count() > MAX_VALUE_CHARS || value.chars().any(char::is_control) {
            return Err(invalid(
                format!("preferences.{key}"),
                format!(
                    "a preference's value must be at most {MAX_VALUE_CHARS} characters, \
                     without control characters"
                ),
            ));
        }
    }
    Ok(preferences)
}

fn invalid(field: String, message: String) -> ProfilesError {
    ProfilesError::InvalidPreference { field, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn preferences_are_bounded() {
        assert!(check(map(&[("theme", "dark"), ("ui.density", "compact")])).is_ok());
        assert!(check(BTreeMap::new()).is_ok());
        let many: BTreeMap<String, String> = (0..=MAX_ENTRIES)
            .map(|i| (format!("k{i}"), "v".to_string()))
            .collect();
        assert!(check(many).is_err());
        assert!(check(map(&[("", "x")])).is_err());
        assert!(check(map(&[("has space", "x")])).is_err());
        assert!(check(map(&[(&"k".repeat(65), "x")])).is_err());
        let long = "v".repeat(MAX_VALUE_CHARS + 1);
        let refused = check(map(&[("theme", &long)])).unwrap_err();
        assert!(
            matches!(refused, ProfilesError::InvalidPreference { ref field, .. } if field == "preferences.theme")
        );
    }
}
