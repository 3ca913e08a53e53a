//! The operator's configuration: flags and environment variables (twelve-factor), with
//! defaults that work with `make up`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use saascript_process::Sensitive;

use crate::provision::SharedNames;

#[derive(Clone, Debug, Parser)]
#[command(name = "saascript-operator", about = "Reconciles SaaScript tenants")]
pub struct Config {
    /// The plan catalog.
    #[arg(long, env = "SAASCRIPT_CATALOG", default_value = "config/plans.yaml")]
    pub catalog: PathBuf,

    /// PostgreSQL admin URL (a role that may create roles and databases).
    #[arg(
        long,
        hide_env_values = true,
        env = "DATABASE_URL",
        default_value = "postgres://postgres:postgres@127.0.0.1:5432/postgres"
    )]
    pub database_url: Sensitive,
    /// Redis admin URL (a user that may manage ACLs).
    #[arg(
        long,
        hide_env_values = true,
        env = "REDIS_URL",
        default_value = "redis://127.0.0.1:6379"
    )]
    pub redis_url: Sensitive,
    /// The AMQP URL; tenants' credentials point at its host and port.
    #[arg(
        long,
        hide_env_values = true,
        env = "AMQP_URL",
        default_value = "amqp://guest:guest@127.0.0.1:5672/%2f"
    )]
    pub amqp_url: Sensitive,
    /// The RabbitMQ management API, with admin credentials.
    #[arg(
        long,
        hide_env_values = true,
        env = "RABBITMQ_MGMT_URL",
        default_value = "http://guest:guest@127.0.0.1:15672"
    )]
    pub rabbitmq_management_url: Sensitive,
    /// Kafka bootstrap servers.
    #[arg(long, env = "KAFKA_BROKERS", default_value = "127.0.0.1:9092")]
    pub kafka_brokers: String,
    /// Partitions of each tenant topic.
    #[arg(long, env = "SAASCRIPT_KAFKA_PARTITIONS", default_value_t = 3)]
    pub kafka_partitions: i32,
    /// Replication factor of each tenant topic.
    #[arg(long, env = "SAASCRIPT_KAFKA_REPLICATION", default_value_t = 1)]
    pub kafka_replication: i32,
    /// The topics every tenant gets, as suffixes: `tenant.<name>.<suffix>` when siloed.
    #[arg(
        long,
        env = "SAASCRIPT_TENANT_TOPICS",
        default_value = "events",
        value_delimiter = ','
    )]
    pub tenant_topics: Vec<String>,
    /// A DynamoDB-compatible endpoint (dynalite locally); unset means AWS itself.
    #[arg(long, env = "DYNAMODB_ENDPOINT")]
    pub dynamodb_endpoint: Option<String>,
    /// The AWS region of DynamoDB.
    #[arg(long, env = "AWS_REGION", default_value = "us-east-1")]
    pub aws_region: String,

    /// The shared PostgreSQL database of pooled tenants.
    #[arg(
        long,
        env = "SAASCRIPT_POOLED_DATABASE",
        default_value = "saascript_pooled"
    )]
    pub pooled_database: String,
    /// The shared RabbitMQ vhost of pooled tenants.
    #[arg(long, env = "SAASCRIPT_POOLED_VHOST", default_value = "saascript")]
    pub pooled_vhost: String,

    /// The platform's own namespace: its ServiceDeployments are the shared services, scaled by
    /// the pooled tenant count, and those labelled `saascript.io/template=true` there are
    /// stamped into every siloed tenant's namespace.
    #[arg(
        long,
        env = "SAASCRIPT_SYSTEM_NAMESPACE",
        default_value = "saascript-system"
    )]
    pub system_namespace: String,

    /// The address the tenants' workloads reach the operator's loopback endpoints at, written
    /// into their credentials Secrets instead of 127.0.0.1 (`make up` sets the local node's
    /// bridge address, which forwards the dependencies' ports). Unset: the endpoints as the
    /// operator reaches them.
    #[arg(long, env = "SAASCRIPT_WORKLOAD_LOOPBACK_HOST")]
    pub workload_loopback_host: Option<String>,

    /// Tenants reconciled at once.
    #[arg(long, env = "SAASCRIPT_CONCURRENCY", default_value_t = 8)]
    pub concurrency: u16,
    /// Reconcile only Tenants with these labels (a label selector); unset means all.
    #[arg(long, env = "SAASCRIPT_TENANT_SELECTOR")]
    pub tenant_selector: Option<String>,
    /// How often a Ready tenant is checked again, in seconds (a Redis restart loses ACL users).
    #[arg(long, env = "SAASCRIPT_RESYNC_SECONDS", default_value_t = 300)]
    pub resync_seconds: u64,

    /// How long (seconds) a subscription may stay past_due, unpaid or canceled before its tenant
    /// is suspended (7 days).
    #[arg(long, env = "SAASCRIPT_PAYMENT_GRACE_SECONDS", default_value_t = 7 * 24 * 3600)]
    pub payment_grace_seconds: u64,

    /// The longest wait before retrying a tenant that failed, in seconds. Retries start at half
    /// a second and double.
    #[arg(long, env = "SAASCRIPT_MAX_BACKOFF_SECONDS", default_value_t = 30)]
    pub max_backoff_seconds: u64,

    /// Elect a leader among replicas on a Lease; only the leader reconciles.
    #[arg(long, env = "SAASCRIPT_LEADER_ELECTION", default_value_t = true, action = clap::ArgAction::Set)]
    pub leader_election: bool,
    /// The Lease's name.
    #[arg(
        long,
        env = "SAASCRIPT_LEASE_NAME",
        default_value = "saascript-operator"
    )]
    pub lease_name: String,
    /// The Lease's namespace (in a cluster, the operator's own).
    #[arg(long, env = "POD_NAMESPACE", default_value = "default")]
    pub lease_namespace: String,
    /// This replica's identity in the Lease (in a cluster, the pod name).
    #[arg(long, env = "POD_NAME")]
    pub identity: Option<String>,
    /// Seconds a Lease holds without renewal.
    #[arg(long, env = "SAASCRIPT_LEASE_SECONDS", default_value_t = 15)]
    pub lease_seconds: u64,
    /// Seconds between renewals (at most half the lease).
    #[arg(long, env = "SAASCRIPT_LEASE_RENEW_SECONDS", default_value_t = 5)]
    pub lease_renew_seconds: u64,

    /// Where /metrics, /healthz and /readyz are served.
    #[arg(long, env = "SAASCRIPT_METRICS_ADDR", default_value = "127.0.0.1:9090")]
    pub metrics_addr: SocketAddr,
    /// Log format: `json` (in cluster) or `pretty` (locally).
    #[arg(long, env = "SAASCRIPT_LOG_FORMAT", default_value = "pretty")]
    pub log_format: String,
}

