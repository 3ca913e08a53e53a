//! ServiceDeployments on the local node: their pods run the real service binary (the tenants
//! service's image, from `scripts/images build`), answer /readyz through their Service from the
//! host, survive a killed pod, stop while their tenant is suspended, multiply with the pooled
//! tenants, and go with their ServiceDeployment. Pods are read with the test's own client, and
//! the service is asked over HTTP; nothing here takes the operator's word for it.

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Namespace, Pod, Service};
use kube::api::{Api, DeleteParams, PostParams};
use saascript_crds::condition_types::{AVAILABLE, TEMPLATE_LABEL};
use saascript_crds::{ServiceDeployment, Tenant, find_condition};
use saascript_tests::node::{IMAGE, LocalNode, POD_LIMIT, PORT, SERVICE};
use saascript_tests::operator::{RunningOperator, TEST_RUN_LABEL, new_run_id, test_config};
use saascript_tests::tenant_guard::TenantGuard;
use saascript_tests::tenants::{create_namespace, delete_and_wait, set_suspended, tenant_manifest};
use saascript_tests::{TestEnv, unique_name, wait};
use serde_json::json;

/// A ServiceDeployment of the tenants service for test run `run`.
fn tenants_service(
    node: &LocalNode,
    run: &str,
    min: i32,
    max: i32,
    extra: serde_json::Value,
) -> ServiceDeployment {
    let mut manifest = json!({
        "apiVersion": "saascript.io/v1alpha1",
        "kind": "ServiceDeployment",
        "metadata": { "name": SERVICE, "labels": { TEST_RUN_LABEL: run } },
        "spec": {
            "service": SERVICE,
            "image": IMAGE,
            "imagePullPolicy": "Never",
            "port": PORT,
            "replicas": { "min": min, "max": max },
            "resources": { "requests": { "cpu": "10m", "memory": "32Mi" },
                           "limits": { "memory": "256Mi" } },
            "env": node.service_env(),
        },
    });
    for (key, value) in extra.as_object().cloned().unwrap_or_default() {
        for (k, v) in value.as_object().cloned().unwrap_or_default() {
            manifest[&key][&k] = v;
        }
    }
    serde_json::from_value(manifest).expect("a valid ServiceDeployment")
}

async fn create_sd(client: &kube::Client, namespace: &str, sd: &ServiceDeployment) {
    Api::<ServiceDeployment>::namespaced(client.clone(), namespace)
        .create(&PostParams::default(), sd)
        .await
        .unwrap_or_else(|e| panic!("creating the ServiceDeployment: {e}"));
}

async fn delete_namespace(client: &kube::Client, namespace: &str) {
    let _ = Api::<Namespace>::all(client.clone())
        .delete(namespace, &DeleteParams::default())
        .await;
}

/// GET `url`, answered with 200, within a second.
async fn answers(http: &reqwest::Client, url: &str) -> bool {
    http.get(url)
        .timeout(Duration::from_secs(1))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
}

