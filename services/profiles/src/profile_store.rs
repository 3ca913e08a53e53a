//! Reading and writing profiles in a tenant's table. Every key is built from the tenant the
//! caller resolved from a verified token or event (`TenantTable`), never from request input
//! alone, and concurrent writers are kept apart by condition expressions evaluated by DynamoDB
//! itself, not by a read before the write.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use crate::error::{ProfilesError, Result};
use crate::etag::IfMatch;
use crate::fields::ProfileFields;
use crate::keys::{PARTITION_KEY, SORT_KEY, tenant_partition, user_sort_key};
use crate::profile::Profile;
use crate::profile_item::{self as attr, Item, preferences_value, profile_from_item};
use crate::tenant_tables::TenantTable;

/// The version a profile created by default starts at.
pub const FIRST_VERSION: u64 = 1;

#[derive(Clone)]
pub struct ProfileStore {
    client: aws_sdk_dynamodb::Client,
}

impl ProfileStore {
    pub fn new(client: aws_sdk_dynamodb::Client) -> ProfileStore {
        ProfileStore { client }
    }

    /// The stored profile of `user` in the tenant, if any (a strongly consistent read: a client
    /// that has just written reads its own write).
    pub async fn get(&self, at: &TenantTable, user: &str) -> Result<Option<Profile>> {
        let output = self
            .client
            .get_item()
            .table_name(&at.table)
            .set_key(Some(key(&at.tenant, user)))
            .consistent_read(true)
            .send()
            .await
            .map_err(ProfilesError::dynamodb)?;
        output.item.as_ref().map(profile_from_item).transpose()
    }

    /// Stores the default profile of `user` unless one is there; true when it was created. A
    /// profile that exists (created earlier, or already changed by its owner) is left as it is.
    pub async fn create_default(&self, at: &TenantTable, user: &str, now: i64) -> Result<bool> {
        let fields = ProfileFields::default();
        let now = rfc3339(now)?;
        let mut item = key(&at.tenant, user);
        item.extend([
            (attr::USER_ID.into(), AttributeValue::S(user.into())),
            (attr::TENANT.into(), AttributeValue::S(at.tenant.clone())),
            (attr::LOCALE.into(), AttributeValue::S(fields.locale)),
            (attr::TIME_ZONE.into(), AttributeValue::S(fields.time_zone)),
            (
                attr::VERSION.into(),
                AttributeValue::N(FIRST_VERSION.to_string()),
            ),
            (attr::CREATED_AT.into(), AttributeValue::S(now.clone())),
            (attr::UPDATED_AT.into(), AttributeValue::S(now)),
        ]);
        let put = self
            .client
            .put_item()
            .table_name(&at.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PARTITION_KEY)
            .send()
            .await;
        match put {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(false)
            }
            Err(e) => Err(ProfilesError::dynamodb(e)),
        }
    }

    /// Replaces the profile of `user` with `fields` if its version is one `expected` names
    /// (version 0: not stored yet), and returns it with its new version. Otherwise the write
    /// does not happen and the error carries the profile as it is now.
    pub async fn replace(
        &self,
        at: &TenantTable,
        user: &str,
        fields: &ProfileFields,
        expected: &IfMatch,
        now: i64,
    ) -> Result<Profile> {
        let condition = match expected {
            IfMatch::Any => None,
            IfMatch::Versions(versions) if versions.is_empty() => {
                return Err(self.stale(at, user).await);
            }
            IfMatch::Versions(versions) => Some(versions.as_slice()),
        };
        let update = UpdateParts::replacing(user, &at.tenant, fields, &rfc3339(now)?, condition);
        let sent = self
            .client
            .update_item()
            .table_name(&at.table)
            .set_key(Some(key(&at.tenant, user)))
            .update_expression(update.expression)
            .set_condition_expression(update.condition)
            .set_expression_attribute_names(Some(update.names))
            .set_expression_attribute_values(Some(update.values))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match sent {
            Ok(output) => profile_from_item(&output.attributes.unwrap_or_default()),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Err(self.stale(at, user).await)
            }
            Err(e) => Err(ProfilesError::dynamodb(e)),
        }
    }

    /// The 412 for a write that lost: with the profile as it is now, or the default when none
    /// is stored.
    async fn stale(&self, at: &TenantTable, user: &str) -> ProfilesError {
        match self.get(at, user).await {
            Ok(current) => ProfilesError::VersionStale {
                current: Some(Box::new(
                    current.unwrap_or_else(|| Profile::unstored_default(user)),
                )),
            },
            Err(e) => {
                tracing::warn!(error = %e, "a stale write's current profile cannot be read");
                ProfilesError::VersionStale { current: None }
            }
        }
    }
}

