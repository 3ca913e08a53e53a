//! The Tenant's status, computed from what the reconcile observed. Pure: it takes the clock's
//! reading as a value.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use saascript_crds::{
    Condition, ConditionStatus, Entitlements, TenantPhase, TenantStatus, set_condition,
};

use crate::provision::{Outcome, ProvisionError, System};

pub use saascript_crds::condition_types::{
    ACCESS_SUSPENDED, DELETION_BLOCKED, NAMESPACE_READY, READY, SUSPENDED,
};

/// What one reconcile found.
pub struct Observation {
    pub generation: Option<i64>,
    pub suspended: bool,
    /// Suspended because payment lapsed past the grace period (the Subscription says so).
    pub suspended_for_payment: bool,
    pub namespace: String,
    pub secret: String,
    pub entitlements: Entitlements,
    /// The namespace objects and Secret: applied, or why not.
    pub namespace_result: Result<(), String>,
    pub systems: Vec<(System, Result<Outcome, ProvisionError>)>,
    /// A siloed tenant's own services, and where each answers.
    pub services: Vec<saascript_crds::TenantService>,
}

/// The new status, keeping each condition's lastTransitionTime while its status holds.
pub fn provisioned_status(
    previous: Option<&TenantStatus>,
    observed: &Observation,
    now: &Time,
) -> TenantStatus {
    let mut status = previous.cloned().unwrap_or_default();
    let generation = observed.generation;
    let condition = |type_: &str, ok: bool, reason: &str, message: &str| {
        Condition::new(
            type_,
            if ok {
                ConditionStatus::True
            } else {
                ConditionStatus::False
            },
            reason,
            message,
            generation,
            now.clone(),
        )
    };
    let mut waiting = vec![];
    match &observed.namespace_result {
        Ok(()) => {
            let message = format!(
                "namespace {} with quota, limits, network policy, RBAC and credentials",
                observed.namespace
            );
            set_condition(
                &mut status.conditions,
                condition(NAMESPACE_READY, true, "Provisioned", &message),
            );
        }
        Err(message) => {
            waiting.push((
                NAMESPACE_READY.to_string(),
                "KubernetesApiFailed".to_string(),
            ));
            set_condition(
                &mut status.conditions,
                condition(NAMESPACE_READY, false, "KubernetesApiFailed", message),
            );
        }
    }
    for (system, result) in &observed.systems {
        let type_ = system.condition_type();
        let (ok, reason, message) = match result {
            Ok(outcome) if outcome.ready && outcome.access_suspended => {
                (true, ACCESS_SUSPENDED.to_string(), outcome.message.clone())
            }
            Ok(outcome) if outcome.ready => {
                (true, "Provisioned".to_string(), outcome.message.clone())
            }
            Ok(outcome) => (
                false,
                format!("{}Pending", system.title()),
                outcome.message.clone(),
            ),
            Err(error) => (false, error.reason(), error.message.clone()),
        };
        if !ok {
            waiting.push((type_.to_string(), reason.clone()));
        }
        set_condition(
            &mut status.conditions,
            condition(type_, ok, &reason, &message),
        );
    }
    let ready = if waiting.is_empty() {
        condition(
            READY,
            true,
            "Provisioned",
            "every backing resource is ready",
        )
    } else {
        let list: Vec<String> = waiting.iter().map(|(t, r)| format!("{t} ({r})")).collect();
        condition(
            READY,
            false,
            &waiting[0].1,
            &format!("waiting for {}", list.join(", ")),
        )
    };
    set_condition(&mut status.conditions, ready);
    set_condition(
        &mut status.conditions,
        if observed.suspended {
            condition(
                SUSPENDED,
                true,
                "SuspendedBySpec",
                "spec.suspended is true: the gateway refuses the tenant's requests",
            )
        } else if observed.suspended_for_payment {
            condition(
                SUSPENDED,
                true,
                "PaymentLapsed",
                "payment lapsed past the grace period (see the Subscription's PaymentOK): the \
                 gateway refuses the tenant's requests until it is paid",
            )
        } else {
            condition(SUSPENDED, false, "Active", "the tenant is not suspended")
        },
    );
    status.phase = Some(if observed.suspended || observed.suspended_for_payment {
        TenantPhase::Suspended
    } else if waiting.is_empty() {
        TenantPhase::Ready
    } else {
        TenantPhase::Provisioning
    });
    status.observed_generation = generation;
    status.namespace = Some(observed.namespace.clone());
    status.credentials_secret = Some(observed.secret.clone());
    status.entitlements = Some(observed.entitlements.clone());
    status.services = observed.services.clone();
    status
}

