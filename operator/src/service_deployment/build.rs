//! The Kubernetes objects that run one ServiceDeployment: a Deployment, a Service, and while it
//! runs, an HPA (with autoscaling) and a PodDisruptionBudget. Pure: no client, no clock.
//!
//! The HPA and the PDB are built in their newest shape (`autoscaling/v2`, `policy/v1`); the
//! applier sends them under whichever version the server serves.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment,
};
use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricSpec,
    MetricTarget, ResourceMetricSource,
};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, EmptyDirVolumeSource, EnvFromSource, EnvVar,
    HTTPGetAction, PodSecurityContext, PodSpec, PodTemplateSpec, Probe, ResourceRequirements,
    SeccompProfile, SecretEnvSource, SecurityContext, Service, ServicePort, ServiceSpec, Volume,
    VolumeMount,
};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::ResourceExt;
use kube::api::ObjectMeta;
use saascript_crds::ServiceDeployment;
use saascript_crds::service_deployment::ResourceAmounts;

use super::validate::{LISTEN_ADDR, SHUTDOWN_DELAY_SECONDS};
use crate::labels::{MANAGED_BY, MANAGER};

/// The label that ties a pod, and each owned object, to its ServiceDeployment.
pub const SERVICE_DEPLOYMENT_LABEL: &str = "saascript.io/service-deployment";

/// The unprivileged user every service runs as (the images' own, `nonroot` in distroless).
pub const RUN_AS_USER: i64 = 65532;

/// How long a pod keeps serving after SIGTERM: long enough for kube-proxy to withdraw it from
/// the Service, well within the grace period.
const SHUTDOWN_DELAY: i64 = 5;

/// The Deployment's port name, used by the Service and the probes.
const PORT_NAME: &str = "http";

#[derive(Clone, Debug, PartialEq)]
pub struct Desired {
    pub deployment: Deployment,
    pub service: Service,
    /// With `spec.autoscaling`, while the service runs.
    pub hpa: Option<HorizontalPodAutoscaler>,
    /// While the service runs; never while it is parked at zero, so that it cannot block a drain.
    pub pdb: Option<PodDisruptionBudget>,
}

/// The labels that select the service's pods; owned objects carry them too.
pub fn selector_labels(sd: &ServiceDeployment) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "app.kubernetes.io/name".to_string(),
            format!("saascript-{}", sd.spec.service),
        ),
        ("app.kubernetes.io/instance".to_string(), sd.name_any()),
        (SERVICE_DEPLOYMENT_LABEL.to_string(), sd.name_any()),
    ])
}

/// The labels on everything built for `sd`: the selector's, who manages them, and the
/// ServiceDeployment's own labels (so that a selector on those, a test run's say, finds them).
pub fn owned_labels(sd: &ServiceDeployment) -> BTreeMap<String, String> {
    let mut labels: BTreeMap<String, String> = sd
        .labels()
        .iter()
        .filter(|(k, _)| k.as_str() != saascript_crds::condition_types::TEMPLATE_LABEL)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    labels.extend(selector_labels(sd));
    labels.insert(MANAGED_BY.into(), MANAGER.into());
    labels
}