impl Config {
    pub fn shared_names(&self) -> SharedNames {
        SharedNames {
            database: self.pooled_database.clone(),
            vhost: self.pooled_vhost.clone(),
            ..SharedNames::default()
        }
    }

    /// The leader-election settings; the identity defaults to the host name and process id.
    pub fn lease(&self) -> crate::leader::LeaseSettings {
        let identity = self.identity.clone().unwrap_or_else(|| {
            let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
            format!("{}-{}", host.trim(), std::process::id())
        });
        crate::leader::LeaseSettings {
            name: self.lease_name.clone(),
            namespace: self.lease_namespace.clone(),
            identity,
            duration: Duration::from_secs(self.lease_seconds),
            renew_every: Duration::from_secs(self.lease_renew_seconds),
        }
    }

    pub fn payment_grace(&self) -> Duration {
        Duration::from_secs(self.payment_grace_seconds)
    }

    pub fn resync(&self) -> Duration {
        Duration::from_secs(self.resync_seconds.max(1))
    }

    /// The configuration from the environment and the defaults alone (no flags).
    pub fn from_env() -> Result<Config, clap::Error> {
        Config::try_parse_from(["saascript-operator"])
    }
}

#[cfg(test)]
mod tests {
    use super::Config;
    use clap::Parser;

    #[test]
    fn debug_output_hides_credentials() {
        let config = Config::parse_from([
            "op",
            "--database-url",
            "postgres://admin:hunter2@db/postgres",
        ]);
        let printed = format!("{config:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert_eq!(
            config.database_url.expose(),
            "postgres://admin:hunter2@db/postgres"
        );
    }
}
