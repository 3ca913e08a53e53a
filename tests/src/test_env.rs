//! `TestEnv`: connections to the real local dependencies, made on demand.

use std::time::Duration;

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use rdkafka::ClientConfig;

use saascript_common::install_crypto_provider;

use crate::endpoints::{Dependency, Endpoints};

/// How long a test waits for a dependency to answer before it fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The local dependencies of one test. Every `connect` method fails the test, with the command
/// that starts the dependency, when it does not answer.
pub struct TestEnv {
    pub endpoints: Endpoints,
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl TestEnv {
    pub fn new() -> TestEnv {
        Self::with_endpoints(Endpoints::load())
    }

    /// A TestEnv on explicit endpoints, for tests of the kit itself.
    pub fn with_endpoints(endpoints: Endpoints) -> TestEnv {
        install_crypto_provider();
        TestEnv { endpoints }
    }

    /// The path of the kubeconfig of the local API server.
    pub fn kubeconfig_path(&self) -> &str {
        self.endpoints.require(Dependency::Kubernetes)
    }

    /// The client configuration of the local Kubernetes API server.
    pub async fn kube_config(&self) -> kube::Config {
        let path = self.kubeconfig_path();
        let fail =
            |cause: String| -> ! { panic!("{}", Dependency::Kubernetes.unreachable(path, cause)) };
        let kubeconfig = kube::config::Kubeconfig::read_from(path)
            .unwrap_or_else(|e| fail(format!("cannot read the kubeconfig: {e}")));
        let mut config = kube::Config::from_custom_kubeconfig(
            kubeconfig,
            &kube::config::KubeConfigOptions::default(),
        )
        .await
        .unwrap_or_else(|e| fail(format!("bad kubeconfig: {e}")));
        config.connect_timeout = Some(CONNECT_TIMEOUT);
        config
    }

    /// A client of the local Kubernetes API server, checked with a version request.
    pub async fn kube(&self) -> kube::Client {
        let client = kube::Client::try_from(self.kube_config().await).unwrap_or_else(|e| {
            panic!(
                "{}",
                Dependency::Kubernetes.unreachable(self.kubeconfig_path(), e)
            )
        });
        self.checked(client).await
    }

    /// Fails the test, with the start command, when the API server does not answer `client`.
    pub async fn checked(&self, client: kube::Client) -> kube::Client {
        let path = self.kubeconfig_path();
        let fail =
            |cause: String| -> ! { panic!("{}", Dependency::Kubernetes.unreachable(path, cause)) };
        match tokio::time::timeout(CONNECT_TIMEOUT, client.apiserver_version()).await {
            Ok(Ok(_)) => client,
            Ok(Err(e)) => fail(e.to_string()),
            Err(_) => fail("timed out".into()),
        }
    }

    /// The admin URL of PostgreSQL (`DATABASE_URL`).
    pub fn database_url(&self) -> &str {
        self.endpoints.require(Dependency::Postgres)
    }

    /// A pool on the admin database.
    pub async fn postgres(&self) -> sqlx::PgPool {
        self.postgres_at(self.database_url()).await
    }

    /// A pool on the given database URL, failing with the start command when unreachable.
    pub async fn postgres_at(&self, url: &str) -> sqlx::PgPool {
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect(url)
            .await
            .unwrap_or_else(|e| panic!("{}", Dependency::Postgres.unreachable(&redact(url), e)))
    }

    /// An async Redis connection.
    pub async fn redis(&self) -> redis::aio::MultiplexedConnection {
        let url = self.endpoints.require(Dependency::Redis);
        let fail = |cause: String| -> ! { panic!("{}", Dependency::Redis.unreachable(url, cause)) };
        let client = redis::Client::open(url).unwrap_or_else(|e| fail(e.to_string()));
        match tokio::time::timeout(CONNECT_TIMEOUT, client.get_multiplexed_async_connection()).await
        {
            Ok(Ok(connection)) => connection,
            Ok(Err(e)) => fail(e.to_string()),
            Err(_) => fail("timed out".into()),
        }
    }

    /// The AMQP URL of RabbitMQ (`AMQP_URL`).
    pub fn amqp_url(&self) -> &str {
        self.endpoints.require(Dependency::RabbitMq)
    }

    /// An AMQP connection to RabbitMQ.
    pub async fn rabbitmq(&self) -> lapin::Connection {
        let url = self.amqp_url();
        let connect = lapin::Connection::connect(url, lapin::ConnectionProperties::default());
        match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
            Ok(Ok(connection)) => connection,
            Ok(Err(e)) => panic!("{}", Dependency::RabbitMq.unreachable(&redact(url), e)),
            Err(_) => panic!(
                "{}",
                Dependency::RabbitMq.unreachable(&redact(url), "timed out")
            ),
        }
    }

