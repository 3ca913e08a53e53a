//! What the CRD's schema cannot say about a ServiceDeployment (its fields one against another).
//! Pure.

use saascript_crds::ServiceDeployment;

/// The variable through which the operator tells the service where to listen.
pub const LISTEN_ADDR: &str = "LISTEN_ADDR";
/// How long a pod keeps serving after SIGTERM, while its endpoints are withdrawn.
pub const SHUTDOWN_DELAY_SECONDS: &str = "SHUTDOWN_DELAY_SECONDS";
/// The variables the operator sets itself; the spec may not.
pub const RESERVED_ENV: [&str; 2] = [LISTEN_ADDR, SHUTDOWN_DELAY_SECONDS];

/// Why a ServiceDeployment cannot be run as written: a condition reason and a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    pub reason: &'static str,
    pub message: String,
}

pub fn validate(sd: &ServiceDeployment) -> Result<(), Invalid> {
    let spec = &sd.spec;
    if spec.replicas.min > spec.replicas.max {
        return Err(Invalid {
            reason: "InvalidReplicas",
            message: format!(
                "replicas.min ({}) is above replicas.max ({})",
                spec.replicas.min, spec.replicas.max
            ),
        });
    }
    let mut seen = std::collections::BTreeSet::new();
    for var in &spec.env {
        if RESERVED_ENV.contains(&var.name.as_str()) {
            return Err(Invalid {
                reason: "ReservedEnv",
                message: format!("env {} is set by the operator; remove it", var.name),
            });
        }
        if !seen.insert(var.name.as_str()) {
            return Err(Invalid {
                reason: "DuplicateEnv",
                message: format!("env {} is set twice", var.name),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use saascript_crds::service_deployment::{EnvVar, Replicas};
    use saascript_crds::{ServiceDeploymentSpec, ServiceName};

    fn sd(min: i32, max: i32, env: &[&str]) -> ServiceDeployment {
        ServiceDeployment::new(
            "projects",
            ServiceDeploymentSpec {
                service: ServiceName::Projects,
                image: "localhost/saascript/projects:dev".into(),
                port: 8085,
                replicas: Replicas { min, max },
                autoscaling: None,
                resources: None,
                env: env
                    .iter()
                    .map(|name| EnvVar {
                        name: name.to_string(),
                        value: "x".into(),
                    })
                    .collect(),
                credentials_secret: None,
                tenants_per_replica: None,
                image_pull_policy: None,
                service_account_name: None,
            },
        )
    }

    #[test]
    fn a_sound_spec_passes() {
        assert_eq!(validate(&sd(1, 3, &["RUST_LOG"])), Ok(()));
    }

    #[test]
    fn min_above_max_is_refused_with_a_reason() {
        assert_eq!(
            validate(&sd(4, 2, &[])).unwrap_err().reason,
            "InvalidReplicas"
        );
    }

    #[test]
    fn the_listen_address_and_duplicates_are_refused() {
        assert_eq!(
            validate(&sd(1, 1, &["LISTEN_ADDR"])).unwrap_err().reason,
            "ReservedEnv"
        );
        assert_eq!(
            validate(&sd(1, 1, &["A", "A"])).unwrap_err().reason,
            "DuplicateEnv"
        );
    }
}
