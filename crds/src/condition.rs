//! The one Condition type that Tenant, Subscription and ServiceDeployment share.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Whether a condition holds, as Kubernetes spells it.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub enum ConditionStatus {
    True,
    False,
    Unknown,
}

/// One observation about a resource, in the standard Kubernetes shape.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// The aspect this condition describes, in CamelCase, for example `Ready` or `DatabaseReady`.
    #[serde(rename = "type")]
    #[schemars(length(min = 1, max = 316), pattern(r"^[A-Z][A-Za-z0-9]*$"))]
    pub type_: String,
    /// True, False or Unknown.
    pub status: ConditionStatus,
    /// A machine-readable CamelCase reason for the last transition, for example
    /// `PostgresUnreachable`.
    #[schemars(
        length(min = 1, max = 1024),
        pattern(r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$")
    )]
    pub reason: String,
    /// A human-readable explanation that an admin can act on.
    #[serde(default)]
    #[schemars(length(max = 32768))]
    pub message: String,
    /// When the status last changed. It does not move while the status stays the same.
    pub last_transition_time: Time,
    /// The `.metadata.generation` that this condition was computed from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub observed_generation: Option<i64>,
}

impl Condition {
    /// A condition observed `now`; `set_condition` decides whether its time is kept.
    pub fn new(
        type_: impl Into<String>,
        status: ConditionStatus,
        reason: impl Into<String>,
        message: impl Into<String>,
        observed_generation: Option<i64>,
        now: Time,
    ) -> Self {
        Condition {
            type_: type_.into(),
            status,
            reason: reason.into(),
            message: message.into(),
            last_transition_time: now,
            observed_generation,
        }
    }

    pub fn is_true(&self) -> bool {
        self.status == ConditionStatus::True
    }
}

/// Puts `condition` into `conditions`, replacing the one of the same type.
///
/// `lastTransitionTime` changes only when the status changes: a condition whose status is the
/// same as before keeps the old time, even when its reason or message moves. That is what
/// `kubectl wait` and admins rely on, and it keeps a steady-state reconcile from writing.
/// Returns true when anything in the list changed.
pub fn set_condition(conditions: &mut Vec<Condition>, mut condition: Condition) -> bool {
    match conditions.iter_mut().find(|c| c.type_ == condition.type_) {
        Some(existing) => {
            if existing.status == condition.status {
                condition.last_transition_time = existing.last_transition_time.clone();
            }
            if *existing == condition {
                return false;
            }
            *existing = condition;
            true
        }
        None => {
            conditions.push(condition);
            true
        }
    }
}

/// The condition of the given type, if present.
pub fn find_condition<'a>(conditions: &'a [Condition], type_: &str) -> Option<&'a Condition> {
    conditions.iter().find(|c| c.type_ == type_)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;

    fn at(seconds: i64) -> Time {
        Time(Timestamp::from_second(seconds).unwrap())
    }

    fn ready(status: ConditionStatus, reason: &str, now: Time) -> Condition {
        Condition::new("Ready", status, reason, "msg", Some(1), now)
    }

    #[test]
    fn adds_a_new_condition() {
        let mut list = vec![];
        assert!(set_condition(
            &mut list,
            ready(ConditionStatus::False, "Provisioning", at(10))
        ));
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].last_transition_time, at(10));
    }

    #[test]
    fn keeps_the_transition_time_while_the_status_stays() {
        let mut list = vec![ready(ConditionStatus::False, "Provisioning", at(10))];
        let changed = set_condition(
            &mut list,
            ready(ConditionStatus::False, "StillWaiting", at(20)),
        );
        assert!(changed, "the reason changed, so the list changed");
        assert_eq!(list[0].reason, "StillWaiting");
        assert_eq!(list[0].last_transition_time, at(10));
    }

    #[test]
    fn moves_the_transition_time_when_the_status_changes() {
        let mut list = vec![ready(ConditionStatus::False, "Provisioning", at(10))];
        assert!(set_condition(
            &mut list,
            ready(ConditionStatus::True, "Provisioned", at(30))
        ));
        assert_eq!(list[0].last_transition_time, at(30));
        assert!(list[0].is_true());
    }

    #[test]
    fn reports_no_change_for_the_same_observation() {
        let mut list = vec![ready(ConditionStatus::True, "Provisioned", at(10))];
        assert!(!set_condition(
            &mut list,
            ready(ConditionStatus::True, "Provisioned", at(99))
        ));
        assert_eq!(list[0].last_transition_time, at(10));
    }

    #[test]
    fn leaves_other_types_alone() {
        let mut list = vec![Condition::new(
            "DatabaseReady",
            ConditionStatus::True,
            "Created",
            "",
            None,
            at(1),
        )];
        set_condition(&mut list, ready(ConditionStatus::False, "Waiting", at(2)));
        assert_eq!(list.len(), 2);
        assert_eq!(
            find_condition(&list, "DatabaseReady")
                .unwrap()
                .last_transition_time,
            at(1)
        );
    }
}
