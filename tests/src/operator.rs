//! Runs the real operator in-process against the local dependencies. Each run reconciles only
//! the Tenants labelled with its own `saascript.io/test-run`, so tests in parallel never touch
//! each other's tenants.

use std::sync::Arc;
use std::time::{Duration, Instant};

use saascript_operator::metrics::Metrics;
use saascript_operator::{Config, Context};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::endpoints::{Dependency, workspace_root};
use crate::test_env::TestEnv;
use crate::unique::unique_name;

/// The label that ties a test's Tenants to its operator.
pub const TEST_RUN_LABEL: &str = "saascript.io/test-run";

/// The operator configuration for tests: the local endpoints, the shipped catalog, one Kafka
/// partition, short back-off, and a selector on `run_id`.
pub fn test_config(env: &TestEnv, run_id: &str) -> Config {
    let mut config = Config::from_env().unwrap_or_else(|e| panic!("operator configuration: {e}"));
    let e = &env.endpoints;
    config.catalog = workspace_root().join("config/plans.yaml");
    config.database_url = e.require(Dependency::Postgres).to_string().into();
    config.redis_url = e.require(Dependency::Redis).to_string().into();
    config.amqp_url = e.require(Dependency::RabbitMq).to_string().into();
    config.rabbitmq_management_url = e.require(Dependency::RabbitMqManagement).to_string().into();
    config.kafka_brokers = e.require(Dependency::Kafka).to_string();
    config.kafka_partitions = 1;
    config.dynamodb_endpoint = Some(e.require(Dependency::DynamoDb).to_string());
    config.tenant_selector = Some(format!("{TEST_RUN_LABEL}={run_id}"));
    config.max_backoff_seconds = 2;
    config
}

/// How long the operator must start no reconcile and send no write to count as quiet. The watch
/// event that a reconcile's own write causes reaches the controller within milliseconds here.
const QUIET: Duration = Duration::from_millis(1500);

/// How long a test waits for the operator to become quiet.
const QUIET_LIMIT: Duration = Duration::from_secs(60);

/// What the operator has done so far, from its own metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Activity {
    pub tenant_reconciles_started: u64,
    pub tenant_reconciles_finished: u64,
    pub subscription_reconciles_started: u64,
    pub subscription_reconciles_finished: u64,
    pub service_deployment_reconciles_started: u64,
    pub service_deployment_reconciles_finished: u64,
    /// Requests other than GET sent to the API server.
    pub writes: u64,
}

impl Activity {
    /// Every reconcile that started has finished.
    pub fn idle(&self) -> bool {
        self.tenant_reconciles_started == self.tenant_reconciles_finished
            && self.subscription_reconciles_started == self.subscription_reconciles_finished
            && self.service_deployment_reconciles_started
                == self.service_deployment_reconciles_finished
    }
}

