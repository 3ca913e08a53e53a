//! One provisioner per backing system, all with the same shape:
//! `ensure(&TenantPlan, ..) -> Result<Outcome>`, `remove(&TenantPlan, DeletionPolicy)` and
//! `observe(&TenantPlan) -> Result<Presence>`. Each is idempotent and safe to run concurrently
//! with itself (two operator replicas, or tests in parallel): "already exists" is success.

pub mod dynamodb;
pub mod kafka;
pub mod plan;
pub mod postgres;
pub mod rabbitmq;
pub mod redis;

pub use plan::{SharedNames, TenantPlan};
use saascript_crds::condition_types;

/// A backing system that the operator provisions tenants in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum System {
    Postgres,
    RabbitMq,
    Kafka,
    DynamoDb,
    Redis,
}

impl System {
    pub const ALL: [System; 5] = [
        System::Postgres,
        System::RabbitMq,
        System::Kafka,
        System::DynamoDb,
        System::Redis,
    ];

    /// The Tenant condition that reports this system.
    pub fn condition_type(self) -> &'static str {
        match self {
            System::Postgres => condition_types::DATABASE_READY,
            System::RabbitMq => condition_types::QUEUE_READY,
            System::Kafka => condition_types::TOPICS_READY,
            System::DynamoDb => condition_types::TABLE_READY,
            System::Redis => condition_types::CACHE_READY,
        }
    }

    /// The CamelCase name used in condition reasons, such as `PostgresUnreachable`.
    pub fn title(self) -> &'static str {
        match self {
            System::Postgres => "Postgres",
            System::RabbitMq => "RabbitMq",
            System::Kafka => "Kafka",
            System::DynamoDb => "DynamoDb",
            System::Redis => "Redis",
        }
    }
}

/// What `ensure` left behind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Whether the resource can be used now. False while it is still being created
    /// (a DynamoDB table that is CREATING, for example).
    pub ready: bool,
    /// The resource is in place but the tenant's credentials for it are turned off, because the
    /// tenant is suspended. Only a system that has per-tenant credentials can say so.
    pub access_suspended: bool,
    /// A sentence for the condition's message.
    pub message: String,
}

impl Outcome {
    pub fn ready(message: impl Into<String>) -> Outcome {
        Outcome {
            ready: true,
            access_suspended: false,
            message: message.into(),
        }
    }

    pub fn pending(message: impl Into<String>) -> Outcome {
        Outcome {
            ready: false,
            access_suspended: false,
            message: message.into(),
        }
    }

    /// In place, with the tenant's access taken away while it is suspended.
    pub fn access_suspended(message: impl Into<String>) -> Outcome {
        Outcome {
            ready: true,
            access_suspended: true,
            message: message.into(),
        }
    }
}

/// Whether a tenant's resources exist in a backing system, for status and for tests that check
/// that nothing was left over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Presence {
    /// Names of the tenant's resources that exist.
    pub present: Vec<String>,
}

impl Presence {
    pub fn is_empty(&self) -> bool {
        self.present.is_empty()
    }
}

/// How a backing system failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// It did not answer: down, unreachable or timed out.
    Unreachable,
    /// It answered with an error.
    Failed,
}

/// A provisioner's failure, with what an admin needs to act on it.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{} {}: {message}", system.title(), if *kind == FailureKind::Unreachable { "unreachable" } else { "failed" })]
pub struct ProvisionError {
    pub system: System,
    pub kind: FailureKind,
    pub message: String,
}

impl ProvisionError {
    pub fn unreachable(system: System, message: impl std::fmt::Display) -> ProvisionError {
        ProvisionError {
            system,
            kind: FailureKind::Unreachable,
            message: message.to_string(),
        }
    }

    pub fn failed(system: System, message: impl std::fmt::Display) -> ProvisionError {
        ProvisionError {
            system,
            kind: FailureKind::Failed,
            message: message.to_string(),
        }
    }

    /// The condition reason, for example `PostgresUnreachable` or `KafkaFailed`.
    pub fn reason(&self) -> String {
        let kind = match self.kind {
            FailureKind::Unreachable => "Unreachable",
            FailureKind::Failed => "Failed",
        };
        format!("{}{kind}", self.system.title())
    }
}

pub type ProvisionResult<T> = Result<T, ProvisionError>;
