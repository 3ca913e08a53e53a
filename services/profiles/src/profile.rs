//! A member's profile in one tenant, as the API shows it.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::fields::ProfileFields;

/// The version of a profile that is not stored yet: the default every member starts with. A PUT
/// with `If-Match: "0"` creates the profile.
pub const UNSTORED_VERSION: u64 = 0;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub user_id: String,
    pub display_name: String,
    /// An https URL, or null.
    pub avatar_url: Option<String>,
    /// A BCP 47 language tag in canonical case, such as `en-US`.
    pub locale: String,
    /// An IANA time zone, such as `Europe/Berlin`.
    pub time_zone: String,
    pub preferences: BTreeMap<String, String>,
    /// Bumped by every change; the ETag is this number in quotes. 0: not stored yet (defaults).
    pub version: u64,
    /// RFC 3339; null for a profile not stored yet.
    pub updated_at: Option<String>,
}

impl Profile {
    /// The profile of `user` before anyone has written it.
    pub fn unstored_default(user: &str) -> Profile {
        Profile::from_fields(user, ProfileFields::default(), UNSTORED_VERSION, None)
    }

    pub fn from_fields(
        user: &str,
        fields: ProfileFields,
        version: u64,
        updated_at: Option<String>,
    ) -> Profile {
        Profile {
            user_id: user.to_string(),
            display_name: fields.display_name,
            avatar_url: fields.avatar_url,
            locale: fields.locale,
            time_zone: fields.time_zone,
            preferences: fields.preferences,
            version,
            updated_at,
        }
    }
}
