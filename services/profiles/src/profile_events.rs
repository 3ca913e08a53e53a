//! What an auth event asks of this service (pure): `auth.membership.created` gives a member a
//! default profile in the tenant they joined; `auth.user.registered` does the same when the
//! event names a tenant. A registration without a tenant has no partition to write to, since
//! every profile belongs to a tenant; the member's profile is created when they join one, or on
//! their first `GET /profiles/me`.

use saascript_common::events::CloudEvent;

pub const USER_REGISTERED: &str = "auth.user.registered";
pub const MEMBERSHIP_CREATED: &str = "auth.membership.created";

/// The longest user id taken from an event (a sort key is at most 1 KB).
pub const MAX_USER_ID_LENGTH: usize = 128;
/// The longest CloudEvent id or source taken (each is part of a key of at most 2 KB).
pub const MAX_EVENT_ID_LENGTH: usize = 256;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wanted {
    /// Create `user`'s default profile in `tenant` (whose uid the event names, when it does).
    DefaultProfile {
        tenant: String,
        tenant_uid: Option<String>,
        user: String,
    },
    /// Nothing to do, and why (logged).
    Nothing(&'static str),
}

pub fn wanted(event: &CloudEvent) -> Wanted {
    // The id and source become a key; a key DynamoDB refuses would be retried for ever and hold
    // the partition, so an event that cannot be recorded is not taken on.
    if !(1..=MAX_EVENT_ID_LENGTH).contains(&event.id.len())
        || !(1..=MAX_EVENT_ID_LENGTH).contains(&event.source.len())
    {
        return Wanted::Nothing("the event's id or source is empty or too long");
    }
    let data = &event.data;
    let text = |name: &str| data.get(name).and_then(|v| v.as_str()).map(str::to_string);
    let (user, data_tenant) = match event.type_.as_str() {
        MEMBERSHIP_CREATED => (text("user"), text("tenant")),
        USER_REGISTERED => (text("id"), None),
        _ => return Wanted::Nothing("not an event this service handles"),
    };
    let Some(user) = user.or_else(|| event.subject.clone()) else {
        return Wanted::Nothing("the event names no user");
    };
    if !is_user_id(&user) {
        return Wanted::Nothing("the event's user id is not one this service stores");
    }
    let tenant = match (event.tenant.clone(), data_tenant) {
        (Some(attribute), Some(data)) if attribute != data => {
            return Wanted::Nothing("the event's tenant attribute and data disagree");
        }
        (Some(tenant), _) | (None, Some(tenant)) => tenant,
        (None, None) => return Wanted::Nothing("the event concerns no tenant"),
    };
    if !is_tenant_name(&tenant) {
        return Wanted::Nothing("the event's tenant is not a tenant name");
    }
    Wanted::DefaultProfile {
        tenant,
        tenant_uid: text("tenant_uid"),
        user,
    }
}

/// A Tenant's name: a DNS-1123 label (the CRD allows at most 40 characters).
fn is_tenant_name(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// A user id as auth issues them (UUIDs), loosely: letters, digits, `-` and `_`.
pub fn is_user_id(user: &str) -> bool {
    !user.is_empty()
        && user.len() <= MAX_USER_ID_LENGTH
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(type_: &str, tenant: Option<&str>, data: serde_json::Value) -> CloudEvent {
        CloudEvent {
            specversion: "1.0".into(),
            id: "e-1".into(),
            source: "saascript/auth".into(),
            type_: type_.into(),
            subject: Some("u-1".into()),
            time: "2026-11-25T08:00:00Z".into(),
            datacontenttype: "application/json".into(),
            tenant: tenant.map(str::to_string),
            data,
        }
    }

    #[test]
    fn a_membership_asks_for_a_default_profile() {
        let e = event(
            MEMBERSHIP_CREATED,
            Some("acme"),
            json!({ "user": "u-1", "tenant": "acme", "tenant_uid": "uid-1", "role": "member" }),
        );
        assert_eq!(
            wanted(&e),
            Wanted::DefaultProfile {
                tenant: "acme".into(),
                tenant_uid: Some("uid-1".into()),
                user: "u-1".into()
            }
        );
    }

    #[test]
    fn a_registration_without_a_tenant_asks_for_nothing() {
        let e = event(
            USER_REGISTERED,
            None,
            json!({ "id": "u-1", "email": "a@b.c" }),
        );
        assert!(matches!(wanted(&e), Wanted::Nothing(_)));
        let e = event(USER_REGISTERED, Some("acme"), json!({ "id": "u-1" }));
        assert!(matches!(wanted(&e), Wanted::DefaultProfile { .. }));
    }

    #[test]
    fn odd_events_ask_for_nothing() {
        let e = event(
            MEMBERSHIP_CREATED,
            Some("acme"),
            json!({ "user": "u-1", "tenant": "other" }),
        );
        assert!(matches!(wanted(&e), Wanted::Nothing(_)));
        let e = event(MEMBERSHIP_CREATED, Some("acme"), json!({ "user": "u 1#x" }));
        assert!(matches!(wanted(&e), Wanted::Nothing(_)));
        let e = event("billing.subscription.updated", Some("acme"), json!({}));
        assert!(matches!(wanted(&e), Wanted::Nothing(_)));
        let e = event(MEMBERSHIP_CREATED, Some("Acme/x"), json!({ "user": "u-1" }));
        assert!(matches!(wanted(&e), Wanted::Nothing(_)));
        let mut e = event(MEMBERSHIP_CREATED, Some("acme"), json!({ "user": "u-1" }));
        e.id = "x".repeat(MAX_EVENT_ID_LENGTH + 1);
        assert!(matches!(wanted(&e), Wanted::Nothing(_)));
    }
}
