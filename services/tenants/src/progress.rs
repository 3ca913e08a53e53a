//! Provisioning progress, as the UI sees it: each change of a condition of the Tenant (a new
//! condition, or another status, reason or message) is one step, and the stream ends on Ready,
//! on a terminal failure (phase Failed for the spec as it is now, with the reason), or when the
//! Tenant is gone. Pure: `routes::events` feeds it the Tenant from a watch.

use std::collections::BTreeMap;

use saascript_crds::{
    Condition, ConditionStatus, Tenant, TenantPhase, condition_types, find_condition,
};

/// One event of the stream.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// A condition appeared or changed.
    Condition(Condition),
    /// Every system is provisioned: the stream ends.
    Ready,
    /// The operator cannot provision this spec: the stream ends with its reason.
    Failed { reason: String, message: String },
    /// The Tenant is deleted, or its name now belongs to another Tenant: the stream ends.
    Gone,
}

impl Step {
    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            Step::Condition(_) => "condition",
            Step::Ready => "ready",
            Step::Failed { .. } => "failed",
            Step::Gone => "gone",
        }
    }

    pub fn ends_stream(&self) -> bool {
        !matches!(self, Step::Condition(_))
    }
}

/// What one condition said when last seen.
type Seen = (ConditionStatus, String, String);

/// The steps seen so far of the Tenant with one uid.
#[derive(Debug)]
pub struct Progress {
    uid: String,
    seen: BTreeMap<String, Seen>,
    done: bool,
}

impl Progress {
    pub fn new(uid: impl Into<String>) -> Progress {
        Progress {
            uid: uid.into(),
            seen: BTreeMap::new(),
            done: false,
        }
    }

    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The steps that the Tenant as it is now adds to what was seen (the first call gives every
    /// condition it has).
    pub fn observe(&mut self, tenant: &Tenant) -> Vec<Step> {
        if self.done {
            return vec![];
        }
        if tenant.metadata.uid.as_deref() != Some(self.uid.as_str()) {
            return self.gone();
        }
        let Some(status) = tenant.status.as_ref() else {
            return vec![];
        };
        let mut steps: Vec<Step> = status
            .conditions
            .iter()
            .filter(|condition| {
                let now = (
                    condition.status,
                    condition.reason.clone(),
                    condition.message.clone(),
                );
                self.seen.insert(condition.type_.clone(), now.clone()) != Some(now)
            })
            .cloned()
            .map(Step::Condition)
            .collect();
        let ready = find_condition(&status.conditions, condition_types::READY);
        let current = status.observed_generation.is_some()
            && status.observed_generation == tenant.metadata.generation;
        if ready.is_some_and(|c| c.status == ConditionStatus::True) {
            steps.push(Step::Ready);
        } else if current && status.phase == Some(TenantPhase::Failed) {
            steps.push(Step::Failed {
                reason: ready.map_or_else(|| "Failed".into(), |c| c.reason.clone()),
                message: ready.map(|c| c.message.clone()).unwrap_or_default(),
            });
        }
        self.done = steps.iter().any(Step::ends_stream);
        steps
    }

    /// The Tenant was deleted.
    pub fn gone(&mut self) -> Vec<Step> {
        if self.done {
            return vec![];
        }
        self.done = true;
        vec![Step::Gone]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
    use saascript_crds::TenantStatus;

    fn tenant(
        uid: &str,
        generation: i64,
        phase: TenantPhase,
        conditions: &[(&str, ConditionStatus, &str)],
    ) -> Tenant {
        let mut tenant: Tenant = serde_json::from_value(serde_json::json!({
            "apiVersion": "saascript.io/v1alpha1", "kind": "Tenant",
            "metadata": { "name": "acme", "uid": uid, "generation": generation },
            "spec": { "displayName": "Acme", "owners": ["o@acme.io"] },
        }))
        .unwrap();
        let now: Time = serde_json::from_value(serde_json::json!("2026-01-01T00:00:00Z")).unwrap();
        tenant.status = Some(TenantStatus {
            phase: Some(phase),
            observed_generation: Some(generation),
            conditions: conditions
                .iter()
                .map(|(type_, status, reason)| {
                    Condition::new(*type_, *status, *reason, "", Some(generation), now.clone())
                })
                .collect(),
            ..TenantStatus::default()
        });
        tenant
    }

    use ConditionStatus::{False, True};

    #[test]
    fn each_change_is_one_step_and_ready_ends() {
        let mut progress = Progress::new("u1");
        let first = progress.observe(&tenant(
            "u1",
            1,
            TenantPhase::Provisioning,
            &[
                ("NamespaceReady", True, "Created"),
                ("DatabaseReady", False, "Creating"),
            ],
        ));
        assert_eq!(first.len(), 2);
        let again = progress.observe(&tenant(
            "u1",
            1,
            TenantPhase::Provisioning,
            &[
                ("NamespaceReady", True, "Created"),
                ("DatabaseReady", False, "Creating"),
            ],
        ));
        assert!(again.is_empty(), "nothing changed: {again:?}");
        let done = progress.observe(&tenant(
            "u1",
            1,
            TenantPhase::Ready,
            &[
                ("NamespaceReady", True, "Created"),
                ("DatabaseReady", True, "Created"),
                ("Ready", True, "Provisioned"),
            ],
        ));
        assert_eq!(
            done.iter().map(Step::name).collect::<Vec<_>>(),
            ["condition", "condition", "ready"]
        );
        assert!(progress.is_done());
        assert!(
            progress
                .observe(&tenant("u1", 1, TenantPhase::Ready, &[]))
                .is_empty()
        );
    }

    #[test]
    fn a_failure_ends_with_its_reason() {
        let mut progress = Progress::new("u1");
        let steps = progress.observe(&tenant(
            "u1",
            2,
            TenantPhase::Failed,
            &[("Ready", False, "UnknownPlan")],
        ));
        assert_eq!(
            steps.last(),
            Some(&Step::Failed {
                reason: "UnknownPlan".into(),
                message: String::new()
            })
        );
    }

    #[test]
    fn another_uid_is_gone() {
        let mut progress = Progress::new("u1");
        assert_eq!(
            progress.observe(&tenant("u2", 1, TenantPhase::Ready, &[])),
            [Step::Gone]
        );
    }
}
