//! A value that must never reach a log: passwords, tokens, URLs with credentials.

use std::fmt;
use std::str::FromStr;

/// A string that prints as `***` in Debug and Display. Read it with `expose()`, on purpose.
#[derive(Clone, PartialEq, Eq)]
pub struct Sensitive(String);

impl Sensitive {
    pub fn new(value: impl Into<String>) -> Sensitive {
        Sensitive(value.into())
    }

    /// The secret value itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sensitive(***)")
    }
}

impl fmt::Display for Sensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl FromStr for Sensitive {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Sensitive(s.to_string()))
    }
}

impl From<String> for Sensitive {
    fn from(value: String) -> Self {
        Sensitive(value)
    }
}

#[cfg(test)]
mod tests {
    use super::Sensitive;

    #[test]
    fn never_prints_the_value() {
        let secret = Sensitive::new("postgres://admin:hunter2@db/postgres");
        assert_eq!(format!("{secret:?} {secret}"), "Sensitive(***) ***");
        assert_eq!(secret.expose(), "postgres://admin:hunter2@db/postgres");
    }
}