/// The status of a Tenant whose spec cannot be provisioned.
pub fn invalid_status(
    previous: Option<&TenantStatus>,
    generation: Option<i64>,
    reason: &str,
    message: &str,
    now: &Time,
) -> TenantStatus {
    let mut status = previous.cloned().unwrap_or_default();
    set_condition(
        &mut status.conditions,
        Condition::new(
            READY,
            ConditionStatus::False,
            reason,
            message,
            generation,
            now.clone(),
        ),
    );
    status.phase = Some(TenantPhase::Failed);
    status.observed_generation = generation;
    status
}

/// The status of a Tenant being deleted; `blocked` when spec.preventDeletion holds it.
pub fn terminating_status(
    previous: Option<&TenantStatus>,
    generation: Option<i64>,
    blocked: bool,
    now: &Time,
) -> TenantStatus {
    let mut status = previous.cloned().unwrap_or_default();
    let condition = if blocked {
        Condition::new(
            DELETION_BLOCKED,
            ConditionStatus::True,
            "PreventDeletion",
            "spec.preventDeletion is true; set it to false to let the deletion proceed",
            generation,
            now.clone(),
        )
    } else {
        Condition::new(
            DELETION_BLOCKED,
            ConditionStatus::False,
            "Deleting",
            "the tenant's resources are being removed",
            generation,
            now.clone(),
        )
    };
    set_condition(&mut status.conditions, condition);
    if !blocked {
        status.phase = Some(TenantPhase::Terminating);
    }
    status
}

