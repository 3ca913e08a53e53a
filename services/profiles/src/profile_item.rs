//! A profile as a DynamoDB item. Empty values (no display name, no avatar, no preferences) are
//! left out of the item rather than stored empty, which every DynamoDB-compatible server takes.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{ProfilesError, Result};
use crate::fields::ProfileFields;
use crate::profile::Profile;

pub const USER_ID: &str = "user_id";
pub const TENANT: &str = "tenant";
pub const DISPLAY_NAME: &str = "display_name";
pub const AVATAR_URL: &str = "avatar_url";
pub const LOCALE: &str = "locale";
pub const TIME_ZONE: &str = "time_zone";
pub const PREFERENCES: &str = "preferences";
pub const VERSION: &str = "version";
pub const CREATED_AT: &str = "created_at";
pub const UPDATED_AT: &str = "updated_at";

pub type Item = HashMap<String, AttributeValue>;

/// The preferences as a DynamoDB map of strings.
pub fn preferences_value(preferences: &BTreeMap<String, String>) -> AttributeValue {
    AttributeValue::M(
        preferences
            .iter()
            .map(|(k, v)| (k.clone(), AttributeValue::S(v.clone())))
            .collect(),
    )
}

/// Reads a stored profile. A stored item missing what every write sets is an internal error,
/// never a default: it would hide a broken writer.
pub fn profile_from_item(item: &Item) -> Result<Profile> {
    let user = string(item, USER_ID)?.ok_or_else(|| missing(USER_ID))?;
    let version = match item.get(VERSION) {
        Some(AttributeValue::N(n)) => n.parse::<u64>().map_err(|_| malformed(VERSION))?,
        _ => return Err(missing(VERSION)),
    };
    let defaults = ProfileFields::default();
    let preferences = match item.get(PREFERENCES) {
        None => BTreeMap::new(),
        Some(AttributeValue::M(map)) => map
            .iter()
            .map(|(k, v)| match v {
                AttributeValue::S(s) => Ok((k.clone(), s.clone())),
                _ => Err(malformed(PREFERENCES)),
            })
            .collect::<Result<_>>()?,
        Some(_) => return Err(malformed(PREFERENCES)),
    };
    let fields = ProfileFields {
        display_name: string(item, DISPLAY_NAME)?.unwrap_or_default(),
        avatar_url: string(item, AVATAR_URL)?,
        locale: string(item, LOCALE)?.unwrap_or(defaults.locale),
        time_zone: string(item, TIME_ZONE)?.unwrap_or(defaults.time_zone),
        preferences,
    };
    Ok(Profile::from_fields(
        &user,
        fields,
        version,
        string(item, UPDATED_AT)?,
    ))
}

fn string(item: &Item, name: &str) -> Result<Option<String>> {
    match item.get(name) {
        None => Ok(None),
        Some(AttributeValue::S(s)) => Ok(Some(s.clone())),
        Some(_) => Err(malformed(name)),
    }
}

fn missing(name: &str) -> ProfilesError {
    ProfilesError::Internal(format!("a stored profile has no `{name}`"))
}

fn malformed(name: &str) -> ProfilesError {
    ProfilesError::Internal(format!("a stored profile's `{name}` has the wrong type"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_item_reads_with_defaults() {
        let item: Item = HashMap::from([
            (USER_ID.to_string(), AttributeValue::S("u-1".into())),
            (VERSION.to_string(), AttributeValue::N("1".into())),
        ]);
        let profile = profile_from_item(&item).unwrap();
        assert_eq!(profile.user_id, "u-1");
        assert_eq!(profile.version, 1);
        assert_eq!(profile.locale, "en");
        assert_eq!(profile.time_zone, "UTC");
        assert!(profile.preferences.is_empty());
    }

    #[test]
    fn a_broken_item_is_an_error() {
        let item: Item = HashMap::from([(USER_ID.to_string(), AttributeValue::S("u-1".into()))]);
        assert!(profile_from_item(&item).is_err());
    }
}
