//! The ServiceDeployment controller against the real API server: what it builds (read back with
//! the test's own client, at the API versions the server serves, found by discovery here too),
//! how it scales with the pooled tenants, how it parks a suspended siloed tenant's own services
//! and brings them back, what it deletes, and that a steady state writes nothing.
//!
//! These tests need no node: they check the objects and what the Deployment controller reports.
//! Pods running the real service binaries are tested in `node_service_deployments.rs`.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Namespace, Service};
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use kube::discovery::ApiGroup;
use saascript_crds::condition_types::{AVAILABLE, DEGRADED, TEMPLATE_LABEL};
use saascript_crds::{ServiceDeployment, Tenant, find_condition};
use saascript_tests::operator::{RunningOperator, TEST_RUN_LABEL, new_run_id, test_config};
use saascript_tests::tenant_guard::TenantGuard;
use saascript_tests::tenants::{
    create_namespace, delete_and_wait, set_suspended, tenant_manifest, wait_ready,
};
use saascript_tests::{TestEnv, unique_name, wait};
use serde_json::json;

const LIMIT: Duration = Duration::from_secs(60);

/// A ServiceDeployment of the projects service for test run `run`.
fn service_deployment(
    name: &str,
    run: &str,
    min: i32,
    max: i32,
    extra: serde_json::Value,
) -> ServiceDeployment {
    let mut manifest = json!({
        "apiVersion": "saascript.io/v1alpha1",
        "kind": "ServiceDeployment",
        "metadata": { "name": name, "labels": { TEST_RUN_LABEL: run } },
        "spec": {
            "service": "projects",
            // An image no node has: these tests check the objects, never a running pod.
            "image": "localhost/saascript/not-imported:test",
            "port": 8085,
            "replicas": { "min": min, "max": max },
            "imagePullPolicy": "Never",
            "resources": { "requests": { "cpu": "50m", "memory": "32Mi" } },
            "env": [{ "name": "RUST_LOG", "value": "info" }],
        },
    });
    merge(&mut manifest, extra);
    serde_json::from_value(manifest).expect("a valid ServiceDeployment")
}

fn merge(into: &mut serde_json::Value, extra: serde_json::Value) {
    match (into, extra) {
        (serde_json::Value::Object(into), serde_json::Value::Object(extra)) => {
            for (k, v) in extra {
                merge(into.entry(k).or_insert(serde_json::Value::Null), v);
            }
        }
        (into, extra) => *into = extra,
    }
}

/// The served version of a kind, found by the test's own discovery.
async fn served(
    client: &kube::Client,
    group: &str,
    preferred: &[&str],
    plural: &str,
) -> ApiResource {
    let group: ApiGroup = kube::discovery::group(client, group).await.unwrap();
    let versions: Vec<String> = group.versions().map(str::to_string).collect();
    let version = preferred
        .iter()
        .find(|v| versions.iter().any(|s| s == *v))
        .unwrap_or_else(|| panic!("none of {preferred:?} served: {versions:?}"));
    let (resource, _) = group
        .versioned_resources(version)
        .into_iter()
        .find(|(r, _)| r.plural == plural)
        .unwrap_or_else(|| panic!("{plural} not served in {version}"));
    resource
}

struct Cluster {
    client: kube::Client,
    namespace: String,
    hpa: ApiResource,
    pdb: ApiResource,
}

impl Cluster {
    async fn new(env: &TestEnv, namespace: &str) -> Cluster {
        let client = env.kube().await;
        create_namespace(&client, namespace).await;
        Cluster {
            hpa: served(
                &client,
                "autoscaling",
                &["v2", "v2beta2"],
                "horizontalpodautoscalers",
            )
            .await,
            pdb: served(
                &client,
                "policy",
                &["v1", "v1beta1"],
                "poddisruptionbudgets",
            )
            .await,
            client,
            namespace: namespace.to_string(),
        }
    }

    fn sds(&self) -> Api<ServiceDeployment> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    fn deployments(&self) -> Api<Deployment> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    fn hpas(&self) -> Api<DynamicObject> {
        Api::namespaced_with(self.client.clone(), &self.namespace, &self.hpa)
    }

