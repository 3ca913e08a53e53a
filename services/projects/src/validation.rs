//! Checks on the text and dates a client sends, so that nothing PostgreSQL would refuse (a NUL
//! byte, a date out of its range) ever reaches it as a 500.

use crate::error::{ProjectsError, Result};

/// A required text: trimmed, 1 to `max` characters, without NUL.
pub fn required_text(field: &'static str, value: &str, max: usize) -> Result<String> {
    let text = optional_text(field, value, max)?;
    if text.is_empty() {
        return Err(ProjectsError::invalid(
            field,
            format!("`{field}` must not be empty"),
        ));
    }
    Ok(text)
}

/// An optional text (may be empty): trimmed, at most `max` characters, without NUL.
pub fn optional_text(field: &'static str, value: &str, max: usize) -> Result<String> {
    if value.contains('\0') {
        return Err(ProjectsError::invalid(
            field,
            format!("`{field}` must not contain NUL characters"),
        ));
    }
    let text = value.trim();
    if text.chars().count() > max {
        return Err(ProjectsError::invalid(
            field,
            format!("`{field}` must be at most {max} characters"),
        ));
    }
    Ok(text.to_string())
}

/// A user id as auth issues them: 1 to 200 characters, without NUL or control characters.
pub fn user_id(field: &'static str, value: &str) -> Result<String> {
    if value.is_empty() || value.chars().count() > 200 || value.chars().any(char::is_control) {
        return Err(ProjectsError::invalid(
            field,
            format!("`{field}` is not a user id"),
        ));
    }
    Ok(value.to_string())
}

/// A calendar date, `YYYY-MM-DD`, in the years 1 to 9999.
pub fn date(field: &'static str, value: &str) -> Result<String> {
    let parsed: jiff::civil::Date = value.parse().map_err(|_| {
        ProjectsError::invalid(field, format!("`{field}` must be a date, YYYY-MM-DD"))
    })?;
    if !(1..=9999).contains(&parsed.year()) || value.len() != 10 {
        return Err(ProjectsError::invalid(
            field,
            format!("`{field}` must be a date, YYYY-MM-DD, in the years 0001 to 9999"),
        ));
    }
    Ok(parsed.to_string())
}

/// Seconds since the epoch as RFC 3339, as every timestamp in the API is given.
pub fn rfc3339(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(required_text("name", "  a  ", 3).unwrap(), "a");
        assert!(required_text("name", "   ", 3).is_err());
        assert!(required_text("name", "abcd", 3).is_err());
        assert!(optional_text("d", "a\0b", 10).is_err());
    }

    #[test]
    fn dates_are_calendar_days_postgres_can_hold() {
        assert_eq!(date("dueDate", "2026-12-01").unwrap(), "2026-12-01");
        assert!(date("dueDate", "2026-02-30").is_err());
        assert!(date("dueDate", "0000-01-01").is_err());
        assert!(date("dueDate", "tomorrow").is_err());
        assert!(date("dueDate", "2026-12-01T00:00:00").is_err());
    }
}
