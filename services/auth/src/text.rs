//! `Text`: every string of a request body. It refuses a NUL character while the body is parsed,
//! so the refusal is the extractor's 422 (`json_invalid`, with the field named) for every route
//! at once. PostgreSQL's text type cannot hold NUL, and a NUL that reached a query was a 500
//! (error 22021); checking by hand in each handler is what let it through.

use std::fmt;
use std::ops::Deref;

use serde::de::{Deserialize, Deserializer, Error};

/// A request string without NUL characters.
#[derive(Clone, PartialEq, Eq, utoipa::ToSchema)]
#[schema(value_type = String)]
pub struct Text(String);

impl Text {
    pub fn into_string(self) -> String {
        self.0
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

/// No Debug of the value: a `Text` may be a password or a token.
impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Text(***)")
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Text, D::Error> {
        let value = String::deserialize(deserializer)?;
        if value.contains('\0') {
            return Err(D::Error::custom("must not contain a NUL character"));
        }
        Ok(Text(value))
    }
}

#[cfg(test)]
mod tests {
    use saascript_common::input::parse_json;

    use super::Text;

    #[derive(serde::Deserialize)]
    struct Body {
        #[allow(dead_code)]
        email: Text,
    }

    #[test]
    fn a_nul_is_refused_and_the_field_named() {
        let problem = parse_json::<Body>(br#"{"email": "ada\u0000@example.com"}"#)
            .err()
            .unwrap();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.code, "json_invalid");
        assert_eq!(problem.field.as_deref(), Some("email"));
        assert!(parse_json::<Body>(br#"{"email": "ada@example.com"}"#).is_ok());
    }
}