    fn pdbs(&self) -> Api<DynamicObject> {
        Api::namespaced_with(self.client.clone(), &self.namespace, &self.pdb)
    }

    async fn create(&self, sd: &ServiceDeployment) {
        self.sds()
            .create(&PostParams::default(), sd)
            .await
            .unwrap_or_else(|e| panic!("creating {:?}: {e}", sd.metadata.name));
    }

    /// Waits until the Deployment exists and, with `Some(n)`, asks for `n` replicas.
    async fn wait_replicas(&self, name: &str, replicas: Option<i32>) -> Deployment {
        let deployments = self.deployments();
        wait::until(
            LIMIT,
            &format!("deployment {name} at {replicas:?} replicas"),
            || async {
                let d = deployments.get_opt(name).await.ok()??;
                (replicas.is_none() || d.spec.replicas == replicas).then_some(d)
            },
        )
        .await
    }

    async fn wait_absent(&self, api: &Api<DynamicObject>, name: &str, what: &str) {
        wait::until(LIMIT, &format!("{what} {name} to be gone"), || async {
            matches!(api.get_opt(name).await, Ok(None)).then_some(())
        })
        .await;
    }

    async fn delete_namespace(&self) {
        let _ = Api::<Namespace>::all(self.client.clone())
            .delete(&self.namespace, &DeleteParams::default())
            .await;
    }
}

/// The ServiceDeployment once its status describes its current generation and `check` holds.
async fn wait_status(
    sds: &Api<ServiceDeployment>,
    name: &str,
    what: &str,
    check: impl Fn(&ServiceDeployment) -> bool,
) -> ServiceDeployment {
    wait::until(
        LIMIT,
        &format!("servicedeployment {name}: {what}"),
        || async {
            let sd = sds.get(name).await.ok()?;
            let current = sd.status.as_ref()?.observed_generation == sd.metadata.generation;
            (current && check(&sd)).then_some(sd)
        },
    )
    .await
}

fn owner_uid(meta: &kube::api::ObjectMeta) -> Option<String> {
    meta.owner_references
        .as_ref()?
        .iter()
        .find(|r| r.controller == Some(true))
        .map(|r| r.uid.clone())
}

