//! What a profile holds, and the checks that each field passes before it is stored. Each field
//! has its own file; `ProfileUpdate` is the body of a PUT, and `validate` turns it into
//! `ProfileFields` or names the field at fault.

pub mod avatar_url;
pub mod display_name;
pub mod locale;
pub mod preferences;
pub mod time_zone;

use std::collections::BTreeMap;

use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::Result;

/// A profile's content, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileFields {
    pub display_name: String,
    pub avatar_url: Option<String>,
    pub locale: String,
    pub time_zone: String,
    pub preferences: BTreeMap<String, String>,
}

impl Default for ProfileFields {
    /// What a member starts with: no name or avatar, English, UTC, no preferences.
    fn default() -> ProfileFields {
        ProfileFields {
            display_name: String::new(),
            avatar_url: None,
            locale: locale::DEFAULT.to_string(),
            time_zone: time_zone::DEFAULT.to_string(),
            preferences: BTreeMap::new(),
        }
    }
}

/// The body of `PUT /profiles/me`: the whole profile, which replaces the stored one.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProfileUpdate {
    /// At most 100 characters, no control characters; may be empty.
    pub display_name: String,
    /// An https URL of at most 2048 characters, or null.
    #[serde(default)]
    pub avatar_url: Option<String>,
    /// A BCP 47 language tag, such as `en-US`.
    pub locale: String,
    /// An IANA time zone name, such as `Europe/Berlin`.
    pub time_zone: String,
    /// At most 50 entries; keys of 1 to 64 characters `[A-Za-z0-9._-]`, values of at most 1024
    /// characters.
    #[serde(default)]
    pub preferences: BTreeMap<String, String>,
}

impl ProfileUpdate {
    /// The checked fields, in canonical form (a locale's case, a time zone's spelling in the
    /// database), or the first field at fault.
    pub fn validate(self) -> Result<ProfileFields> {
        Ok(ProfileFields {
            display_name: display_name::check(self.display_name)?,
            avatar_url: self.avatar_url.map(avatar_url::check).transpose()?,
            locale: locale::check(&self.locale)?,
            time_zone: time_zone::check(&self.time_zone)?,
            preferences: preferences::check(self.preferences)?,
        })
    }
}