#[tokio::test]
async fn pods_run_the_real_binary_keep_answering_through_a_killed_pod_and_go_with_their_owner() {
    let env = TestEnv::new();
    let node = LocalNode::require(&env).await;
    let run = new_run_id();
    let namespace = unique_name("node");
    let client = node.client.clone();
    create_namespace(&client, &namespace).await;
    let grant = node.grant_tenant_reads(&namespace, SERVICE).await;
    let operator = RunningOperator::start(&env, test_config(&env, &run)).await;
    let sds: Api<ServiceDeployment> = Api::namespaced(client.clone(), &namespace);
    create_sd(
        &client,
        &namespace,
        &tenants_service(
            &node,
            &run,
            2,
            2,
            json!({ "spec": { "serviceAccountName": SERVICE } }),
        ),
    )
    .await;

    // Two pods of the real image, Ready by the service's own /readyz.
    let pods = node.wait_ready_pods(&namespace, SERVICE, 2).await;
    for pod in &pods {
        let container = &pod
            .status
            .as_ref()
            .unwrap()
            .container_statuses
            .as_ref()
            .unwrap()[0];
        // The runtime may name the image by either of its tags (:dev, or its content's).
        assert!(
            container.image.starts_with("localhost/saascript/tenants:"),
            "{}",
            container.image
        );
        assert!(container.state.as_ref().unwrap().running.is_some());
    }
    let sd = wait::until(
        POD_LIMIT,
        "the status to say 2 ready and Available",
        || async {
            let sd = sds.get(SERVICE).await.ok()?;
            let status = sd.status.clone()?;
            let available =
                find_condition(&status.conditions, AVAILABLE).is_some_and(|c| c.is_true());
            (status.ready_replicas == Some(2) && available && status.url.is_some()).then_some(sd)
        },
    )
    .await;
    let url = sd.status.unwrap().url.unwrap();
    let http = reqwest::Client::new();
    // kube-proxy programs the Service's endpoints a moment after the pods turn Ready.
    wait::until(POD_LIMIT, "the Service to answer", || async {
        answers(&http, &format!("{url}/healthz"))
            .await
            .then_some(())
    })
    .await;
    let ready = http.get(format!("{url}/readyz")).send().await.unwrap();
    assert_eq!(
        ready.status(),
        200,
        "/readyz through the Service from the host"
    );
    assert_eq!(ready.text().await.unwrap(), "ok");

    // A pod killed (SIGTERM, as a drain or a rollout does): the other keeps answering, and a
    // replacement comes up.
    let victim = pods[0].metadata.name.clone().unwrap();
    Api::<Pod>::namespaced(client.clone(), &namespace)
        .delete(&victim, &DeleteParams::default())
        .await
        .unwrap();
    let started = Instant::now();
    let (mut asked, mut failed) = (0, 0);
    while started.elapsed() < Duration::from_secs(8) {
        asked += 1;
        if !answers(&http, &format!("{url}/healthz")).await {
            failed += 1;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        failed, 0,
        "{failed} of {asked} requests failed while a pod was killed"
    );
    let replaced = node.wait_ready_pods(&namespace, SERVICE, 2).await;
    assert!(
        replaced
            .iter()
            .all(|p| p.metadata.name.as_deref() != Some(victim.as_str())),
        "the killed pod was replaced"
    );

    // Deleted: its Deployment, Service and pods go.
    sds.delete(SERVICE, &DeleteParams::default()).await.unwrap();
    node.wait_no_pods(&namespace, SERVICE).await;
    wait::until(POD_LIMIT, "the Deployment and Service to go", || async {
        let d = Api::<Deployment>::namespaced(client.clone(), &namespace)
            .get_opt(SERVICE)
            .await
            .ok()?;
        let s = Api::<Service>::namespaced(client.clone(), &namespace)
            .get_opt(SERVICE)
            .await
            .ok()?;
        (d.is_none() && s.is_none()).then_some(())
    })
    .await;

    operator.stop().await;
    node.revoke(&grant).await;
    delete_namespace(&client, &namespace).await;
}

#[tokio::test]
async fn a_suspended_siloed_tenants_pods_stop_and_lifting_the_suspension_starts_them() {
    let env = TestEnv::new();
    let node = LocalNode::require(&env).await;
    let run = new_run_id();
    let system = unique_name("system");
    let client = node.client.clone();
    create_namespace(&client, &system).await;
    let mut config = test_config(&env, &run);
    config.system_namespace = system.clone();
    let operator = RunningOperator::start(&env, config).await;
    create_sd(
        &client,
        &system,
        &tenants_service(
            &node,
            &run,
            1,
            1,
            json!({ "metadata": { "labels": { TEMPLATE_LABEL: "true", TEST_RUN_LABEL: run } } }),
        ),
    )
    .await;
    let tenants: Api<Tenant> = Api::all(client.clone());
    let guard = TenantGuard::create(
        &env,
        &tenant_manifest(&unique_name("silo"), &run, "siloed", "enterprise", "Delete"),
    )
    .await;
    let name = guard.name().to_string();
    let own = format!("tenant-{name}");
    wait::until(POD_LIMIT, "the tenant's namespace", || async {
        Api::<Namespace>::all(client.clone())
            .get_opt(&own)
            .await
            .ok()?
    })
    .await;
    // The tenant's copy runs as its namespace's default account, which may read Tenants.
    let grant = node.grant_tenant_reads(&own, "default").await;

    node.wait_ready_pods(&own, SERVICE, 1).await;
    set_suspended(&tenants, &name, true).await;
    let stopped = Instant::now();
    node.wait_no_pods(&own, SERVICE).await;
    eprintln!("suspension → no pod: {:?}", stopped.elapsed());
    set_suspended(&tenants, &name, false).await;
    node.wait_ready_pods(&own, SERVICE, 1).await;

    // The template removed: its copy's pods go, before the tenant's deletion has to wait on
    // them (pod termination under a loaded machine took the deletion past its limit).
    Api::<ServiceDeployment>::namespaced(client.clone(), &system)
        .delete(SERVICE, &DeleteParams::default())
        .await
        .unwrap();
    node.wait_no_pods(&own, SERVICE).await;
    delete_and_wait(&tenants, &name).await;
    operator.stop().await;
    node.revoke(&grant).await;
    delete_namespace(&client, &system).await;
}

#[tokio::test]
async fn adding_pooled_tenants_adds_pods_to_the_shared_service() {
    let env = TestEnv::new();
    let node = LocalNode::require(&env).await;
    let run = new_run_id();
    let system = unique_name("system");
    let client = node.client.clone();
    create_namespace(&client, &system).await;
    let grant = node.grant_tenant_reads(&system, SERVICE).await;
    let mut config = test_config(&env, &run);
    config.system_namespace = system.clone();
    let operator = RunningOperator::start(&env, config).await;
    create_sd(
        &client,
        &system,
        &tenants_service(
            &node,
            &run,
            1,
            3,
            json!({ "spec": { "serviceAccountName": SERVICE, "tenantsPerReplica": 1 } }),
        ),
    )
    .await;
    node.wait_ready_pods(&system, SERVICE, 1).await;

    let tenants: Api<Tenant> = Api::all(client.clone());
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
    node.wait_ready_pods(&system, SERVICE, 2).await;

    delete_and_wait(&tenants, first.name()).await;
    delete_and_wait(&tenants, second.name()).await;
    node.wait_ready_pods(&system, SERVICE, 1).await;
    operator.stop().await;
    node.revoke(&grant).await;
    delete_namespace(&client, &system).await;
}

/// Fails the test, naming the command that registers it, unless metrics.k8s.io is served.
async fn require_metrics_api(client: &kube::Client) {
    let request = http::Request::get("/apis/metrics.k8s.io/v1beta1")
        .body(Vec::new())
        .unwrap();
    let served = client.request_text(request).await;
    assert!(
        served.is_ok(),
        "metrics.k8s.io is not served ({served:?}): the HPA has no CPU figures.\n  start it with: scripts/operator up   (it registers saascript-metrics-api; `make up` does it too)"
    );
}

#[tokio::test]
async fn cpu_load_makes_the_hpa_add_pods() {
    let env = TestEnv::new();
    let node = LocalNode::require(&env).await;
    require_metrics_api(&node.client).await;
    let run = new_run_id();
    let namespace = unique_name("hpa");
    let client = node.client.clone();
    create_namespace(&client, &namespace).await;
    let grant = node.grant_tenant_reads(&namespace, SERVICE).await;
    let operator = RunningOperator::start(&env, test_config(&env, &run)).await;
    create_sd(
        &client,
        &namespace,
        &tenants_service(
            &node,
            &run,
            1,
            3,
            json!({ "spec": { "serviceAccountName": SERVICE,
                              "autoscaling": { "targetCpuUtilizationPercentage": 50 } } }),
        ),
    )
    .await;
    node.wait_ready_pods(&namespace, SERVICE, 1).await;
    let sds: Api<ServiceDeployment> = Api::namespaced(client.clone(), &namespace);
    let url = wait::until(POD_LIMIT, "the Service's URL", || async {
        sds.get(SERVICE).await.ok()?.status?.url
    })
    .await;
    let http = reqwest::Client::new();
    wait::until(POD_LIMIT, "the Service to answer", || async {
        answers(&http, &format!("{url}/healthz"))
            .await
            .then_some(())
    })
    .await;

    // Load: 32 clients asking as fast as they can (a pod requests 10m of CPU, so a fraction of
    // a core is far above the 50% target), until the HPA has added pods.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load: Vec<_> = (0..32)
        .map(|_| {
            let (http, url, stop) = (http.clone(), url.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let _ = http.get(format!("{url}/healthz")).send().await;
                }
            })
        })
        .collect();
    let started = Instant::now();
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &namespace);
    let scaled = tokio::time::timeout(Duration::from_secs(120), async {
        loop {
            let replicas = deployments
                .get(SERVICE)
                .await
                .ok()
                .and_then(|d| d.spec.replicas)
                .unwrap_or(0);
            if replicas > 1 {
                return replicas;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    })
    .await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for task in load {
        let _ = task.await;
    }
    let replicas =
        scaled.unwrap_or_else(|_| panic!("the HPA did not add a pod within 120 s of CPU load"));
    eprintln!("load → {replicas} replicas after {:?}", started.elapsed());
    // The pods the HPA asked for really run (it may ask for more meanwhile).
    wait::until(POD_LIMIT, "the HPA's pods to be Ready", || async {
        let wanted = deployments.get(SERVICE).await.ok()?.spec.replicas?;
        let pods = node.pods(&namespace, SERVICE).await;
        let ready = pods
            .iter()
            .filter(|p| saascript_tests::node::is_ready(p))
            .count();
        (wanted > 1 && ready == wanted as usize).then_some(())
    })
    .await;

    operator.stop().await;
    node.revoke(&grant).await;
    delete_namespace(&client, &namespace).await;
}