#[tokio::test]
async fn a_service_deployment_runs_as_a_locked_down_deployment_with_service_hpa_and_pdb() {
    let env = TestEnv::new();
    let run = new_run_id();
    let namespace = unique_name("sd");
    let cluster = Cluster::new(&env, &namespace).await;
    let operator = RunningOperator::start(&env, test_config(&env, &run)).await;
    let sd = service_deployment(
        "projects",
        &run,
        2,
        5,
        json!({ "spec": { "autoscaling": { "targetCpuUtilizationPercentage": 60 } } }),
    );
    cluster.create(&sd).await;
    let uid = cluster.sds().get("projects").await.unwrap().metadata.uid;

    // The Deployment: left to the HPA for its replicas, locked down, probed.
    let deployment = cluster.wait_replicas("projects", None).await;
    assert_eq!(
        owner_uid(&deployment.metadata),
        uid,
        "owned by the ServiceDeployment"
    );
    let pod = deployment.spec.template.spec.clone().unwrap();
    let container = &pod.containers[0];
    let security = container.security_context.clone().unwrap();
    assert_eq!(security.run_as_non_root, Some(true));
    assert_eq!(security.read_only_root_filesystem, Some(true));
    assert_eq!(security.allow_privilege_escalation, Some(false));
    assert_eq!(
        security.capabilities.unwrap().drop,
        Some(vec!["ALL".to_string()])
    );
    let probe_path = |p: &Option<k8s_openapi::api::core::v1::Probe>| {
        p.clone().unwrap().http_get.unwrap().path.unwrap()
    };
    assert_eq!(probe_path(&container.readiness_probe), "/readyz");
    assert_eq!(probe_path(&container.liveness_probe), "/healthz");
    let env_vars = container.env.clone().unwrap();
    assert!(
        env_vars
            .iter()
            .any(|e| e.name == "LISTEN_ADDR" && e.value.as_deref() == Some("0.0.0.0:8085"))
    );
    assert!(env_vars.iter().any(|e| e.name == "RUST_LOG"));
    assert_eq!(
        container.resources.clone().unwrap().requests.unwrap()["cpu"].0,
        "50m"
    );

    // The Service, the HPA and the PDB, at the versions this server serves.
    let service = Api::<Service>::namespaced(cluster.client.clone(), &namespace)
        .get("projects")
        .await
        .unwrap();
    assert_eq!(owner_uid(&service.metadata), uid);
    let hpa = wait::until(LIMIT, "the HPA", || async {
        cluster.hpas().get_opt("projects").await.ok()?
    })
    .await;
    assert_eq!(
        hpa.types.as_ref().unwrap().api_version,
        cluster.hpa.api_version
    );
    assert_eq!(owner_uid(&hpa.metadata), uid);
    assert_eq!(hpa.data["spec"]["minReplicas"], 2);
    assert_eq!(hpa.data["spec"]["maxReplicas"], 5);
    assert_eq!(
        hpa.data["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"],
        60
    );
    let pdb = cluster.pdbs().get("projects").await.unwrap();
    assert_eq!(pdb.data["spec"]["maxUnavailable"], 1);
    assert_eq!(owner_uid(&pdb.metadata), uid);

    // The status: read from the Deployment (no node here, so nothing is available yet) and the
    // Service's cluster IP.
    let sd = wait_status(&cluster.sds(), "projects", "a URL and conditions", |sd| {
        let status = sd.status.as_ref().unwrap();
        status.url.is_some() && find_condition(&status.conditions, AVAILABLE).is_some()
    })
    .await;
    let status = sd.status.unwrap();
    let ip = service.spec.unwrap().cluster_ip.unwrap();
    assert_eq!(
        status.url.as_deref(),
        Some(format!("http://{ip}:8085").as_str())
    );
    assert_eq!(status.floor_replicas, Some(2));
    assert_eq!(status.ready_replicas, Some(0));
    assert!(
        !find_condition(&status.conditions, AVAILABLE)
            .unwrap()
            .is_true()
    );
    assert!(
        !find_condition(&status.conditions, DEGRADED)
            .unwrap()
            .is_true()
    );

    // The HPA controller raises the defaulted single replica to its minimum.
    cluster.wait_replicas("projects", Some(2)).await;
    wait_status(&cluster.sds(), "projects", "desired 2", |sd| {
        sd.status.as_ref().unwrap().desired_replicas == Some(2)
    })
    .await;

    // A steady state writes nothing.
    let before = operator.wait_quiet().await;
    cluster
        .sds()
        .patch(
            "projects",
            &PatchParams::default(),
            &Patch::Merge(json!({ "metadata": { "annotations": { "touched": "yes" } } })),
        )
        .await
        .unwrap();
    let touched = operator
        .wait_quiet_after(
            |a| {
                a.service_deployment_reconciles_finished
                    > before.service_deployment_reconciles_finished
            },
            "a reconcile of the touched ServiceDeployment",
        )
        .await;
    assert_eq!(
        touched.writes, before.writes,
        "an unchanged ServiceDeployment was written to: {before:?} → {touched:?}"
    );

    // Autoscaling switched off: the HPA goes, and the operator takes the replicas back.
    cluster
        .sds()
        .patch(
            "projects",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "autoscaling": null } })),
        )
        .await
        .unwrap();
    cluster
        .wait_absent(&cluster.hpas(), "projects", "the HPA")
        .await;
    cluster.wait_replicas("projects", Some(2)).await;

    // Deleted: the garbage collector takes everything it owned.
    cluster
        .sds()
        .delete("projects", &DeleteParams::default())
        .await
        .unwrap();
    wait::until(
        LIMIT,
        "the Deployment and Service to go with it",
        || async {
            let d = cluster.deployments().get_opt("projects").await.ok()?;
            let s = Api::<Service>::namespaced(cluster.client.clone(), &namespace)
                .get_opt("projects")
                .await
                .ok()?;
            (d.is_none() && s.is_none()).then_some(())
        },
    )
    .await;
    cluster
        .wait_absent(&cluster.pdbs(), "projects", "the PDB")
        .await;

    operator.stop().await;
    cluster.delete_namespace().await;
}