/// Conditions whose status differs between two statuses, with their new value: each one is
/// worth a Kubernetes Event.
pub fn transitions<'a>(
    before: Option<&TenantStatus>,
    after: &'a TenantStatus,
) -> Vec<&'a Condition> {
    after
        .conditions
        .iter()
        .filter(|c| {
            let old = before.and_then(|b| saascript_crds::find_condition(&b.conditions, &c.type_));
            old.is_none_or(|o| o.status != c.status || o.reason != c.reason)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;
    use saascript_crds::{Isolation, Quota, find_condition};

    fn at(second: i64) -> Time {
        Time(Timestamp::from_second(second).unwrap())
    }

    fn observation(systems: Vec<(System, Result<Outcome, ProvisionError>)>) -> Observation {
        Observation {
            generation: Some(3),
            suspended: false,
            suspended_for_payment: false,
            namespace: "tenant-acme".into(),
            secret: "saascript-tenant-credentials".into(),
            entitlements: Entitlements {
                plan: "free".into(),
                quota: Quota::default(),
                max_projects: 3,
                max_members: 3,
                requests_per_second: 5,
                isolation: Isolation::Pooled,
            },
            namespace_result: Ok(()),
            systems,
            services: vec![],
        }
    }

    fn all_ready() -> Vec<(System, Result<Outcome, ProvisionError>)> {
        System::ALL
            .iter()
            .map(|s| (*s, Ok(Outcome::ready("ok"))))
            .collect()
    }

    #[test]
    fn everything_ready_makes_the_tenant_ready() {
        let status = provisioned_status(None, &observation(all_ready()), &at(10));
        assert_eq!(status.phase, Some(TenantPhase::Ready));
        assert!(find_condition(&status.conditions, READY).unwrap().is_true());
        for system in System::ALL {
            assert!(
                find_condition(&status.conditions, system.condition_type())
                    .unwrap()
                    .is_true()
            );
        }
        assert_eq!(status.observed_generation, Some(3));
        assert_eq!(status.namespace.as_deref(), Some("tenant-acme"));
    }

    #[test]
    fn an_unreachable_system_says_which_and_why() {
        let mut systems = all_ready();
        systems[0].1 = Err(ProvisionError::unreachable(
            System::Postgres,
            "connection refused",
        ));
        let status = provisioned_status(None, &observation(systems), &at(10));
        assert_eq!(status.phase, Some(TenantPhase::Provisioning));
        let database = find_condition(&status.conditions, "DatabaseReady").unwrap();
        assert_eq!(database.reason, "PostgresUnreachable");
        assert_eq!(database.message, "connection refused");
        let ready = find_condition(&status.conditions, READY).unwrap();
        assert_eq!(ready.reason, "PostgresUnreachable");
        assert!(
            ready
                .message
                .contains("DatabaseReady (PostgresUnreachable)"),
            "{}",
            ready.message
        );
    }

    #[test]
    fn a_second_identical_observation_changes_nothing() {
        let first = provisioned_status(None, &observation(all_ready()), &at(10));
        let second = provisioned_status(Some(&first), &observation(all_ready()), &at(99));
        assert_eq!(
            first, second,
            "same observation, later clock: the status must not move"
        );
        assert!(transitions(Some(&first), &second).is_empty());
    }

    #[test]
    fn recovery_moves_the_transition_time_and_is_an_event() {
        let mut systems = all_ready();
        systems[4].1 = Err(ProvisionError::unreachable(System::Redis, "down"));
        let broken = provisioned_status(None, &observation(systems), &at(10));
        let healed = provisioned_status(Some(&broken), &observation(all_ready()), &at(20));
        let cache = find_condition(&healed.conditions, "CacheReady").unwrap();
        assert!(cache.is_true());
        assert_eq!(cache.last_transition_time, at(20));
        let changed: Vec<_> = transitions(Some(&broken), &healed)
            .iter()
            .map(|c| c.type_.clone())
            .collect();
        assert_eq!(changed, ["CacheReady", "Ready"]);
    }

    #[test]
    fn suspension_shows_in_the_phase_and_a_condition() {
        let mut observed = observation(all_ready());
        observed.suspended = true;
        let status = provisioned_status(None, &observed, &at(10));
        assert_eq!(status.phase, Some(TenantPhase::Suspended));
        assert!(
            find_condition(&status.conditions, SUSPENDED)
                .unwrap()
                .is_true()
        );
    }

    #[test]
    fn access_taken_away_shows_in_the_systems_reason_and_keeps_it_ready() {
        let mut systems = all_ready();
        systems[0].1 = Ok(Outcome::access_suspended("logins disabled"));
        let mut observed = observation(systems);
        observed.suspended = true;
        let before = provisioned_status(None, &observation(all_ready()), &at(10));
        let status = provisioned_status(Some(&before), &observed, &at(20));
        let database = find_condition(&status.conditions, "DatabaseReady").unwrap();
        assert!(database.is_true());
        assert_eq!(database.reason, ACCESS_SUSPENDED);
        assert_eq!(
            database.last_transition_time,
            at(10),
            "only the reason changed"
        );
        let changed: Vec<_> = transitions(Some(&before), &status)
            .iter()
            .map(|c| c.type_.clone())
            .collect();
        assert!(
            changed.contains(&"DatabaseReady".to_string()),
            "taking access away is an Event: {changed:?}"
        );
        assert!(find_condition(&status.conditions, READY).unwrap().is_true());
    }

    #[test]
    fn an_invalid_spec_fails_with_its_reason() {
        let status = invalid_status(
            None,
            Some(2),
            "UnknownPlan",
            "plan \"gold\" is not in the catalog",
            &at(5),
        );
        assert_eq!(status.phase, Some(TenantPhase::Failed));
        assert_eq!(
            find_condition(&status.conditions, READY).unwrap().reason,
            "UnknownPlan"
        );
    }
}