/// `floor` is the replicas to run at least (0 parks the service).
pub fn build(sd: &ServiceDeployment, floor: i32) -> Desired {
    let name = sd.name_any();
    let meta = ObjectMeta {
        name: Some(name.clone()),
        namespace: sd.namespace(),
        labels: Some(owned_labels(sd)),
        ..Default::default()
    };
    let selector = LabelSelector {
        match_labels: Some(selector_labels(sd)),
        ..Default::default()
    };
    let autoscaled = sd.spec.autoscaling.is_some() && floor > 0;
    let hpa = sd
        .spec
        .autoscaling
        .as_ref()
        .filter(|_| autoscaled)
        .map(|autoscaling| {
            let min = floor.max(1);
            HorizontalPodAutoscaler {
                metadata: meta.clone(),
                spec: HorizontalPodAutoscalerSpec {
                    scale_target_ref: CrossVersionObjectReference {
                        api_version: Some("apps/v1".into()),
                        kind: "Deployment".into(),
                        name: name.clone(),
                    },
                    min_replicas: Some(min),
                    max_replicas: sd.spec.replicas.max.max(min),
                    metrics: Some(vec![MetricSpec {
                        type_: "Resource".into(),
                        resource: Some(ResourceMetricSource {
                            name: "cpu".into(),
                            target: MetricTarget {
                                type_: "Utilization".into(),
                                average_utilization: Some(
                                    autoscaling.target_cpu_utilization_percentage,
                                ),
                                ..Default::default()
                            },
                        }),
                        ..Default::default()
                    }]),
                    ..Default::default()
                },
                ..Default::default()
            }
        });
    let pdb = (floor > 0).then(|| PodDisruptionBudget {
        metadata: meta.clone(),
        spec: Some(PodDisruptionBudgetSpec {
            // One pod at a time: with two or more replicas the service keeps answering through a
            // drain; with one, the drain is never blocked.
            max_unavailable: Some(IntOrString::Int(1)),
            selector: Some(selector.clone()),
            ..Default::default()
        }),
        ..Default::default()
    });
    Desired {
        deployment: Deployment {
            metadata: meta.clone(),
            spec: DeploymentSpec {
                // While an HPA exists it owns the replica count: the operator leaves the field
                // alone (server-side apply gives it up), so that the two never fight over it.
                replicas: (!autoscaled).then_some(floor),
                selector: selector.clone(),
                strategy: Some(DeploymentStrategy {
                    type_: Some("RollingUpdate".into()),
                    rolling_update: Some(RollingUpdateDeployment {
                        max_surge: Some(IntOrString::Int(1)),
                        max_unavailable: Some(IntOrString::Int(0)),
                    }),
                }),
                template: pod_template(sd),
                ..Default::default()
            },
            ..Default::default()
        },
        service: Service {
            metadata: meta,
            spec: Some(ServiceSpec {
                type_: Some("ClusterIP".into()),
                selector: Some(selector_labels(sd)),
                ports: Some(vec![ServicePort {
                    name: Some(PORT_NAME.into()),
                    port: sd.spec.port,
                    target_port: Some(IntOrString::String(PORT_NAME.into())),
                    protocol: Some("TCP".into()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        },
        hpa,
        pdb,
    }
}

fn pod_template(sd: &ServiceDeployment) -> PodTemplateSpec {
    let spec = &sd.spec;
    let mut env = vec![
        EnvVar {
            name: LISTEN_ADDR.into(),
            value: Some(format!("0.0.0.0:{}", spec.port)),
            ..Default::default()
        },
        EnvVar {
            name: SHUTDOWN_DELAY_SECONDS.into(),
            value: Some(SHUTDOWN_DELAY.to_string()),
            ..Default::default()
        },
    ];
    env.extend(spec.env.iter().map(|var| EnvVar {
        name: var.name.clone(),
        value: Some(var.value.clone()),
        ..Default::default()
    }));
    let probe = |path: &str, period: i32| Probe {
        http_get: Some(HTTPGetAction {
            path: Some(path.into()),
            port: IntOrString::String(PORT_NAME.into()),
            ..Default::default()
        }),
        period_seconds: Some(period),
        timeout_seconds: Some(2),
        failure_threshold: Some(3),
        ..Default::default()
    };
    let container = Container {
        name: spec.service.as_str().into(),
        image: Some(spec.image.clone()),
        image_pull_policy: spec.image_pull_policy.map(|p| p.as_str().to_string()),
        ports: Some(vec![ContainerPort {
            name: Some(PORT_NAME.into()),
            container_port: spec.port,
            protocol: Some("TCP".into()),
            ..Default::default()
        }]),
        env: Some(env),
        env_from: spec.credentials_secret.as_ref().map(|secret| {
            vec![EnvFromSource {
                secret_ref: Some(SecretEnvSource {
                    name: secret.clone(),
                    optional: Some(false),
                }),
                ..Default::default()
            }]
        }),
        liveness_probe: Some(probe("/healthz", 10)),
        readiness_probe: Some(probe("/readyz", 2)),
        resources: spec.resources.as_ref().map(|r| ResourceRequirements {
            requests: r.requests.as_ref().map(quantities),
            limits: r.limits.as_ref().map(quantities),
            ..Default::default()
        }),
        security_context: Some(SecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(RUN_AS_USER),
            read_only_root_filesystem: Some(true),
            allow_privilege_escalation: Some(false),
            privileged: Some(false),
            capabilities: Some(Capabilities {
                drop: Some(vec!["ALL".into()]),
                ..Default::default()
            }),
            ..Default::default()
        }),
        // The root filesystem is read-only; /tmp is the one writable place.
        volume_mounts: Some(vec![VolumeMount {
            name: "tmp".into(),
            mount_path: "/tmp".into(),
            ..Default::default()
        }]),
        ..Default::default()
    };
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(owned_labels(sd)),
            ..Default::default()
        }),
        spec: Some(PodSpec {
            containers: vec![container],
            service_account_name: spec.service_account_name.clone(),
            // Addresses come from the config, never from the docker-link variables of every
            // Service in the namespace.
            enable_service_links: Some(false),
            termination_grace_period_seconds: Some(30),
            security_context: Some(PodSecurityContext {
                run_as_non_root: Some(true),
                run_as_user: Some(RUN_AS_USER),
                run_as_group: Some(RUN_AS_USER),
                seccomp_profile: Some(SeccompProfile {
                    type_: "RuntimeDefault".into(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            volumes: Some(vec![Volume {
                name: "tmp".into(),
                empty_dir: Some(EmptyDirVolumeSource {
                    size_limit: Some(Quantity("64Mi".into())),
                    ..Default::default()
                }),
                ..Default::default()
            }]),
            ..Default::default()
        }),
    }
}

fn quantities(amounts: &ResourceAmounts) -> BTreeMap<String, Quantity> {
    let mut out = BTreeMap::new();
    if let Some(cpu) = &amounts.cpu {
        out.insert("cpu".to_string(), Quantity(cpu.clone()));
    }
    if let Some(memory) = &amounts.memory {
        out.insert("memory".to_string(), Quantity(memory.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use saascript_crds::service_deployment::{
        Autoscaling, EnvVar as SdEnv, Replicas, ServiceResources,
    };
    use saascript_crds::{ServiceDeploymentSpec, ServiceName};

    fn sd(autoscaling: bool) -> ServiceDeployment {
        let mut sd = ServiceDeployment::new(
            "projects",
            ServiceDeploymentSpec {
                service: ServiceName::Projects,
                image: "localhost/saascript/projects:dev".into(),
                port: 8085,
                replicas: Replicas { min: 2, max: 6 },
                autoscaling: autoscaling.then_some(Autoscaling {
                    target_cpu_utilization_percentage: 70,
                }),
                resources: Some(ServiceResources {
                    requests: Some(ResourceAmounts {
                        cpu: Some("100m".into()),
                        memory: Some("64Mi".into()),
                    }),
                    limits: None,
                }),
                env: vec![SdEnv {
                    name: "RUST_LOG".into(),
                    value: "info".into(),
                }],
                credentials_secret: Some("tenant-credentials".into()),
                tenants_per_replica: None,
                image_pull_policy: Some(saascript_crds::ImagePullPolicy::Never),
                service_account_name: None,
            },
        );
        sd.metadata.namespace = Some("tenant-acme".into());
        sd
    }

    fn container(desired: &Desired) -> Container {
        desired
            .deployment
            .spec
            .clone()
            .template
            .spec
            .unwrap()
            .containers[0]
            .clone()
    }

    #[test]
    fn the_pod_is_locked_down_and_probed() {
        let desired = build(&sd(false), 2);
        let c = container(&desired);
        let security = c.security_context.unwrap();
        assert_eq!(security.run_as_non_root, Some(true));
        assert_eq!(security.read_only_root_filesystem, Some(true));
        assert_eq!(security.allow_privilege_escalation, Some(false));
        assert_eq!(
            security.capabilities.unwrap().drop,
            Some(vec!["ALL".to_string()])
        );
        let path = |p: Option<Probe>| p.unwrap().http_get.unwrap().path.unwrap();
        assert_eq!(path(c.liveness_probe), "/healthz");
        assert_eq!(path(c.readiness_probe), "/readyz");
        assert_eq!(c.image_pull_policy.as_deref(), Some("Never"));
    }

    #[test]
    fn env_resources_and_the_tenants_secret_reach_the_container() {
        let c = container(&build(&sd(false), 2));
        let env = c.env.unwrap();
        assert_eq!(env[0].name, "LISTEN_ADDR");
        assert_eq!(env[0].value.as_deref(), Some("0.0.0.0:8085"));
        assert!(env.iter().any(|e| e.name == "RUST_LOG"));
        let from = c.env_from.unwrap();
        assert_eq!(
            from[0].secret_ref.as_ref().unwrap().name,
            "tenant-credentials"
        );
        let requests = c.resources.unwrap().requests.unwrap();
        assert_eq!(requests["cpu"], Quantity("100m".into()));
    }

    #[test]
    fn without_an_hpa_the_operator_sets_the_replicas() {
        let desired = build(&sd(false), 3);
        assert!(desired.hpa.is_none());
        assert_eq!(desired.deployment.spec.replicas, Some(3));
        assert!(desired.pdb.is_some());
    }

    #[test]
    fn with_an_hpa_the_operator_owns_its_bounds_and_never_the_replicas() {
        let desired = build(&sd(true), 3);
        assert_eq!(desired.deployment.spec.replicas, None);
        let hpa = desired.hpa.unwrap().spec;
        assert_eq!(hpa.min_replicas, Some(3));
        assert_eq!(hpa.max_replicas, 6);
        let target = &hpa.metrics.unwrap()[0];
        assert_eq!(
            target.resource.as_ref().unwrap().target.average_utilization,
            Some(70)
        );
    }

    #[test]
    fn parked_at_zero_there_is_no_hpa_and_no_pdb() {
        let desired = build(&sd(true), 0);
        assert!(desired.hpa.is_none(), "the HPA is parked");
        assert!(desired.pdb.is_none(), "nothing can block a drain");
        assert_eq!(desired.deployment.spec.replicas, Some(0));
    }

    #[test]
    fn the_service_selects_the_pods_of_this_deployment() {
        let desired = build(&sd(false), 1);
        let service = desired.service.spec.unwrap();
        let pod_labels = desired
            .deployment
            .spec
            .template
            .metadata
            .unwrap()
            .labels
            .unwrap();
        for (k, v) in service.selector.unwrap() {
            assert_eq!(pod_labels.get(&k), Some(&v));
        }
        assert_eq!(service.ports.unwrap()[0].port, 8085);
    }
}
