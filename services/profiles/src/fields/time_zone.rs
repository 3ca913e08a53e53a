//! The time zone: a name in the IANA time zone database built into the binary (jiff's bundled
//! copy), so that a name valid here is valid on every replica whatever its image holds.

use crate::error::{ProfilesError, Result};

pub const DEFAULT: &str = "UTC";
/// The longest names in the database are about 30 characters.
pub const MAX_LENGTH: usize = 64;

/// The name as the database spells it (`america/new_york` becomes `America/New_York`).
pub fn check(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.len() > MAX_LENGTH {
        return Err(invalid(format!(
            "the time zone must be an IANA time zone name of 1 to {MAX_LENGTH} characters"
        )));
    }
    // jiff answers `Etc/Unknown` with its "unknown" zone, which is no zone a user lives in.
    if name.eq_ignore_ascii_case("Etc/Unknown") {
        return Err(invalid(format!("`{name}` is not an IANA time zone")));
    }
    let zone = jiff::tz::db()
        .get(name)
        .map_err(|_| invalid(format!("`{name}` is not an IANA time zone")))?;
    Ok(zone.iana_name().unwrap_or(name).to_string())
}

fn invalid(message: String) -> ProfilesError {
    ProfilesError::InvalidField {
        field: "timeZone",
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iana_names_pass_and_others_do_not() {
        assert_eq!(check("Europe/Berlin").unwrap(), "Europe/Berlin");
        assert_eq!(check("UTC").unwrap(), "UTC");
        assert_eq!(check("america/new_york").unwrap(), "America/New_York");
        for bad in [
            "",
            "Mars/Olympus_Mons",
            "+02:00",
            "../../etc/passwd",
            "Europe/",
            "Etc/Unknown",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }
}
