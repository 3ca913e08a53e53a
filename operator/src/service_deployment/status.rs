//! A ServiceDeployment's status, read from what the apply left: the Deployment's replicas and
//! conditions, and the Service's address. Pure: it takes the clock's reading as a value.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Service;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use saascript_crds::condition_types::{AVAILABLE, DEGRADED, PROGRESSING};
use saascript_crds::{Condition, ConditionStatus, ServiceDeploymentStatus, set_condition};

use super::validate::Invalid;

/// What one reconcile found.
pub enum Observation<'a> {
    /// The spec cannot be run as written.
    Invalid(&'a Invalid),
    /// A template: stamped into siloed tenants' namespaces, never run here.
    Template,
    /// The applied objects, as the server holds them.
    Running {
        deployment: &'a Deployment,
        service: &'a Service,
        floor: i32,
        suspended: bool,
    },
}

pub fn status(
    previous: Option<&ServiceDeploymentStatus>,
    generation: Option<i64>,
    observed: &Observation<'_>,
    now: &Time,
) -> ServiceDeploymentStatus {
    let mut status = previous.cloned().unwrap_or_default();
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
    status.observed_generation = generation;
    match observed {
        Observation::Invalid(invalid) => {
            let (reason, message) = (invalid.reason, invalid.message.as_str());
            set_condition(
                &mut status.conditions,
                condition(AVAILABLE, false, reason, message),
            );
            set_condition(
                &mut status.conditions,
                condition(PROGRESSING, false, reason, message),
            );
            set_condition(
                &mut status.conditions,
                condition(DEGRADED, true, reason, message),
            );
        }
        Observation::Template => {
            let message = "a template: stamped into each siloed tenant's namespace, not run here";
            status.ready_replicas = None;
            status.desired_replicas = None;
            status.floor_replicas = None;
            status.url = None;
            set_condition(
                &mut status.conditions,
                condition(AVAILABLE, false, "Template", message),
            );
            set_condition(
                &mut status.conditions,
                condition(PROGRESSING, false, "Template", message),
            );
            set_condition(
                &mut status.conditions,
                condition(DEGRADED, false, "Template", message),
            );
        }
        Observation::Running {
            deployment,
            service,
            floor,
            suspended,
        } => {
            let live = deployment.status.clone().unwrap_or_default();
            status.ready_replicas = Some(live.ready_replicas.unwrap_or(0));
            status.desired_replicas = deployment.spec.replicas;
            status.floor_replicas = Some(*floor);
            status.url = service_url(service);
            let conditions = live.conditions.unwrap_or_default();
            let find = |type_: &str| {
                conditions
                    .iter()
                    .find(|c| c.type_.as_deref() == Some(type_))
            };
            // The Deployment's conditions describe the generation its controller last saw: an
            // older one says nothing about the spec just applied.
            let seen = live.observed_generation >= deployment.metadata.generation;
            if *suspended {
                set_condition(
                    &mut status.conditions,
                    condition(
                        AVAILABLE,
                        false,
                        "Suspended",
                        "the tenant is suspended: the service is parked at zero replicas",
                    ),
                );
            } else {
                let available = find("Available").filter(|_| seen);
                set_condition(
                    &mut status.conditions,
                    match available {
                        Some(c) => condition(
                            AVAILABLE,
                            c.status.as_deref() == Some("True"),
                            c.reason.as_deref().unwrap_or("Unknown"),
                            c.message.as_deref().unwrap_or_default(),
                        ),
                        None => condition(
                            AVAILABLE,
                            false,
                            "DeploymentPending",
                            "the Deployment has not reported on this generation yet",
                        ),
                    },
                );
            }
            let progressing = find("Progressing").filter(|_| seen);
            set_condition(
                &mut status.conditions,
                match progressing {
                    Some(c) => condition(
                        PROGRESSING,
                        c.status.as_deref() == Some("True"),
                        c.reason.as_deref().unwrap_or("Unknown"),
                        c.message.as_deref().unwrap_or_default(),
                    ),
                    None => condition(
                        PROGRESSING,
                        true,
                        "DeploymentPending",
                        "the Deployment has not reported on this generation yet",
                    ),
                },
            );
            let failure = find("ReplicaFailure").filter(|c| c.status.as_deref() == Some("True"));
            let stalled = progressing.filter(|c| c.status.as_deref() == Some("False"));
            set_condition(
                &mut status.conditions,
                match failure.or(stalled) {
                    Some(c) => condition(
                        DEGRADED,
                        true,
                        c.reason.as_deref().unwrap_or("Unknown"),
                        c.message.as_deref().unwrap_or_default(),
                    ),
                    None => condition(DEGRADED, false, "AsExpected", "no failure reported"),
                },
            );
        }
    }
    status
}

