//! Events (facts) as CloudEvents 1.0 in JSON. The tenant is an extension attribute and also the
//! Kafka message key, so that one tenant's events stay in order on one partition.

use serde::{Deserialize, Serialize};

/// A CloudEvent in its JSON form (structured mode).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CloudEvent {
    pub specversion: String,
    /// Unique per event: consumers record the ids they have processed.
    pub id: String,
    /// The producer, such as `saascript/auth`.
    pub source: String,
    /// Such as `auth.user.registered`.
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// RFC 3339.
    pub time: String,
    pub datacontenttype: String,
    /// Extension attribute: the tenant the event belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    pub data: serde_json::Value,
}

impl CloudEvent {
    /// The Kafka message key: the tenant, or else the subject, or else the id.
    pub fn key(&self) -> &str {
        self.tenant
            .as_deref()
            .or(self.subject.as_deref())
            .unwrap_or(&self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::CloudEvent;
    use serde_json::json;

    #[test]
    fn serializes_as_a_structured_cloud_event() {
        let event = CloudEvent {
            specversion: "1.0".into(),
            id: "e-1".into(),
            source: "saascript/auth".into(),
            type_: "auth.user.registered".into(),
            subject: Some("u-1".into()),
            time: "2026-11-25T08:00:00Z".into(),
            datacontenttype: "application/json".into(),
            tenant: None,
            data: json!({ "id": "u-1" }),
        };
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["type"], "auth.user.registered");
        assert_eq!(value["specversion"], "1.0");
        assert!(value.get("tenant").is_none());
        assert_eq!(event.key(), "u-1");
    }
}
