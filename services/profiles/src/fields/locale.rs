//! The locale: a BCP 47 language tag (`en`, `en-US`, `zh-Hant-TW`, `de-CH-u-co-phonebk`), kept in
//! canonical case so that equal tags compare equal.

use icu_locale_core::Locale;

use crate::error::{ProfilesError, Result};

pub const DEFAULT: &str = "en";
/// BCP 47 asks implementations to take tags of at least 35 characters; extensions make some
/// longer.
pub const MAX_LENGTH: usize = 64;

pub fn check(tag: &str) -> Result<String> {
    let tag = tag.trim();
    if tag.is_empty() || tag.len() > MAX_LENGTH {
        return Err(invalid(format!(
            "the locale must be a BCP 47 language tag of 1 to {MAX_LENGTH} characters"
        )));
    }
    // Unicode locale identifiers also take `_` as a separator; BCP 47 does not.
    if tag.contains('_') {
        return Err(invalid(format!(
            "`{tag}` is not a BCP 47 language tag (the separator is `-`)"
        )));
    }
    let locale = Locale::try_from_str(tag)
        .map_err(|_| invalid(format!("`{tag}` is not a BCP 47 language tag")))?;
    Ok(locale.to_string())
}

fn invalid(message: String) -> ProfilesError {
    ProfilesError::InvalidField {
        field: "locale",
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_are_checked_and_put_in_canonical_case() {
        assert_eq!(check("en").unwrap(), "en");
        assert_eq!(check("EN-us").unwrap(), "en-US");
        assert_eq!(check("zh-hant-tw").unwrap(), "zh-Hant-TW");
        assert_eq!(check("es-419").unwrap(), "es-419");
        assert!(check("de-CH-u-co-phonebk").is_ok());
        for bad in [
            "",
            "en_US",
            "toolonglanguage",
            "e",
            "en-",
            "1234",
            "en-US-!",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }
}
