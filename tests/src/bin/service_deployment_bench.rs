//! Benchmarks of the ServiceDeployment controller on the local node. Prints one JSON line.
//!
//! Each figure is the median of BENCH_RUNS (default 3) and comes with its baseline, measured in
//! the same run on the same node: the same pod template applied as a plain Deployment, scaled
//! by hand. The ratio is what the operator's path costs over doing it directly.
//!
//! - applied → ready: a ServiceDeployment of 2 replicas created → 2 pods Ready; baseline: the
//!   Deployment the operator would build, created directly → 2 pods Ready;
//! - suspension → pods gone: the owning tenant suspended → no pod left; baseline: the
//!   Deployment scaled to 0 → no pod left;
//! - tenant-count step → new pods Ready: a pooled tenant added (tenantsPerReplica 1) → one more
//!   pod Ready; baseline: the Deployment's replicas raised by one → one more pod Ready.
//!
//! Run with `scripts/bench-service-deployments`, after `scripts/deps up` (with the node) and
//! `scripts/images build tenants`.

use std::time::Instant;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use saascript_crds::{ServiceDeployment, Tenant};
use saascript_operator::service_deployment::build::build;
use saascript_tests::node::{IMAGE, LocalNode, PORT, SERVICE};
use saascript_tests::operator::{RunningOperator, TEST_RUN_LABEL, new_run_id, test_config};
use saascript_tests::tenants::{create_namespace, set_suspended, tenant_manifest, wait_ready};
use saascript_tests::{TestEnv, unique_name};
use serde_json::json;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn sd(
    node: &LocalNode,
    name: &str,
    run: &str,
    min: i32,
    max: i32,
    extra: serde_json::Value,
) -> ServiceDeployment {
    let mut manifest = json!({
        "apiVersion": "saascript.io/v1alpha1", "kind": "ServiceDeployment",
        "metadata": { "name": name, "labels": { TEST_RUN_LABEL: run } },
        "spec": {
            "service": SERVICE, "image": IMAGE, "imagePullPolicy": "Never", "port": PORT,
            "replicas": { "min": min, "max": max },
            "resources": { "requests": { "cpu": "10m", "memory": "32Mi" }, "limits": { "memory": "256Mi" } },
            "env": node.service_env(), "serviceAccountName": SERVICE,
        },
    });
    for (key, value) in extra.as_object().cloned().unwrap_or_default() {
        for (k, v) in value.as_object().cloned().unwrap_or_default() {
            manifest[&key][&k] = v;
        }
    }
    serde_json::from_value(manifest).unwrap()
}

/// Seconds from `since` until `sd`'s pods in `namespace` are exactly `count`, all Ready.
async fn until_pods(
    node: &LocalNode,
    namespace: &str,
    name: &str,
    count: usize,
    since: Instant,
) -> f64 {
    node.wait_ready_pods(namespace, name, count).await;
    since.elapsed().as_secs_f64()
}

struct Bench {
    env: TestEnv,
    node: LocalNode,
    run: String,
    /// The operator's system namespace: the shared services.
    namespace: String,
    /// Elsewhere: a tenant's own services (in the system namespace, any is a shared one).
    own: String,
}

impl Bench {
    fn sds(&self) -> Api<ServiceDeployment> {
        Api::namespaced(self.node.client.clone(), &self.namespace)
    }

    fn deployments(&self) -> Api<Deployment> {
        Api::namespaced(self.node.client.clone(), &self.namespace)
    }

    /// The Deployment the operator would build for `sd`, as a plain Deployment named `name`.
    fn direct(&self, sd: &ServiceDeployment, name: &str, replicas: i32) -> Deployment {
        self.direct_in(sd, name, replicas, &self.namespace)
    }

    fn direct_in(
        &self,
        sd: &ServiceDeployment,
        name: &str,
        replicas: i32,
        namespace: &str,
    ) -> Deployment {
        let mut sd = sd.clone();
        sd.metadata.name = Some(name.to_string());
        sd.metadata.namespace = Some(namespace.to_string());
        build(&sd, replicas).deployment
    }