#[tokio::test]
async fn an_invalid_service_deployment_is_degraded_with_a_reason_and_runs_nothing() {
    let env = TestEnv::new();
    let run = new_run_id();
    let namespace = unique_name("sd-bad");
    let cluster = Cluster::new(&env, &namespace).await;
    let operator = RunningOperator::start(&env, test_config(&env, &run)).await;
    cluster
        .create(&service_deployment("projects", &run, 4, 2, json!({})))
        .await;
    let sd = wait_status(&cluster.sds(), "projects", "Degraded", |sd| {
        find_condition(&sd.status.as_ref().unwrap().conditions, DEGRADED)
            .is_some_and(|c| c.is_true())
    })
    .await;
    let degraded = find_condition(&sd.status.as_ref().unwrap().conditions, DEGRADED).unwrap();
    assert_eq!(degraded.reason, "InvalidReplicas");
    assert!(
        degraded.message.contains("replicas.min"),
        "{}",
        degraded.message
    );
    assert!(
        cluster
            .deployments()
            .get_opt("projects")
            .await
            .unwrap()
            .is_none(),
        "nothing runs from an invalid spec"
    );
    operator.stop().await;
    cluster.delete_namespace().await;
}

#[tokio::test]
async fn shared_services_follow_the_active_pooled_tenant_count() {
    let env = TestEnv::new();
    let run = new_run_id();
    let system = unique_name("system");
    let cluster = Cluster::new(&env, &system).await;
    let mut config = test_config(&env, &run);
    config.system_namespace = system.clone();
    let operator = RunningOperator::start(&env, config).await;
    cluster
        .create(&service_deployment(
            "projects",
            &run,
            1,
            3,
            json!({ "spec": { "tenantsPerReplica": 1 } }),
        ))
        .await;
    cluster.wait_replicas("projects", Some(1)).await;

    let tenants: Api<Tenant> = Api::all(cluster.client.clone());
    let first = TenantGuard::create(
        &env,
        &tenant_manifest(&unique_name("pool"), &run, "pooled", "free", "Delete"),
    )
    .await;
    let second = TenantGuard::create(
        &env,
        &tenant_manifest(&unique_name("pool"), &run, "pooled", "free", "Delete"),
    )
    .await;
    // A siloed tenant does not count towards the shared services.
    let siloed = TenantGuard::create(
        &env,
        &tenant_manifest(&unique_name("silo"), &run, "siloed", "enterprise", "Delete"),
    )
    .await;
    cluster.wait_replicas("projects", Some(2)).await;
    let sd = wait_status(&cluster.sds(), "projects", "floor 2", |sd| {
        sd.status.as_ref().unwrap().floor_replicas == Some(2)
    })
    .await;
    assert_eq!(sd.status.unwrap().desired_replicas, Some(2));

    // A suspended tenant is not active.
    tenants
        .patch(
            first.name(),
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "suspended": true } })),
        )
        .await
        .unwrap();
    cluster.wait_replicas("projects", Some(1)).await;

    wait_ready(&tenants, second.name()).await;
    delete_and_wait(&tenants, first.name()).await;
    delete_and_wait(&tenants, second.name()).await;
    delete_and_wait(&tenants, siloed.name()).await;
    operator.stop().await;
    cluster.delete_namespace().await;
}

