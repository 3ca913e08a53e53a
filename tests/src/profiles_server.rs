//! The profiles service on a loopback port, for tests: built with the same `build` as its `main`,
//! on the local DynamoDB server with a shared table of its own (so that parallel tests never see
//! each other's pooled items), a Kafka topic of its own, the local API server, and access tokens
//! from a `TokenIssuer` (profiles only verifies tokens, so its tests need no auth database). Tenants for it are made here too: pooled ones, and siloed ones with
//! their own table and credentials Secret, as the operator would leave them.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, PostParams};
use saascript_profiles::AppState;
use serde_json::json;

use crate::auth_server::{AUDIENCE, ISSUER};
use crate::crds::install_crds;
use crate::endpoints::Dependency;
use crate::kafka_topics::new_topic;
use crate::tenant_guard::TenantGuard;
use crate::tenants::{create_namespace, tenant_manifest};
use crate::test_env::TestEnv;
use crate::token_issuer::TokenIssuer;
use crate::unique::unique_name;
use crate::wait;

pub struct ProfilesServer {
    pub base: String,
    pub state: AppState,
    /// The shared (pooled) table of this server, unique to the test.
    pub shared_table: String,
    /// The events topic this server consumes, unique to the test.
    pub events_topic: String,
    task: tokio::task::JoinHandle<()>,
    background: Vec<tokio::task::JoinHandle<()>>,
}

impl ProfilesServer {
    /// Serves profiles on a free port, with its Kafka consumer running; tokens are verified with
    /// `issuer`'s key.
    pub async fn start(env: &TestEnv, issuer: &TokenIssuer) -> ProfilesServer {
        Self::start_with_jwks(env, &issuer.jwks_url).await
    }

    /// As `start`, verifying tokens with the keys published at `jwks_url` (a real auth server's,
    /// for tests that go through auth).
    pub async fn start_with_jwks(env: &TestEnv, jwks_url: &str) -> ProfilesServer {
        // Fails with the start command when the server is down.
        env.dynamodb().await;
        let events_topic = new_topic(env, "profiles-events").await;
        let shared_table = unique_name("profiles-shared");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let address: SocketAddr = listener.local_addr().expect("an address");
        let config = saascript_profiles::Config {
            http: saascript_common::http::HttpConfig {
                listen: address,
                log_format: "pretty".into(),
                body_limit_bytes: 64 * 1024,
                request_timeout_ms: 30_000,
                shutdown_delay_seconds: 0,
            },
            jwt: saascript_common::kit::JwtArgs {
                jwks_url: jwks_url.to_string(),
                issuer: ISSUER.into(),
                audience: AUDIENCE.into(),
            },
            events: saascript_common::kit::EventArgs {
                kafka_brokers: env.kafka_brokers().to_string(),
                events_topic: events_topic.clone(),
            },
            dynamodb: saascript_profiles::config::DynamoDbArgs {
                dynamodb_endpoint: Some(env.endpoints.require(Dependency::DynamoDb).to_string()),
                dynamodb_region: "us-east-1".into(),
                shared_table: shared_table.clone(),
                create_shared_table: true,
            },
            kafka_group_id: unique_name("profiles"),
        };
        let platform = saascript_common::kit::Platform {
            kube: env.kube().await,
            clock: saascript_common::clock::system_clock(),
        };
        let saascript_common::kit::Service {
            state,
            app,
            background,
        } = saascript_profiles::build(config, platform)
            .await
            .expect("profiles builds");
        let background = background.spawn_all();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        ProfilesServer {
            base: format!("http://{address}"),
            state,
            shared_table,
            events_topic,
            task,
            background,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Waits until the service's Tenant watch shows the Tenant `name` (uid `uid`).
    pub async fn wait_known(&self, name: &str, uid: &str) {
        let directory = self.state.tables.directory().clone();
        wait::until(
            Duration::from_secs(20),
            &format!("profiles to see tenant {name}"),
            || {
                let directory = directory.clone();
                async move {
                    directory
                        .get(name)
                        .filter(|t| t.metadata.uid.as_deref() == Some(uid))
                        .map(|_| ())
                }
            },
        )
        .await;
    }

    /// Stops the service and deletes its shared table.
    pub async fn finish(self, env: &TestEnv) {
        self.task.abort();
        for task in &self.background {
            task.abort();
        }
        let _ = env
            .dynamodb()
            .await
            .delete_table()
            .table_name(&self.shared_table)
            .send()
            .await;
    }
}

impl Drop for ProfilesServer {
    fn drop(&mut self) {
        self.task.abort();
        for task in &self.background {
            task.abort();
        }
    }
}

/// A pooled Tenant on the shared API server (no operator runs for it).
pub async fn pooled_tenant(env: &TestEnv) -> TenantGuard {
    install_crds(&env.kube().await).await;
    let name = unique_name("prof");
    let manifest = tenant_manifest(&name, &unique_name("run"), "pooled", "free", "Delete");
    TenantGuard::create(env, &manifest).await
}

/// A siloed Tenant with what the operator would have made for its profiles: its namespace, its
/// table (`pk`/`sk`) and the credentials Secret naming it. Returns the guard and the table.
pub async fn siloed_tenant(env: &TestEnv) -> (TenantGuard, String) {
    install_crds(&env.kube().await).await;
    let name = unique_name("prof");
    let manifest = tenant_manifest(&name, &unique_name("run"), "siloed", "enterprise", "Delete");
    let guard = TenantGuard::create(env, &manifest).await;
    let table = format!("saascript-profiles-{name}");
    create_table(env, &table).await;
    let client = env.kube().await;
    let namespace = saascript_crds::names::tenant_namespace(&name);
    create_namespace(&client, &namespace).await;
    let secret: Secret = serde_json::from_value(json!({
        "metadata": { "name": saascript_profiles::tenant_tables::CREDENTIALS_SECRET },
        "stringData": BTreeMap::from([
            ("DYNAMODB_TABLE", table.as_str()),
            ("SAASCRIPT_TENANT", name.as_str()),
        ]),
    }))
    .expect("a Secret manifest");
    Api::<Secret>::namespaced(client, &namespace)
        .create(&PostParams::default(), &secret)
        .await
        .unwrap_or_else(|e| panic!("creating the credentials Secret of {name}: {e}"));
    (guard, table)
}

/// A table with the operator's key schema (`pk` HASH, `sk` RANGE), ACTIVE when this returns.
pub async fn create_table(env: &TestEnv, table: &str) {
    let dynamodb = env.dynamodb().await;
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .unwrap()
    };
    dynamodb
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute("pk"))
        .attribute_definitions(attribute("sk"))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .send()
        .await
        .unwrap_or_else(|e| panic!("creating table {table}: {e:?}"));
    wait::until(
        Duration::from_secs(20),
        &format!("table {table} to be ACTIVE"),
        || {
            let dynamodb = dynamodb.clone();
            async move {
                let status = dynamodb
                    .describe_table()
                    .table_name(table)
                    .send()
                    .await
                    .ok()?
                    .table?
                    .table_status?;
                (status == aws_sdk_dynamodb::types::TableStatus::Active).then_some(())
            }
        },
    )
    .await;
}

/// An access token of user `user` acting for the Tenant of `guard`, as auth issues them.
pub fn member_token(issuer: &TokenIssuer, guard: &TenantGuard, user: &str) -> String {
    issuer.sign(user, Some(&guard.name), Some(&guard.uid), &["member"])
}

/// A user id as auth makes them (a UUID).
pub fn new_user_id() -> String {
    let n: u128 = rand::random();
    let h = format!("{n:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}