    async fn applied_to_ready(&self, i: usize) -> (f64, f64) {
        let name = format!("sd-ready-{i}");
        let spec = sd(&self.node, &name, &self.run, 2, 2, json!({}));
        let started = Instant::now();
        self.sds()
            .create(&PostParams::default(), &spec)
            .await
            .unwrap();
        let operator = until_pods(&self.node, &self.namespace, &name, 2, started).await;
        self.sds()
            .delete(&name, &DeleteParams::default())
            .await
            .unwrap();
        self.node.wait_no_pods(&self.namespace, &name).await;

        let direct_name = format!("direct-ready-{i}");
        let deployment = self.direct(&spec, &direct_name, 2);
        let started = Instant::now();
        self.deployments()
            .create(&PostParams::default(), &deployment)
            .await
            .unwrap();
        let direct = until_pods(&self.node, &self.namespace, &direct_name, 2, started).await;
        self.deployments()
            .delete(&direct_name, &DeleteParams::default())
            .await
            .unwrap();
        self.node.wait_no_pods(&self.namespace, &direct_name).await;
        (operator, direct)
    }

    async fn suspension(&self, tenant: &str, i: usize) -> (f64, f64) {
        let tenants: Api<Tenant> = Api::all(self.node.client.clone());
        let name = format!("sd-suspend-{i}");
        let spec = sd(
            &self.node,
            &name,
            &self.run,
            2,
            2,
            json!({ "metadata": { "labels": { TEST_RUN_LABEL: self.run, "saascript.io/tenant": tenant } } }),
        );
        Api::<ServiceDeployment>::namespaced(self.node.client.clone(), &self.own)
            .create(&PostParams::default(), &spec)
            .await
            .unwrap();
        self.node.wait_ready_pods(&self.own, &name, 2).await;
        let started = Instant::now();
        set_suspended(&tenants, tenant, true).await;
        self.node.wait_no_pods(&self.own, &name).await;
        let operator = started.elapsed().as_secs_f64();
        set_suspended(&tenants, tenant, false).await;
        Api::<ServiceDeployment>::namespaced(self.node.client.clone(), &self.own)
            .delete(&name, &DeleteParams::default())
            .await
            .unwrap();
        self.node.wait_no_pods(&self.own, &name).await;

        let direct_name = format!("direct-suspend-{i}");
        Api::<Deployment>::namespaced(self.node.client.clone(), &self.own)
            .create(
                &PostParams::default(),
                &self.direct_in(&spec, &direct_name, 2, &self.own),
            )
            .await
            .unwrap();
        self.node.wait_ready_pods(&self.own, &direct_name, 2).await;
        let started = Instant::now();
        scale(
            &Api::<Deployment>::namespaced(self.node.client.clone(), &self.own),
            &direct_name,
            0,
        )
        .await;
        self.node.wait_no_pods(&self.own, &direct_name).await;
        let direct = started.elapsed().as_secs_f64();
        Api::<Deployment>::namespaced(self.node.client.clone(), &self.own)
            .delete(&direct_name, &DeleteParams::default())
            .await
            .unwrap();
        (operator, direct)
    }

    async fn tenant_step(&self, i: usize) -> (f64, f64) {
        let tenants: Api<Tenant> = Api::all(self.node.client.clone());
        let name = format!("sd-step-{i}");
        let spec = sd(
            &self.node,
            &name,
            &self.run,
            1,
            4,
            json!({ "spec": { "tenantsPerReplica": 1 } }),
        );
        self.sds()
            .create(&PostParams::default(), &spec)
            .await
            .unwrap();
        self.node.wait_ready_pods(&self.namespace, &name, 1).await;
        let tenant = unique_name("step");
        let started = Instant::now();
        tenants
            .create(
                &PostParams::default(),
                &tenant_manifest(&tenant, &self.run, "pooled", "free", "Delete"),
            )
            .await
            .unwrap();
        let operator = until_pods(&self.node, &self.namespace, &name, 2, started).await;
        tenants
            .delete(&tenant, &DeleteParams::default())
            .await
            .unwrap();
        self.sds()
            .delete(&name, &DeleteParams::default())
            .await
            .unwrap();
        self.node.wait_no_pods(&self.namespace, &name).await;
        saascript_tests::tenants::wait_gone(&tenants, &tenant).await;

        let direct_name = format!("direct-step-{i}");
        self.deployments()
            .create(&PostParams::default(), &self.direct(&spec, &direct_name, 1))
            .await
            .unwrap();
        self.node
            .wait_ready_pods(&self.namespace, &direct_name, 1)
            .await;
        let started = Instant::now();
        scale(&self.deployments(), &direct_name, 2).await;
        let direct = until_pods(&self.node, &self.namespace, &direct_name, 2, started).await;
        self.deployments()
            .delete(&direct_name, &DeleteParams::default())
            .await
            .unwrap();
        self.node.wait_no_pods(&self.namespace, &direct_name).await;
        (operator, direct)
    }
}

