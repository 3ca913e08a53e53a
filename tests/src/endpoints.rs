//! Where the local dependencies are: the variables that `scripts/deps env` prints.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One local dependency, with the variable that locates it and the command that starts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dependency {
    Kubernetes,
    Postgres,
    Redis,
    RabbitMq,
    RabbitMqManagement,
    Kafka,
    DynamoDb,
    Stripe,
    Smtp,
    SmtpMaildir,
    /// The local node: a kubelet, containerd and kube-proxy, for tests whose pods must run.
    Node,
}

impl Dependency {
    pub const ALL: [Dependency; 11] = [
        Dependency::Kubernetes,
        Dependency::Postgres,
        Dependency::Redis,
        Dependency::RabbitMq,
        Dependency::RabbitMqManagement,
        Dependency::Kafka,
        Dependency::DynamoDb,
        Dependency::Stripe,
        Dependency::Smtp,
        Dependency::SmtpMaildir,
        Dependency::Node,
    ];

    /// The environment variable that holds the endpoint.
    pub fn variable(self) -> &'static str {
        match self {
            Dependency::Kubernetes => "SAASCRIPT_KUBECONFIG",
            Dependency::Postgres => "DATABASE_URL",
            Dependency::Redis => "REDIS_URL",
            Dependency::RabbitMq => "AMQP_URL",
            Dependency::RabbitMqManagement => "RABBITMQ_MGMT_URL",
            Dependency::Kafka => "KAFKA_BROKERS",
            Dependency::DynamoDb => "DYNAMODB_ENDPOINT",
            Dependency::Stripe => "STRIPE_API_BASE",
            Dependency::Smtp => "SMTP_URL",
            Dependency::SmtpMaildir => "SMTP_MAILDIR",
            Dependency::Node => "SAASCRIPT_NODE_HOST_ADDR",
        }
    }

    /// The name `scripts/deps up` takes for it.
    pub fn script_name(self) -> &'static str {
        match self {
            Dependency::Kubernetes => "kubernetes",
            Dependency::Postgres => "postgres",
            Dependency::Redis => "redis",
            Dependency::RabbitMq | Dependency::RabbitMqManagement => "rabbitmq",
            Dependency::Kafka => "kafka",
            Dependency::DynamoDb => "dynamodb",
            Dependency::Stripe => "stripe",
            Dependency::Smtp | Dependency::SmtpMaildir => "smtp",
            Dependency::Node => "node",
        }
    }

    /// What a person calls it.
    pub fn title(self) -> &'static str {
        match self {
            Dependency::Kubernetes => "The Kubernetes API server",
            Dependency::Postgres => "PostgreSQL",
            Dependency::Redis => "Redis",
            Dependency::RabbitMq => "RabbitMQ",
            Dependency::RabbitMqManagement => "The RabbitMQ management API",
            Dependency::Kafka => "The Kafka broker (tansu)",
            Dependency::DynamoDb => "The DynamoDB server (dynalite)",
            Dependency::Stripe => "The Stripe fake (localstripe)",
            Dependency::Smtp | Dependency::SmtpMaildir => "The SMTP sink (aiosmtpd)",
            Dependency::Node => "The local node (kubelet, containerd, kube-proxy)",
        }
    }

    /// The message a test fails with when this dependency does not answer.
    pub fn unreachable(self, endpoint: &str, cause: impl std::fmt::Display) -> String {
        format!(
            "{} is not reachable at {endpoint}: {cause}\n  start it with: scripts/deps up {}   (or `make up`, which starts everything)",
            self.title(),
            self.script_name()
        )
    }
}

/// The endpoints of every dependency.
#[derive(Clone, Debug)]
pub struct Endpoints {
    values: HashMap<&'static str, String>,
    source: String,
}

impl Endpoints {
    /// Reads the process environment first, then `.saascript/env` at the workspace root, which
    /// `scripts/deps up` writes. A variable set in the environment wins.
    pub fn load() -> Endpoints {
        let env_file = workspace_root().join(".saascript/env");
        let from_file = std::fs::read_to_string(&env_file).map(|text| parse_env_file(&text));
        let mut values = HashMap::new();
        for dep in Dependency::ALL {
            let var = dep.variable();
            let value = std::env::var(var)
                .ok()
                .filter(|v| !v.is_empty())
                .or_else(|| from_file.as_ref().ok().and_then(|f| f.get(var).cloned()));
            if let Some(value) = value {
                values.insert(var, value);
            }
        }
        Endpoints {
            values,
            source: env_file.display().to_string(),
        }
    }

    /// Endpoints given explicitly, for tests of the kit itself.
    pub fn from_pairs(pairs: &[(Dependency, &str)]) -> Endpoints {
        Endpoints {
            values: pairs
                .iter()
                .map(|(d, v)| (d.variable(), (*v).to_string()))
                .collect(),
            source: "explicit values".into(),
        }
    }

    /// The same endpoints, with `dep` pointed elsewhere.
    pub fn with(mut self, dep: Dependency, value: &str) -> Endpoints {
        self.values.insert(dep.variable(), value.to_string());
        self
    }

    /// The endpoint of `dep`, or a message that says how to get one.
    pub fn get(&self, dep: Dependency) -> Result<&str, String> {
        self.values.get(dep.variable()).map(String::as_str).ok_or_else(|| {
            format!(
                "{} is not set, neither in the environment nor in {}.\n  start the dependencies with: scripts/deps up {}   (or `make test`, which does it for you)",
                dep.variable(),
                self.source,
                dep.script_name()
            )
        })
    }

    /// The endpoint of `dep`; fails the test when it is not configured.
    pub fn require(&self, dep: Dependency) -> &str {
        self.get(dep).unwrap_or_else(|message| panic!("{message}"))
    }
}

/// `VAR=value` lines; blank lines, comments and an `export ` prefix are allowed.
fn parse_env_file(text: &str) -> HashMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.trim_start_matches("export ").split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
        .collect()
}

/// The workspace root: the parent of this crate's folder.
pub fn workspace_root() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate_dir.parent().unwrap_or(crate_dir).to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_env_file_that_deps_writes() {
        let parsed = parse_env_file(
            "# comment\nDATABASE_URL=postgres://u:p@127.0.0.1:5432/postgres\nexport KAFKA_BROKERS=127.0.0.1:9092\n\n",
        );
        assert_eq!(
            parsed["DATABASE_URL"],
            "postgres://u:p@127.0.0.1:5432/postgres"
        );
        assert_eq!(parsed["KAFKA_BROKERS"], "127.0.0.1:9092");
        assert_eq!(parsed.len(), 2);
    }

    #[test]
    fn a_missing_endpoint_names_the_command_that_starts_it() {
        let endpoints = Endpoints::from_pairs(&[]);
        let message = endpoints.get(Dependency::Kafka).unwrap_err();
        assert!(message.contains("KAFKA_BROKERS"), "{message}");
        assert!(message.contains("scripts/deps up kafka"), "{message}");
    }
}
