//! Which database a tenant's data lives in. Pooled tenants share the service's database; a
//! siloed tenant (by `spec.isolation` or by its plan's entitlements) has its own, whose URL the
//! operator writes into the tenant's credentials Secret. Each siloed database gets a pool of its
//! own, opened on first use (its migrations and the outbox tables are applied then), and at
//! most `limit` of them stay open: opening one more closes the least recently used.
//!
//! A siloed database keeps its own event and task outboxes, so that a change and its event or
//! task commit together there too; while its pool is open, relays publish them. A pool closed
//! by the LRU leaves its pending rows until the tenant's next request opens it again.

use std::collections::HashMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use rdkafka::producer::FutureProducer;
use saascript_common::event_outbox;
use saascript_common::kit::outbox_schema;
use saascript_common::task_outbox;
use saascript_crds::{Isolation, Tenant};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use crate::error::{ProjectsError, Result};
use crate::tenant_scope::{DatabaseKind, TenantDb};

/// The Secret the operator writes into each tenant's namespace, and its database URL's key.
pub const CREDENTIALS_SECRET: &str = "saascript-tenant-credentials";
pub const DATABASE_URL_KEY: &str = "DATABASE_URL";

/// Where the relays of a siloed database publish.
#[derive(Clone)]
pub struct RelayTargets {
    pub producer: FutureProducer,
    pub events_topic: String,
    pub amqp_url: String,
    pub task_retention: Duration,
}

pub struct SiloedSettings {
    pub limit: usize,
    pub connections: u32,
    pub relays: Option<RelayTargets>,
}

struct OpenPool {
    url: String,
    pool: PgPool,
    last_used: u64,
    relays: Vec<JoinHandle<()>>,
}

#[derive(Default)]
struct SiloedPools {
    by_tenant: HashMap<String, OpenPool>,
    uses: u64,
}

pub struct TenantDatabases {
    pooled: PgPool,
    kube: kube::Client,
    settings: SiloedSettings,
    siloed: Mutex<SiloedPools>,
}

/// Whether the tenant's data lives in a database of its own.
pub fn is_siloed(tenant: &Tenant) -> bool {
    tenant.spec.isolation == Isolation::Siloed
        || tenant
            .status
            .as_ref()
            .and_then(|s| s.entitlements.as_ref())
            .is_some_and(|e| e.isolation == Isolation::Siloed)
}

impl TenantDatabases {
    pub fn new(pooled: PgPool, kube: kube::Client, settings: SiloedSettings) -> TenantDatabases {
        TenantDatabases {
            pooled,
            kube,
            settings,
            siloed: Mutex::new(SiloedPools::default()),
        }
    }

    /// The shared database (members, the pooled tenants' data, the service's outboxes).
    pub fn pooled(&self) -> TenantDb {
        TenantDb {
            pool: self.pooled.clone(),
            kind: DatabaseKind::Pooled,
        }
    }

    /// The database of `tenant`'s product data.
    pub async fn of(&self, tenant: &Tenant) -> Result<TenantDb> {
        if !is_siloed(tenant) {
            return Ok(self.pooled());
        }
        let name = tenant
            .metadata
            .name
            .clone()
            .ok_or_else(|| ProjectsError::Internal("a Tenant without a name".into()))?;
        if let Some(pool) = self.touch(&name).await {
            return Ok(TenantDb {
                pool,
                kind: DatabaseKind::Siloed,
            });
        }
        // Opened without the lock: a first use migrates the tenant's database, which must not
        // hold up the other siloed tenants. Two first requests of one tenant may both open a
        // pool; the migrations take their own lock, and the second pool is closed below.
        let url = self.database_url(tenant, &name).await?;
        let pool = self.open(&url).await?;
        let mut pools = self.siloed.lock().await;
        pools.uses += 1;
        let now = pools.uses;
        if let Some(open) = pools.by_tenant.get_mut(&name) {
            open.last_used = now;
            let theirs = open.pool.clone();
            tokio::spawn(async move { pool.close().await });
            return Ok(TenantDb {
                pool: theirs,
                kind: DatabaseKind::Siloed,
            });
        }
        while pools.by_tenant.len() >= self.settings.limit.max(1) {
            let Some(oldest) = pools
                .by_tenant
                .iter()
                .min_by_key(|(_, open)| open.last_used)
                .map(|(name, _)| name.clone())
            else {
                break;
            };
            if let Some(evicted) = pools.by_tenant.remove(&oldest) {
                tracing::info!(tenant = %oldest, "closing the least recently used siloed pool");
                close(evicted);
            }
        }
        let relays = self.start_relays(&pool);
        pools.by_tenant.insert(
            name,
            OpenPool {
                url,
                pool: pool.clone(),
                last_used: now,
                relays,
            },
        );
        Ok(TenantDb {
            pool,
            kind: DatabaseKind::Siloed,
        })
    }

