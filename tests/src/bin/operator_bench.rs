//! Benchmarks of the Tenant operator against the real local dependencies. Prints one JSON line.
//!
//! - onboarding latency (Tenant created → Ready observed) for 1 tenant and for N at once;
//! - the baseline: the same API calls and DDL issued directly, one tenant after the other;
//! - the write requests a restarted operator makes while it reconciles every existing, Ready
//!   tenant once (a steady resync; expected: none);
//! - the operator process's resident memory with M tenants.
//!
//! The operator runs as its own process (the real `saascript-operator` binary), so its RSS is
//! its own. Run with `scripts/bench-operator` (which builds it), after `scripts/deps up`.
//! Sizes: BENCH_TENANTS (default 200) and BENCH_RSS_TENANTS (default 2000).

use std::collections::HashMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use kube::runtime::{WatchStreamExt, watcher};
use saascript_crds::{Tenant, find_condition};
use saascript_operator::provision::System;
use saascript_tests::operator::{TEST_RUN_LABEL, new_run_id, test_config};
use saascript_tests::{TestEnv, unique_name};
use serde_json::json;

fn tenant(name: &str, run: &str) -> Tenant {
    serde_json::from_value(json!({
        "apiVersion": "saascript.io/v1alpha1", "kind": "Tenant",
        "metadata": { "name": name, "labels": { TEST_RUN_LABEL: run } },
        "spec": { "displayName": name, "owners": ["ops@bench.example"], "plan": "free",
                  "isolation": "pooled", "deletionPolicy": "Delete" },
    }))
    .unwrap()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The operator binary next to this one (both are built into the same target directory).
fn operator_binary() -> std::path::PathBuf {
    let me = std::env::current_exe().expect("the bench's own path");
    me.with_file_name("saascript-operator")
}

struct OperatorProcess {
    child: tokio::process::Child,
    metrics: String,
}

impl OperatorProcess {
    async fn start(env: &TestEnv, run: &str, port: u16) -> OperatorProcess {
        let config = test_config(env, run);
        let binary = operator_binary();
        assert!(
            binary.exists(),
            "{} is missing: build it with `cargo build -p saascript-operator`",
            binary.display()
        );
        let child = tokio::process::Command::new(binary)
            .env("KUBECONFIG", env.kubeconfig_path())
            .env("SAASCRIPT_CATALOG", &config.catalog)
            .env("DATABASE_URL", config.database_url.expose())
            .env("REDIS_URL", config.redis_url.expose())
            .env("AMQP_URL", config.amqp_url.expose())
            .env("RABBITMQ_MGMT_URL", config.rabbitmq_management_url.expose())
            .env("KAFKA_BROKERS", &config.kafka_brokers)
            .env("SAASCRIPT_KAFKA_PARTITIONS", "1")
            .env(
                "DYNAMODB_ENDPOINT",
                config.dynamodb_endpoint.clone().unwrap_or_default(),
            )
            .env(
                "SAASCRIPT_TENANT_SELECTOR",
                format!("{TEST_RUN_LABEL}={run}"),
            )
            .env("SAASCRIPT_LEADER_ELECTION", "false")
            .env("SAASCRIPT_CONCURRENCY", "16")
            .env("SAASCRIPT_RESYNC_SECONDS", "300")
            .env("SAASCRIPT_METRICS_ADDR", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the operator starts");
        let metrics = format!("http://127.0.0.1:{port}/metrics");
        let started = Instant::now();
        while reqwest::get(&metrics).await.is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the operator did not serve {metrics}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        OperatorProcess { child, metrics }
    }

    fn rss_mib(&self) -> f64 {
        let pid = self.child.id().unwrap_or(0);
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(f64::NAN);
        kib / 1024.0
    }

    /// A counter from the operator's /metrics (the prefix includes the trailing space).
    async fn metric(&self, prefix: &str) -> u64 {
        let text = reqwest::get(&self.metrics)
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    }
}

/// Creates `names` at once and returns each one's create → Ready latency, in milliseconds.
async fn onboard(api: &Api<Tenant>, run: &str, names: &[String]) -> Vec<f64> {
    let selector = format!("{TEST_RUN_LABEL}={run}");
    let mut ready_at: HashMap<String, Instant> = HashMap::new();
    let watch =
        watcher(api.clone(), watcher::Config::default().labels(&selector)).applied_objects();
    let mut watch = std::pin::pin!(watch);
    let mut created_at = HashMap::new();
    let creates = futures::stream::iter(names.iter().cloned())
        .map(|name| async move {
            let started = Instant::now();
            api.create(&PostParams::default(), &tenant(&name, run))
                .await
                .expect("create");
            (name, started)
        })
        .buffer_unordered(32)
        .collect::<Vec<_>>();
    created_at.extend(creates.await);
    let deadline = Instant::now() + Duration::from_secs(1800);
    while ready_at.len() < names.len() && Instant::now() < deadline {
        let Ok(Some(Ok(t))) = tokio::time::timeout(Duration::from_secs(5), watch.next()).await
        else {
            continue;
        };
        let ready = t
            .status
            .as_ref()
            .and_then(|s| find_condition(&s.conditions, "Ready"))
            .is_some_and(|c| c.is_true());
        let name = t.metadata.name.clone().unwrap_or_default();
        // The watch also lists the run's earlier tenants; only this batch counts.
        if ready && created_at.contains_key(&name) {
            ready_at.entry(name).or_insert_with(Instant::now);
        }
    }
    assert_eq!(
        ready_at.len(),
        names.len(),
        "not every tenant became Ready in time"
    );
    let mut latencies: Vec<f64> = names
        .iter()
        .map(|n| (ready_at[n] - created_at[n]).as_secs_f64() * 1000.0)
        .collect();
    latencies.sort_by(f64::total_cmp);
    latencies
}

async fn delete_all(api: &Api<Tenant>, run: &str) {
    let selector = format!("{TEST_RUN_LABEL}={run}");
    let deadline = Instant::now() + Duration::from_secs(1800);
    while Instant::now() < deadline {
        let left = api
            .list(&ListParams::default().labels(&selector))
            .await
            .map(|l| l.items.len())
            .unwrap_or(0);
        if left == 0 {
            return;
        }
        // Again each round: one large delete-collection can time out part-way.
        let _ = api
            .delete_collection(
                &DeleteParams::default(),
                &ListParams::default().labels(&selector),
            )
            .await;
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// The same Kubernetes calls and backing-system operations as a reconcile, issued directly and
/// one after the other, for one tenant; then removed again. Returns milliseconds.
async fn direct_onboarding(ctx: &saascript_operator::Context, name: &str, run: &str) -> f64 {
    let t = tenant(name, run);
    let plan = saascript_tests::operator::plan_of(ctx, &t);
    let started = Instant::now();
    saascript_operator::tenant::reconcile::provision_directly(ctx, &plan)
        .await
        .unwrap();
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;
    saascript_tests::operator::remove_all(ctx, &plan).await;
    let _ = Api::<Namespace>::all(ctx.client.clone())
        .delete(&plan.namespace(), &DeleteParams::default())
        .await;
    elapsed
}

#[tokio::main]
async fn main() {
    saascript_common::install_crypto_provider();
    let env = TestEnv::new();
    let client = env.kube().await;
    saascript_tests::crds::install_crds(&client).await;
    let tenants: Api<Tenant> = Api::all(client.clone());
    let n = env_usize("BENCH_TENANTS", 200);
    let m = env_usize("BENCH_RSS_TENANTS", 2000);

    // Baseline first, with no operator running for its tenants.
    let baseline_run = new_run_id();
    let ctx = saascript_operator::Context::new(
        client.clone(),
        test_config(&env, &baseline_run),
        std::sync::Arc::new(saascript_operator::metrics::Metrics::new()),
    )
    .unwrap();
    let mut direct = vec![];
    for _ in 0..n.min(20) {
        direct.push(direct_onboarding(&ctx, &unique_name("base"), &baseline_run).await);
    }
    direct.sort_by(f64::total_cmp);
    let direct_p50 = percentile(&direct, 50.0);

    let run = new_run_id();
    let first = OperatorProcess::start(&env, &run, 19192).await;
    // One tenant at a time, BENCH_SINGLE_RUNS (20) times: the latency an admin sees.
    let mut one = vec![];
    for _ in 0..env_usize("BENCH_SINGLE_RUNS", 20) {
        one.extend(onboard(&tenants, &run, &[unique_name("one")]).await);
    }
    one.sort_by(f64::total_cmp);
    let singles = one.len();
    let names: Vec<String> = (0..n).map(|_| unique_name("many")).collect();
    let started = Instant::now();
    let many = onboard(&tenants, &run, &names).await;
    let many_total = started.elapsed().as_secs_f64();
    drop(first);

    // Steady resync: a restarted operator reconciles every tenant once, with nothing to change.
    // Its Kubernetes write requests (its own metric) over that full pass must be zero.
    let operator = OperatorProcess::start(&env, &run, 19193).await;
    let resync_started = Instant::now();
    let total = (n + singles) as u64;
    while operator
        .metric("saascript_operator_reconciles_total{controller=\"tenant\"} ")
        .await
        < total
    {
        assert!(
            resync_started.elapsed() < Duration::from_secs(600),
            "the resync pass did not finish"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let resync_seconds = resync_started.elapsed().as_secs_f64();
    let reconciles_during = operator
        .metric("saascript_operator_reconciles_total{controller=\"tenant\"} ")
        .await;
    let writes_during = operator
        .metric("saascript_operator_kube_write_requests_total ")
        .await;
    let rss_n = operator.rss_mib();

    // Memory with M tenants: add the rest, wait for all to be Ready, read RSS.
    let extra: Vec<String> = (0..m.saturating_sub(n + singles))
        .map(|_| unique_name("mem"))
        .collect();
    let started = Instant::now();
    let _ = onboard(&tenants, &run, &extra).await;
    let extra_total = started.elapsed().as_secs_f64();
    let rss_m = operator.rss_mib();
    delete_all(&tenants, &run).await;

    let line = json!({
        "bench": "tenant_onboarding",
        "build": if cfg!(debug_assertions) { "debug" } else { "release" },
        "one_tenant_runs": singles,
        "one_tenant_p50_ms": percentile(&one, 50.0),
        "one_tenant_p99_ms": percentile(&one, 99.0),
        "tenants_at_once": n,
        "at_once_p50_ms": percentile(&many, 50.0),
        "at_once_p99_ms": percentile(&many, 99.0),
        "at_once_total_s": many_total,
        "direct_sequential_p50_ms": direct_p50,
        "direct_sequential_estimate_total_s": direct_p50 * n as f64 / 1000.0,
        "operator_vs_direct_p50_ratio_one": percentile(&one, 50.0) / direct_p50,
        "operator_vs_direct_total_ratio_many": many_total / (direct_p50 * n as f64 / 1000.0),
        "steady_resync_reconciles": reconciles_during,
        "steady_resync_seconds": resync_seconds,
        "extra_tenants_onboarding_total_s": extra_total,
        "steady_resync_write_requests": writes_during,
        "rss_mib_with_n_tenants": rss_n,
        "rss_tenants": m,
        "rss_mib_with_m_tenants": rss_m,
        "systems": System::ALL.len(),
    });
    println!("{line}");
}