    /// The management API URL of RabbitMQ (`RABBITMQ_MGMT_URL`), with credentials.
    pub fn rabbitmq_management_url(&self) -> &str {
        self.endpoints.require(Dependency::RabbitMqManagement)
    }

    /// The bootstrap servers of the Kafka broker (`KAFKA_BROKERS`).
    pub fn kafka_brokers(&self) -> &str {
        self.endpoints.require(Dependency::Kafka)
    }

    /// An rdkafka client configuration for the local broker. The broker's reachability is
    /// checked by `ensure_kafka`, since rdkafka itself retries quietly forever.
    pub fn kafka_config(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", self.kafka_brokers())
            .set("socket.timeout.ms", "10000")
            .set("message.timeout.ms", "10000");
        config
    }

    /// Fails the test, with the start command, when the Kafka broker does not answer.
    pub async fn ensure_kafka(&self) {
        let brokers = self.kafka_brokers();
        let address = brokers.split(',').next().unwrap_or(brokers);
        let connect = tokio::net::TcpStream::connect(address);
        match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => panic!("{}", Dependency::Kafka.unreachable(brokers, e)),
            Err(_) => panic!("{}", Dependency::Kafka.unreachable(brokers, "timed out")),
        }
    }

    /// A DynamoDB client pointed at the local server, checked with a ListTables call.
    pub async fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        let endpoint = self.endpoints.require(Dependency::DynamoDb);
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(Region::new("us-east-1"))
            // A local server checks the signature's shape, not the keys.
            .credentials_provider(Credentials::new(
                "local",
                "local",
                None,
                None,
                "saascript-tests",
            ))
            .build();
        let client = aws_sdk_dynamodb::Client::from_conf(config);
        match tokio::time::timeout(CONNECT_TIMEOUT, client.list_tables().limit(1).send()).await {
            Ok(Ok(_)) => client,
            Ok(Err(e)) => panic!(
                "{}",
                Dependency::DynamoDb
                    .unreachable(endpoint, aws_sdk_dynamodb::error::DisplayErrorContext(e))
            ),
            Err(_) => panic!(
                "{}",
                Dependency::DynamoDb.unreachable(endpoint, "timed out")
            ),
        }
    }

    /// The base URL of the Stripe fake (`STRIPE_API_BASE`), checked to answer.
    pub async fn stripe_api_base(&self) -> String {
        let base = self
            .endpoints
            .require(Dependency::Stripe)
            .trim_end_matches('/')
            .to_string();
        let probe = reqwest::Client::new()
            .get(format!("{base}/v1/customers"))
            .bearer_auth(STRIPE_TEST_KEY)
            .timeout(CONNECT_TIMEOUT)
            .send()
            .await;
        if let Err(e) = probe {
            panic!("{}", Dependency::Stripe.unreachable(&base, e));
        }
        base
    }
}

/// The secret key the tests use with the Stripe fake; it accepts any `sk_test_` key.
pub const STRIPE_TEST_KEY: &str = "sk_test_saascript";

/// A URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact("postgres://postgres:secret@127.0.0.1:5432/postgres"),
            "postgres://postgres:***@127.0.0.1:5432/postgres"
        );
        assert_eq!(
            super::redact("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379"
        );
    }
}