#[tokio::test]
async fn a_siloed_tenant_gets_its_own_services_parked_while_it_is_suspended() {
    let env = TestEnv::new();
    let run = new_run_id();
    let system = unique_name("system");
    let cluster = Cluster::new(&env, &system).await;
    let mut config = test_config(&env, &run);
    config.system_namespace = system.clone();
    let operator = RunningOperator::start(&env, config).await;
    let template = service_deployment(
        "projects",
        &run,
        2,
        4,
        json!({
            "metadata": { "labels": { TEMPLATE_LABEL: "true" } },
            "spec": { "autoscaling": { "targetCpuUtilizationPercentage": 70 } },
        }),
    );
    cluster.create(&template).await;
    // A template runs nothing where it is.
    wait_status(&cluster.sds(), "projects", "the template's status", |sd| {
        find_condition(&sd.status.as_ref().unwrap().conditions, AVAILABLE)
            .is_some_and(|c| c.reason == "Template")
    })
    .await;
    assert!(
        cluster
            .deployments()
            .get_opt("projects")
            .await
            .unwrap()
            .is_none()
    );

    let tenants: Api<Tenant> = Api::all(cluster.client.clone());
    let guard = TenantGuard::create(
        &env,
        &tenant_manifest(&unique_name("silo"), &run, "siloed", "enterprise", "Delete"),
    )
    .await;
    let name = guard.name().to_string();
    let tenant_ns = format!("tenant-{name}");
    let own = Cluster {
        client: cluster.client.clone(),
        namespace: tenant_ns.clone(),
        hpa: cluster.hpa.clone(),
        pdb: cluster.pdb.clone(),
    };

    // Stamped into its namespace with its credentials, run under an HPA, and its address in
    // the Tenant's status.
    let copy = wait::until(LIMIT, "the stamped copy", || async {
        own.sds().get_opt("projects").await.ok()?
    })
    .await;
    assert_eq!(
        copy.spec.credentials_secret.as_deref(),
        Some("saascript-tenant-credentials")
    );
    let deployment = own.wait_replicas("projects", None).await;
    let container = &deployment.spec.template.spec.unwrap().containers[0];
    assert_eq!(
        container.env_from.clone().unwrap()[0]
            .secret_ref
            .as_ref()
            .unwrap()
            .name,
        "saascript-tenant-credentials"
    );
    let hpa = wait::until(LIMIT, "the tenant's HPA", || async {
        own.hpas().get_opt("projects").await.ok()?
    })
    .await;
    assert_eq!(hpa.data["spec"]["minReplicas"], 2);
    let service = Api::<Service>::namespaced(cluster.client.clone(), &tenant_ns)
        .get("projects")
        .await
        .unwrap();
    let url = format!("http://{}:8085", service.spec.unwrap().cluster_ip.unwrap());
    wait::until(
        LIMIT,
        "the tenant's status to name its projects service",
        || async {
            let tenant = tenants.get(&name).await.ok()?;
            let services = tenant.status?.services;
            (services.len() == 1 && services[0].url.as_deref() == Some(url.as_str())).then_some(())
        },
    )
    .await;

    // Suspended: parked at zero, the HPA and the PDB gone.
    set_suspended(&tenants, &name, true).await;
    own.wait_replicas("projects", Some(0)).await;
    own.wait_absent(&own.hpas(), "projects", "the parked HPA")
        .await;
    own.wait_absent(&own.pdbs(), "projects", "the parked PDB")
        .await;
    wait_status(&own.sds(), "projects", "Available=False, Suspended", |sd| {
        find_condition(&sd.status.as_ref().unwrap().conditions, AVAILABLE)
            .is_some_and(|c| c.reason == "Suspended")
    })
    .await;

    // Lifted: back to the HPA's floor, which the HPA could not do from zero itself.
    set_suspended(&tenants, &name, false).await;
    wait::until(LIMIT, "the HPA and the replicas back", || async {
        let hpa = own.hpas().get_opt("projects").await.ok()??;
        let d = own.deployments().get_opt("projects").await.ok()??;
        (hpa.data["spec"]["minReplicas"] == 2 && d.spec.replicas == Some(2)).then_some(())
    })
    .await;

    // A template removed: its copies go.
    cluster
        .sds()
        .delete("projects", &DeleteParams::default())
        .await
        .unwrap();
    wait::until(
        LIMIT,
        "the stamped copy to go with its template",
        || async { matches!(own.sds().get_opt("projects").await, Ok(None)).then_some(()) },
    )
    .await;
    // Where a node runs, the copy's pods (of an image it never pulls) go before the tenant's
    // deletion has to wait on them.
    saascript_tests::node::wait_no_pods(&cluster.client, &tenant_ns, "projects").await;

    delete_and_wait(&tenants, &name).await;
    operator.stop().await;
    cluster.delete_namespace().await;
}