/// `http://<cluster IP>:<port>` once the Service has a cluster IP.
fn service_url(service: &Service) -> Option<String> {
    let spec = service.spec.as_ref()?;
    let ip = spec
        .cluster_ip
        .as_deref()
        .filter(|ip| !ip.is_empty() && *ip != "None")?;
    let port = spec.ports.as_ref()?.first()?.port;
    Some(format!("http://{ip}:{port}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::{DeploymentCondition, DeploymentSpec, DeploymentStatus};
    use k8s_openapi::api::core::v1::{ServicePort, ServiceSpec};
    use saascript_crds::find_condition;

    fn now() -> Time {
        Time(jiff::Timestamp::UNIX_EPOCH)
    }

    fn deployment(generation: i64, observed: i64, conditions: &[(&str, &str, &str)]) -> Deployment {
        let mut d = Deployment {
            spec: DeploymentSpec {
                replicas: Some(3),
                ..Default::default()
            },
            status: Some(DeploymentStatus {
                observed_generation: Some(observed),
                ready_replicas: Some(2),
                conditions: Some(
                    conditions
                        .iter()
                        .map(|(t, s, r)| DeploymentCondition {
                            type_: Some(t.to_string()),
                            status: Some(s.to_string()),
                            reason: Some(r.to_string()),
                            message: Some(format!("{t} {r}")),
                            ..Default::default()
                        })
                        .collect(),
                ),
                ..Default::default()
            }),
            ..Default::default()
        };
        d.metadata.generation = Some(generation);
        d
    }

    fn service() -> Service {
        Service {
            spec: Some(ServiceSpec {
                cluster_ip: Some("10.96.0.42".into()),
                ports: Some(vec![ServicePort {
                    port: 8085,
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn reason(status: &ServiceDeploymentStatus, type_: &str) -> (ConditionStatus, String) {
        let c = find_condition(&status.conditions, type_).unwrap();
        (c.status, c.reason.clone())
    }

    #[test]
    fn replicas_conditions_and_address_come_from_the_deployment_and_service() {
        let d = deployment(
            4,
            4,
            &[
                ("Available", "True", "MinimumReplicasAvailable"),
                ("Progressing", "True", "NewReplicaSetAvailable"),
            ],
        );
        let s = service();
        let observed = Observation::Running {
            deployment: &d,
            service: &s,
            floor: 2,
            suspended: false,
        };
        let status = status(None, Some(7), &observed, &now());
        assert_eq!(status.ready_replicas, Some(2));
        assert_eq!(status.desired_replicas, Some(3));
        assert_eq!(status.floor_replicas, Some(2));
        assert_eq!(status.observed_generation, Some(7));
        assert_eq!(status.url.as_deref(), Some("http://10.96.0.42:8085"));
        assert_eq!(
            reason(&status, AVAILABLE),
            (ConditionStatus::True, "MinimumReplicasAvailable".into())
        );
        assert_eq!(reason(&status, DEGRADED).0, ConditionStatus::False);
    }

    #[test]
    fn a_stalled_rollout_is_degraded() {
        let d = deployment(
            2,
            2,
            &[
                ("Available", "False", "MinimumReplicasUnavailable"),
                ("Progressing", "False", "ProgressDeadlineExceeded"),
            ],
        );
        let s = service();
        let observed = Observation::Running {
            deployment: &d,
            service: &s,
            floor: 1,
            suspended: false,
        };
        let status = status(None, Some(1), &observed, &now());
        assert_eq!(
            reason(&status, DEGRADED),
            (ConditionStatus::True, "ProgressDeadlineExceeded".into())
        );
    }

    #[test]
    fn conditions_of_an_older_generation_are_not_believed() {
        let d = deployment(5, 4, &[("Available", "True", "MinimumReplicasAvailable")]);
        let s = service();
        let observed = Observation::Running {
            deployment: &d,
            service: &s,
            floor: 1,
            suspended: false,
        };
        let status = status(None, Some(1), &observed, &now());
        assert_eq!(
            reason(&status, AVAILABLE),
            (ConditionStatus::False, "DeploymentPending".into())
        );
    }

    #[test]
    fn an_invalid_spec_is_degraded_with_its_reason() {
        let invalid = Invalid {
            reason: "InvalidReplicas",
            message: "min above max".into(),
        };
        let status = status(None, Some(2), &Observation::Invalid(&invalid), &now());
        assert_eq!(
            reason(&status, DEGRADED),
            (ConditionStatus::True, "InvalidReplicas".into())
        );
        assert_eq!(reason(&status, AVAILABLE).0, ConditionStatus::False);
    }
}
