//! What exists of a tenant in each backing system, read with each system's own client and admin
//! access: the PostgreSQL catalog, the RabbitMQ management API, Kafka metadata, DynamoDB's
//! DescribeTable and Redis' ACL GETUSER. Never through the operator's provisioners, and with the
//! names written out here from the conventions (DESIGN.md, the operator's README), so that a
//! naming mistake shared by the operator's ensure, observe and remove would show.

use std::time::Duration;

use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, TableStatus};
use rdkafka::admin::AdminClient;
use rdkafka::client::DefaultClientContext;
use reqwest::StatusCode;

use crate::test_env::TestEnv;

/// The shared PostgreSQL database of pooled tenants (the operator's documented default).
pub const POOLED_DATABASE: &str = "saascript_pooled";
/// The shared RabbitMQ vhost of pooled tenants.
pub const POOLED_VHOST: &str = "saascript";
/// The shared Kafka topic of pooled tenants' events.
pub const POOLED_TOPIC: &str = "saascript.events";
/// The shared DynamoDB table of pooled tenants.
pub const POOLED_TABLE: &str = "saascript-profiles";

/// The names of one tenant's resources.
#[derive(Clone, Debug)]
pub struct TenantNames {
    pub tenant: String,
    pub siloed: bool,
}

impl TenantNames {
    pub fn new(tenant: &str, isolation: &str) -> TenantNames {
        TenantNames {
            tenant: tenant.to_string(),
            siloed: isolation == "siloed",
        }
    }

    pub fn namespace(&self) -> String {
        format!("tenant-{}", self.tenant)
    }

    /// `tenant_<name>`, `-` made `_`.
    pub fn pg_role(&self) -> String {
        format!("tenant_{}", self.tenant.replace('-', "_"))
    }

    /// The siloed tenant's own database, named like its role.
    pub fn pg_database(&self) -> String {
        self.pg_role()
    }

    pub fn rabbitmq_user(&self) -> String {
        format!("tenant-{}", self.tenant)
    }

    /// The siloed tenant's own vhost.
    pub fn rabbitmq_vhost(&self) -> String {
        format!("tenant-{}", self.tenant)
    }

    /// The pooled tenant's queue on the shared vhost.
    pub fn pooled_queue(&self) -> String {
        format!("tenant.{}.tasks", self.tenant)
    }

    /// The siloed tenant's own topic: `tenant.<name>.*`.
    pub fn topic(&self) -> String {
        format!("tenant.{}.events", self.tenant)
    }

    /// The siloed tenant's own table.
    pub fn table(&self) -> String {
        format!("{POOLED_TABLE}-{}", self.tenant)
    }

    pub fn redis_user(&self) -> String {
        format!("tenant-{}", self.tenant)
    }
}

/// A PostgreSQL role as the catalog has it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PgRole {
    pub can_login: bool,
}

/// Admin clients of every backing system.
pub struct BackingSystems {
    postgres: sqlx::PgPool,
    pooled_url: String,
    redis: redis::aio::MultiplexedConnection,
    http: reqwest::Client,
    management: reqwest::Url,
    management_user: String,
    management_password: String,
    kafka: std::sync::Arc<AdminClient<DefaultClientContext>>,
    dynamodb: aws_sdk_dynamodb::Client,
}

impl BackingSystems {
    /// Connects to each of them, failing with the start command of one that does not answer.
    pub async fn connect(env: &TestEnv) -> BackingSystems {
        env.ensure_kafka().await;
        let (base, _) = env
            .database_url()
            .rsplit_once('/')
            .expect("DATABASE_URL has a path");
        let mut management =
            reqwest::Url::parse(env.rabbitmq_management_url()).expect("RABBITMQ_MGMT_URL");
        let management_user = management.username().to_string();
        let management_password = management.password().unwrap_or_default().to_string();
        let _ = management.set_username("");
        let _ = management.set_password(None);
        BackingSystems {
            postgres: env.postgres().await,
            pooled_url: format!("{base}/{POOLED_DATABASE}"),
            redis: env.redis().await,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("an HTTP client"),
            management,
            management_user,
            management_password,
            kafka: std::sync::Arc::new(env.kafka_config().create().expect("a Kafka admin client")),
            dynamodb: env.dynamodb().await,
        }
    }

    pub async fn database_exists(&self, database: &str) -> bool {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(database)
            .fetch_one(&self.postgres)
            .await
            .expect("pg_database")
    }