    /// The open pool of siloed tenant `name`, marked as just used.
    async fn touch(&self, name: &str) -> Option<PgPool> {
        let mut pools = self.siloed.lock().await;
        pools.uses += 1;
        let now = pools.uses;
        let open = pools.by_tenant.get_mut(name)?;
        open.last_used = now;
        Some(open.pool.clone())
    }

    /// How many siloed pools are open (tests check the LRU bound).
    pub async fn open_siloed_pools(&self) -> usize {
        self.siloed.lock().await.by_tenant.len()
    }

    /// Whether the siloed pool of `tenant` is open, and the URL it was opened with.
    pub async fn siloed_url(&self, tenant: &str) -> Option<String> {
        self.siloed
            .lock()
            .await
            .by_tenant
            .get(tenant)
            .map(|open| open.url.clone())
    }

    async fn database_url(&self, tenant: &Tenant, name: &str) -> Result<String> {
        let status = tenant.status.as_ref();
        let namespace = status
            .and_then(|s| s.namespace.clone())
            .unwrap_or_else(|| saascript_crds::names::tenant_namespace(name));
        let secret_name = status
            .and_then(|s| s.credentials_secret.clone())
            .unwrap_or_else(|| CREDENTIALS_SECRET.to_string());
        let secrets: Api<Secret> = Api::namespaced(self.kube.clone(), &namespace);
        let not_ready = || {
            ProjectsError::TenantNotReady(format!(
                "the database of siloed tenant {name} is not provisioned yet"
            ))
        };
        let secret = secrets.get_opt(&secret_name).await?.ok_or_else(not_ready)?;
        let url = secret
            .data
            .as_ref()
            .and_then(|d| d.get(DATABASE_URL_KEY))
            .and_then(|v| String::from_utf8(v.0.clone()).ok())
            .filter(|v| !v.is_empty())
            .ok_or_else(not_ready)?;
        Ok(url)
    }

    /// Connects and brings the database's schema up to date (first use of the database).
    async fn open(&self, url: &str) -> Result<PgPool> {
        let pool = PgPoolOptions::new()
            .max_connections(self.settings.connections.max(1))
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await?;
        crate::MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| ProjectsError::Internal(format!("siloed migrations: {e}")))?;
        outbox_schema::ensure(&pool).await?;
        Ok(pool)
    }

    fn start_relays(&self, pool: &PgPool) -> Vec<JoinHandle<()>> {
        let Some(targets) = &self.settings.relays else {
            return vec![];
        };
        vec![
            tokio::spawn(event_outbox::run_relay(
                pool.clone(),
                targets.producer.clone(),
                targets.events_topic.clone(),
                Duration::from_millis(500),
            )),
            tokio::spawn(task_outbox::run_relay(
                pool.clone(),
                targets.amqp_url.clone(),
                Duration::from_millis(500),
                targets.task_retention,
            )),
        ]
    }
}

fn close(open: OpenPool) {
    for relay in &open.relays {
        relay.abort();
    }
    // Closing waits for the connections in use to come back; nobody needs to wait for that.
    tokio::spawn(async move { open.pool.close().await });
}
