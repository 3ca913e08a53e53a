//! Runs the real operator in-process against the local dependencies. Each run reconciles only
//! the Tenants labelled with its own `saascript.io/test-run`, so tests in parallel never touch
//! each other's tenants.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use http::Method;
use kube::client::ClientBuilder;
use saascript_operator::metrics::Metrics;
use saascript_operator::{Config, Context};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::util::MapRequestLayer;

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

/// An operator running in a background task.
pub struct RunningOperator {
    pub context: Arc<Context>,
    /// Write requests (anything but GET) this operator's client has sent.
    pub writes: Arc<AtomicU64>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningOperator {
    /// Starts an operator with `config`, its client counting write requests.
    pub async fn start(env: &TestEnv, config: Config) -> RunningOperator {
        Self::launch(env, config, false).await
    }

    /// Starts an operator that reconciles only while it holds the Lease in `config`.
    pub async fn start_elected(env: &TestEnv, config: Config) -> RunningOperator {
        Self::launch(env, config, true).await
    }

    async fn launch(env: &TestEnv, config: Config, elected: bool) -> RunningOperator {
        let writes = Arc::new(AtomicU64::new(0));
        let counter = writes.clone();
        let count_writes =
            MapRequestLayer::new(move |request: http::Request<kube::client::Body>| {
                if request.method() != Method::GET {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                request
            });
        let client = ClientBuilder::try_from(env.kube_config().await)
            .expect("a client stack for the local API server")
            .with_layer(&count_writes)
            .build();
        let client = env.checked(client).await;
        crate::crds::install_crds(&client).await;
        let context = Arc::new(
            Context::new(client, config, Arc::new(Metrics::new()))
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
            writes,
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

    pub fn write_count(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }

    /// Reconciles started so far, from the operator's own metrics.
    pub fn reconciles(&self) -> u64 {
        self.metric("saascript_operator_reconciles_total")
            .unwrap_or(0.0) as u64
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

/// Everything of the tenant's that exists in any backing system, as the provisioners observe it.
pub async fn leftovers(
    ctx: &Context,
    plan: &saascript_operator::provision::TenantPlan,
) -> Vec<String> {
    let p = &ctx.provisioners;
    let mut all = vec![];
    all.extend(
        p.postgres
            .observe(plan)
            .await
            .expect("observe PostgreSQL")
            .present,
    );
    all.extend(
        p.rabbitmq
            .observe(plan)
            .await
            .expect("observe RabbitMQ")
            .present,
    );
    all.extend(p.kafka.observe(plan).await.expect("observe Kafka").present);
    all.extend(
        p.dynamodb
            .observe(plan)
            .await
            .expect("observe DynamoDB")
            .present,
    );
    all.extend(p.redis.observe(plan).await.expect("observe Redis").present);
    all
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