    pub async fn pg_role(&self, role: &str) -> Option<PgRole> {
        sqlx::query_scalar::<_, bool>("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1")
            .bind(role)
            .fetch_optional(&self.postgres)
            .await
            .expect("pg_roles")
            .map(|can_login| PgRole { can_login })
    }

    /// Whether the pooled tenant has a row in the shared database's tenant registry.
    pub async fn registry_row_exists(&self, tenant: &str) -> bool {
        if !self.database_exists(POOLED_DATABASE).await {
            return false;
        }
        let pooled: sqlx::postgres::PgConnectOptions = self
            .pooled_url
            .parse()
            .unwrap_or_else(|e| panic!("{POOLED_DATABASE} URL: {e}"));
        let mut connection = <sqlx::PgConnection as sqlx::Connection>::connect_with(&pooled)
            .await
            .expect("a connection to the shared database");
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM tenant_registry WHERE tenant = $1)")
            .bind(tenant)
            .fetch_one(&mut connection)
            .await
            .expect("tenant_registry")
    }

    /// Whether the management API has the object at `path` (`vhosts/<vhost>`, `users/<user>`,
    /// `queues/<vhost>/<queue>`, `permissions/<vhost>/<user>`), path segments unencoded.
    pub async fn rabbitmq_has(&self, path: &[&str]) -> bool {
        let mut url = self.management.clone();
        url.path_segments_mut()
            .expect("a base URL")
            .pop_if_empty()
            .push("api")
            .extend(path);
        let response = self
            .http
            .get(url.clone())
            .basic_auth(&self.management_user, Some(&self.management_password))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        match response.status() {
            StatusCode::OK => true,
            StatusCode::NOT_FOUND => false,
            other => panic!("GET {url}: {other}"),
        }
    }

    /// The topics the broker lists.
    pub async fn kafka_topics(&self) -> Vec<String> {
        let admin = self.kafka.clone();
        tokio::task::spawn_blocking(move || {
            let metadata = admin
                .inner()
                .fetch_metadata(None, Duration::from_secs(10))
                .expect("Kafka metadata");
            metadata
                .topics()
                .iter()
                .filter(|t| t.error().is_none())
                .map(|t| t.name().to_string())
                .collect()
        })
        .await
        .expect("the metadata task")
    }

    /// Whether the table exists and is not being deleted.
    pub async fn table_exists(&self, table: &str) -> bool {
        match self
            .dynamodb
            .describe_table()
            .table_name(table)
            .send()
            .await
        {
            Ok(output) => output.table.and_then(|t| t.table_status) != Some(TableStatus::Deleting),
            Err(SdkError::ServiceError(e)) if e.err().is_resource_not_found_exception() => false,
            Err(e) => panic!("DescribeTable {table}: {}", DisplayErrorContext(e)),
        }
    }

    /// Writes an item to the shared table, as a pooled tenant's workload would.
    pub async fn put_pooled_item(&self, pk: &str, sk: &str) {
        self.dynamodb
            .put_item()
            .table_name(POOLED_TABLE)
            .item("pk", AttributeValue::S(pk.into()))
            .item("sk", AttributeValue::S(sk.into()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("PutItem {pk}: {}", DisplayErrorContext(e)));
    }

    pub async fn delete_pooled_item(&self, pk: &str, sk: &str) {
        self.dynamodb
            .delete_item()
            .table_name(POOLED_TABLE)
            .key("pk", AttributeValue::S(pk.into()))
            .key("sk", AttributeValue::S(sk.into()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("DeleteItem {pk}: {}", DisplayErrorContext(e)));
    }

    /// The pooled tenant's items in the shared table: partition key `TENANT#<name>`, or one
    /// that starts with `TENANT#<name>#`.
    pub async fn pooled_items(&self, tenant: &str) -> usize {
        let mut count = 0;
        let mut start = None;
        loop {
            let page = self
                .dynamodb
                .scan()
                .table_name(POOLED_TABLE)
                .filter_expression("pk = :exact OR begins_with(pk, :prefix)")
                .expression_attribute_values(
                    ":exact",
                    AttributeValue::S(format!("TENANT#{tenant}")),
                )
                .expression_attribute_values(
                    ":prefix",
                    AttributeValue::S(format!("TENANT#{tenant}#")),
                )
                .set_exclusive_start_key(start)
                .send()
                .await;
            let page = match page {
                Ok(page) => page,
                Err(SdkError::ServiceError(e)) if e.err().is_resource_not_found_exception() => {
                    return 0;
                }
                Err(e) => panic!("Scan {POOLED_TABLE}: {}", DisplayErrorContext(e)),
            };
            count += page.items().len();
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return count,
            }
        }
    }

    /// The ACL user's flags (`on` or `off`, ...), or None when Redis has no such user.
    pub async fn redis_user_flags(&self, user: &str) -> Option<Vec<String>> {
        let mut redis = self.redis.clone();
        let found: redis::Value = redis::cmd("ACL")
            .arg("GETUSER")
            .arg(user)
            .query_async(&mut redis)
            .await
            .expect("ACL GETUSER");
        let fields: Vec<(String, redis::Value)> = match found {
            redis::Value::Nil => return None,
            redis::Value::Map(pairs) => pairs
                .into_iter()
                .filter_map(|(k, v)| Some((text(&k)?, v)))
                .collect(),
            redis::Value::Array(items) => items
                .chunks(2)
                .filter_map(|pair| Some((text(pair.first()?)?, pair.get(1)?.clone())))
                .collect(),
            other => panic!("ACL GETUSER {user}: {other:?}"),
        };
        let flags = fields
            .into_iter()
            .find(|(k, _)| k == "flags")
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("ACL GETUSER {user} has no flags"));
        match flags {
            redis::Value::Array(items) | redis::Value::Set(items) => {
                Some(items.iter().filter_map(text).collect())
            }
            other => panic!("ACL GETUSER {user} flags: {other:?}"),
        }
    }

    /// Everything of the tenant's that exists, named as in `TenantNames`: `role tenant_x`,
    /// `database tenant_x`, `registry row x`, `user tenant-x`, `vhost tenant-x`,
    /// `queue tenant.x.tasks`, `N items TENANT#x in saascript-profiles`, `topic tenant.x.events`,
    /// `table saascript-profiles-x`, `ACL user tenant-x`. The shared resources of pooled tenants
    /// are not the tenant's, but its items in them are.
    pub async fn present(&self, names: &TenantNames) -> Vec<String> {
        let mut present = vec![];
        let role = names.pg_role();
        if self.pg_role(&role).await.is_some() {
            present.push(format!("role {role}"));
        }
        let user = names.rabbitmq_user();
        if self.rabbitmq_has(&["users", &user]).await {
            present.push(format!("user {user}"));
        }
        let redis_user = names.redis_user();
        if self.redis_user_flags(&redis_user).await.is_some() {
            present.push(format!("ACL user {redis_user}"));
        }
        if names.siloed {
            let database = names.pg_database();
            if self.database_exists(&database).await {
                present.push(format!("database {database}"));
            }
            let vhost = names.rabbitmq_vhost();
            if self.rabbitmq_has(&["vhosts", &vhost]).await {
                present.push(format!("vhost {vhost}"));
            }
            let topic = names.topic();
            if self.kafka_topics().await.contains(&topic) {
                present.push(format!("topic {topic}"));
            }
            let table = names.table();
            if self.table_exists(&table).await {
                present.push(format!("table {table}"));
            }
        } else {
            if self.registry_row_exists(&names.tenant).await {
                present.push(format!("registry row {}", names.tenant));
            }
            let queue = names.pooled_queue();
            if self.rabbitmq_has(&["queues", POOLED_VHOST, &queue]).await {
                present.push(format!("queue {queue}"));
            }
            let items = self.pooled_items(&names.tenant).await;
            if items > 0 {
                present.push(format!(
                    "{items} items TENANT#{} in {POOLED_TABLE}",
                    names.tenant
                ));
            }
        }
        present
    }

    /// The resources every pooled tenant shares, which no tenant's deletion may take away.
    pub async fn shared_resources_present(&self) -> Vec<String> {
        let mut present = vec![];
        if self.database_exists(POOLED_DATABASE).await {
            present.push(format!("database {POOLED_DATABASE}"));
        }
        if self.rabbitmq_has(&["vhosts", POOLED_VHOST]).await {
            present.push(format!("vhost {POOLED_VHOST}"));
        }
        if self.kafka_topics().await.iter().any(|t| t == POOLED_TOPIC) {
            present.push(format!("topic {POOLED_TOPIC}"));
        }
        if self.table_exists(POOLED_TABLE).await {
            present.push(format!("table {POOLED_TABLE}"));
        }
        present
    }
}

fn text(value: &redis::Value) -> Option<String> {
    match value {
        redis::Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        redis::Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}