/// An operator running in a background task.
pub struct RunningOperator {
    pub context: Arc<Context>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningOperator {
    /// Starts an operator with `config`, its client counting write requests in its metrics.
    pub async fn start(env: &TestEnv, config: Config) -> RunningOperator {
        Self::launch(env, config, false).await
    }

    /// Starts an operator that reconciles only while it holds the Lease in `config`.
    pub async fn start_elected(env: &TestEnv, config: Config) -> RunningOperator {
        Self::launch(env, config, true).await
    }

    async fn launch(env: &TestEnv, config: Config, elected: bool) -> RunningOperator {
        let metrics = Arc::new(Metrics::new());
        let client =
            saascript_operator::counting_client_from(env.kube_config().await, metrics.clone())
                .expect("a client stack for the local API server");
        let client = env.checked(client).await;
        // Installed with a client of its own, so that only the operator's requests are counted.
        crate::crds::install_crds(&env.kube().await).await;
        let context = Arc::new(
            Context::new(client, config, metrics)
                .unwrap_or_else(|e| panic!("the operator could not start: {e}")),
        );
        let (stop, stopped) = oneshot::channel::<()>();
        let stopped = async move {
            let _ = stopped.await;
        };
        let task = if elected {
            let elector = saascript_operator::leader::LeaderElector::new(
                context.client.clone(),
                context.config.lease(),
            );
            tokio::spawn(saascript_operator::run_elected(
                context.clone(),
                elector,
                stopped,
            ))
        } else {
            tokio::spawn(saascript_operator::run_controllers(
                context.clone(),
                stopped,
            ))
        };
        RunningOperator {
            context,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops the controller gracefully and waits for it.
    pub async fn stop(mut self) {
        self.shutdown().await;
    }

    /// Stops it abruptly, as a crash would: reconciles in flight are dropped mid-way.
    pub fn kill(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Write requests (anything but GET) this operator's client has sent, from its own metrics.
    pub fn write_count(&self) -> u64 {
        self.counter("saascript_operator_kube_write_requests_total")
    }

    /// Tenant reconciles started so far, from the operator's own metrics.
    pub fn reconciles(&self) -> u64 {
        self.reconciles_of("tenant", "reconciles_total")
    }

    /// `saascript_operator_<series>{controller="<controller>"}`.
    fn reconciles_of(&self, controller: &str, series: &str) -> u64 {
        self.counter(&format!(
            "saascript_operator_{series}{{controller=\"{controller}\"}}"
        ))
    }

    /// What the operator has done so far.
    pub fn activity(&self) -> Activity {
        Activity {
            tenant_reconciles_started: self.reconciles(),
            tenant_reconciles_finished: self.reconciles_of("tenant", "reconciles_completed_total"),
            subscription_reconciles_started: self.reconciles_of("subscription", "reconciles_total"),
            subscription_reconciles_finished: self
                .reconciles_of("subscription", "reconciles_completed_total"),
            service_deployment_reconciles_started: self
                .reconciles_of("servicedeployment", "reconciles_total"),
            service_deployment_reconciles_finished: self
                .reconciles_of("servicedeployment", "reconciles_completed_total"),
            writes: self.write_count(),
        }
    }

    /// Waits until every reconcile the operator started has finished and it has started none,
    /// and written nothing, for `QUIET`; returns what it had done by then.
    pub async fn wait_quiet(&self) -> Activity {
        self.wait_quiet_after(|_| true, "nothing").await
    }

    /// Waits until `happened` holds of the operator's activity (a reconcile has started since
    /// some reading, say), then until it is quiet; returns what it had done by then.
    pub async fn wait_quiet_after(
        &self,
        happened: impl Fn(&Activity) -> bool,
        what: &str,
    ) -> Activity {
        let deadline = Instant::now() + QUIET_LIMIT;
        let mut seen = self.activity();
        let mut unchanged_since = Instant::now();
        loop {
            let now = self.activity();
            if now != seen {
                seen = now;
                unchanged_since = Instant::now();
            } else if happened(&now) && now.idle() && unchanged_since.elapsed() >= QUIET {
                return now;
            }
            assert!(
                Instant::now() < deadline,
                "waited {QUIET_LIMIT:?} for {what} and then for the operator to be quiet, in vain: {now:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn counter(&self, series: &str) -> u64 {
        self.metric(series).unwrap_or(0.0) as u64
    }

    /// The value of one series of the operator's metrics, named with its labels as exposed
    /// (`saascript_operator_subscriptions{reason="Active"}`).
    pub fn metric(&self, series: &str) -> Option<f64> {
        let text = self.context.metrics.encode();
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
            .and_then(|v| v.trim().parse().ok())
    }
}

impl Drop for RunningOperator {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// A fresh test-run id for `TEST_RUN_LABEL`.
pub fn new_run_id() -> String {
    unique_name("run")
}

/// The plan the operator derives for `tenant` (its names in every backing system).
pub fn plan_of(
    ctx: &Context,
    tenant: &saascript_crds::Tenant,
) -> saascript_operator::provision::TenantPlan {
    let settings = saascript_operator::tenant::validate::Settings {
        catalog: &ctx.catalog,
        topic_suffixes: &ctx.config.tenant_topics,
        shared: &ctx.shared,
    };
    saascript_operator::tenant::validate::validate(tenant, &settings)
        .unwrap_or_else(|e| panic!("the tenant does not validate: {e:?}"))
}

/// Removes everything of the tenant's (deletionPolicy Delete), for tests that kept data on purpose.
pub async fn remove_all(ctx: &Context, plan: &saascript_operator::provision::TenantPlan) {
    let p = &ctx.provisioners;
    let policy = saascript_crds::DeletionPolicy::Delete;
    p.postgres
        .remove(plan, policy)
        .await
        .expect("remove from PostgreSQL");
    p.rabbitmq
        .remove(plan, policy)
        .await
        .expect("remove from RabbitMQ");
    p.kafka
        .remove(plan, policy)
        .await
        .expect("remove from Kafka");
    p.dynamodb
        .remove(plan, policy)
        .await
        .expect("remove from DynamoDB");
    p.redis
        .remove(plan, policy)
        .await
        .expect("remove from Redis");
}