async fn scale(deployments: &Api<Deployment>, name: &str, replicas: i32) {
    deployments
        .patch(
            name,
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "replicas": replicas } })),
        )
        .await
        .unwrap();
}

#[tokio::main]
async fn main() {
    saascript_common::install_crypto_provider();
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let env = TestEnv::new();
    let node = LocalNode::require(&env).await;
    let run = new_run_id();
    // The namespace is the operator's system namespace: the tenant-count step scales a shared
    // service there.
    let namespace = unique_name("bench-sd");
    create_namespace(&node.client, &namespace).await;
    let grant = node.grant_tenant_reads(&namespace, SERVICE).await;
    let own = format!("{namespace}-own");
    create_namespace(&node.client, &own).await;
    let own_grant = node.grant_tenant_reads(&own, SERVICE).await;
    let mut config = test_config(&env, &run);
    config.system_namespace = namespace.clone();
    let bench = Bench {
        env,
        node,
        run,
        namespace,
        own,
    };
    let operator = RunningOperator::start(&bench.env, config).await;
    let tenants: Api<Tenant> = Api::all(bench.node.client.clone());
    // Suspensions are of a siloed tenant: it does not count towards the shared services.
    let owner = unique_name("bench-owner");
    tenants
        .create(
            &PostParams::default(),
            &tenant_manifest(&owner, &bench.run, "siloed", "enterprise", "Delete"),
        )
        .await
        .unwrap();
    wait_ready(&tenants, &owner).await;
    // One active pooled tenant throughout: the step adds a second, and the shared service goes
    // from ceil(1/1) = 1 to 2 replicas.
    let base = unique_name("bench-base");
    tenants
        .create(
            &PostParams::default(),
            &tenant_manifest(&base, &bench.run, "pooled", "free", "Delete"),
        )
        .await
        .unwrap();

    let (mut ready, mut suspension, mut step) = (vec![], vec![], vec![]);
    for i in 0..runs {
        ready.push(bench.applied_to_ready(i).await);
        suspension.push(bench.suspension(&owner, i).await);
        step.push(bench.tenant_step(i).await);
    }
    let figures = |pairs: &[(f64, f64)]| {
        let operator = median(pairs.iter().map(|p| p.0).collect());
        let direct = median(pairs.iter().map(|p| p.1).collect());
        (operator, direct, operator / direct)
    };
    let (r, rd, rr) = figures(&ready);
    let (s, sd_, sr) = figures(&suspension);
    let (t, td, tr) = figures(&step);
    println!(
        "{}",
        json!({
            "bench": "service_deployments",
            "runs": runs,
            "replicas": 2,
            "applied_to_ready_s": r, "direct_deployment_ready_s": rd, "ready_over_direct": rr,
            "suspension_to_no_pods_s": s, "direct_scale_to_zero_s": sd_, "suspension_over_direct": sr,
            "tenant_step_to_ready_s": t, "direct_scale_up_s": td, "tenant_step_over_direct": tr,
        })
    );

    for tenant in [&owner, &base] {
        let _ = tenants.delete(tenant, &DeleteParams::default()).await;
        saascript_tests::tenants::wait_gone(&tenants, tenant).await;
    }
    operator.stop().await;
    bench.node.revoke(&grant).await;
    bench.node.revoke(&own_grant).await;
    for namespace in [&bench.namespace, &bench.own] {
        let _ = Api::<Namespace>::all(bench.node.client.clone())
            .delete(namespace, &DeleteParams::default())
            .await;
    }
}