/// The key of `user`'s profile in `tenant`'s partition.
pub fn key(tenant: &str, user: &str) -> Item {
    HashMap::from([
        (
            PARTITION_KEY.to_string(),
            AttributeValue::S(tenant_partition(tenant)),
        ),
        (SORT_KEY.to_string(), AttributeValue::S(user_sort_key(user))),
    ])
}

fn rfc3339(seconds: i64) -> Result<String> {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.to_string())
        .map_err(|e| ProfilesError::Internal(format!("the clock: {e}")))
}

/// The UpdateItem of a replacement. DynamoDB refuses names and values that the expressions do
/// not use, so each is added with the term that uses it.
struct UpdateParts {
    expression: String,
    condition: Option<String>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl UpdateParts {
    fn replacing(
        user: &str,
        tenant: &str,
        fields: &ProfileFields,
        now: &str,
        expected_versions: Option<&[u64]>,
    ) -> UpdateParts {
        let mut parts = UpdateParts {
            expression: String::new(),
            condition: None,
            names: HashMap::new(),
            values: HashMap::new(),
        };
        let mut set = vec![
            parts.assign(
                "#user",
                attr::USER_ID,
                ":user",
                AttributeValue::S(user.into()),
            ),
            parts.assign(
                "#tenant",
                attr::TENANT,
                ":tenant",
                AttributeValue::S(tenant.into()),
            ),
            parts.assign(
                "#locale",
                attr::LOCALE,
                ":locale",
                AttributeValue::S(fields.locale.clone()),
            ),
            parts.assign(
                "#tz",
                attr::TIME_ZONE,
                ":tz",
                AttributeValue::S(fields.time_zone.clone()),
            ),
            parts.assign(
                "#updated",
                attr::UPDATED_AT,
                ":now",
                AttributeValue::S(now.into()),
            ),
        ];
        parts
            .names
            .insert("#created".into(), attr::CREATED_AT.into());
        set.push("#created = if_not_exists(#created, :now)".into());
        parts.names.insert("#version".into(), attr::VERSION.into());
        parts
            .values
            .insert(":zero".into(), AttributeValue::N("0".into()));
        parts
            .values
            .insert(":one".into(), AttributeValue::N("1".into()));
        set.push("#version = if_not_exists(#version, :zero) + :one".into());
        let mut remove = Vec::new();
        let optional = [
            (
                "#name",
                attr::DISPLAY_NAME,
                ":name",
                (!fields.display_name.is_empty())
                    .then(|| AttributeValue::S(fields.display_name.clone())),
            ),
            (
                "#avatar",
                attr::AVATAR_URL,
                ":avatar",
                fields.avatar_url.clone().map(AttributeValue::S),
            ),
            (
                "#prefs",
                attr::PREFERENCES,
                ":prefs",
                (!fields.preferences.is_empty()).then(|| preferences_value(&fields.preferences)),
            ),
        ];
        for (name, attribute, placeholder, value) in optional {
            match value {
                Some(value) => set.push(parts.assign(name, attribute, placeholder, value)),
                None => {
                    parts.names.insert(name.into(), attribute.into());
                    remove.push(name.to_string());
                }
            }
        }
        parts.expression = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            parts
                .expression
                .push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        if let Some(versions) = expected_versions {
            let terms: Vec<String> = versions
                .iter()
                .enumerate()
                .map(|(i, version)| {
                    if *version == crate::profile::UNSTORED_VERSION {
                        parts.names.insert("#pk".into(), PARTITION_KEY.into());
                        "attribute_not_exists(#pk)".to_string()
                    } else {
                        let placeholder = format!(":expected{i}");
                        parts
                            .values
                            .insert(placeholder.clone(), AttributeValue::N(version.to_string()));
                        format!("#version = {placeholder}")
                    }
                })
                .collect();
            parts.condition = Some(terms.join(" OR "));
        }
        parts
    }

    fn assign(
        &mut self,
        name: &str,
        attribute: &str,
        placeholder: &str,
        value: AttributeValue,
    ) -> String {
        self.names.insert(name.into(), attribute.into());
        self.values.insert(placeholder.into(), value);
        format!("{name} = {placeholder}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replacement_names_only_what_it_uses() {
        let fields = ProfileFields::default();
        let parts =
            UpdateParts::replacing("u", "acme", &fields, "2026-01-01T00:00:00Z", Some(&[3]));
        assert_eq!(parts.condition.as_deref(), Some("#version = :expected0"));
        assert!(parts.expression.contains("REMOVE #name, #avatar, #prefs"));
        assert!(!parts.names.contains_key("#pk"));
        let created = UpdateParts::replacing("u", "acme", &fields, "t", Some(&[0, 2]));
        assert_eq!(
            created.condition.as_deref(),
            Some("attribute_not_exists(#pk) OR #version = :expected1")
        );
        let any = UpdateParts::replacing("u", "acme", &fields, "t", None);
        assert!(any.condition.is_none());
        assert!(!any.names.contains_key("#pk"));
    }
}
