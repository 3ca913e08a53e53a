//! Redis: an ACL user `tenant-<name>` that may touch only keys (and channels) matching
//! `t:<name>:*`, with the dangerous and admin commands taken away; turned off, and its
//! connections killed, while the tenant is suspended.
//!
//! Redis keeps ACL users in memory, so a restarted Redis loses them; the periodic resync of
//! every Tenant puts them back.

use std::time::Duration;

use saascript_crds::DeletionPolicy;

use super::{Outcome, Presence, ProvisionError, ProvisionResult, System, TenantPlan};

const TIMEOUT: Duration = Duration::from_secs(5);

pub struct RedisProvisioner {
    client: redis::Client,
}

impl RedisProvisioner {
    pub fn new(url: &str) -> ProvisionResult<RedisProvisioner> {
        let client = redis::Client::open(url)
            .map_err(|e| ProvisionError::failed(System::Redis, format!("bad Redis URL: {e}")))?;
        Ok(RedisProvisioner { client })
    }

    /// The host and port of the server.
    pub fn address(&self) -> (String, u16) {
        match &self.client.get_connection_info().addr() {
            redis::ConnectionAddr::Tcp(host, port)
            | redis::ConnectionAddr::TcpTls { host, port, .. } => (host.clone(), *port),
            _ => ("127.0.0.1".into(), 6379),
        }
    }

    async fn connection(&self) -> ProvisionResult<redis::aio::MultiplexedConnection> {
        match tokio::time::timeout(TIMEOUT, self.client.get_multiplexed_async_connection()).await {
            Ok(Ok(connection)) => Ok(connection),
            Ok(Err(e)) => Err(classify(e)),
            Err(_) => Err(ProvisionError::unreachable(
                System::Redis,
                "timed out connecting",
            )),
        }
    }

    pub async fn ensure(&self, plan: &TenantPlan, password: &str) -> ProvisionResult<Outcome> {
        let mut connection = self.connection().await?;
        let user = plan.redis_user();
        let pattern = format!("{}*", plan.redis_key_prefix());
        // `reset` first, so that the user has exactly these rules, whatever it had before. A
        // suspended tenant's user keeps them and its password, but is `off`: AUTH as it fails.
        let _: () = redis::cmd("ACL")
            .arg("SETUSER")
            .arg(&user)
            .arg("reset")
            .arg(if plan.suspended { "off" } else { "on" })
            .arg(format!(">{password}"))
            .arg(format!("~{pattern}"))
            .arg(format!("&{pattern}"))
            .arg("+@all")
            .arg("-@dangerous")
            .arg("-@admin")
            .query_async(&mut connection)
            .await
            .map_err(classify)?;
        let described = format!("ACL user {user} limited to keys {pattern}");
        if !plan.suspended {
            return Ok(Outcome::ready(described));
        }
        // `off` refuses new AUTHs only; the connections already authenticated go on.
        let _: i64 = redis::cmd("CLIENT")
            .arg("KILL")
            .arg("USER")
            .arg(&user)
            .query_async(&mut connection)
            .await
            .map_err(classify)?;
        Ok(Outcome::access_suspended(format!(
            "{described}; it is off while the tenant is suspended"
        )))
    }

    /// The user goes under both policies: Redis holds no tenant data that outlives a cache.
    pub async fn remove(&self, plan: &TenantPlan, _policy: DeletionPolicy) -> ProvisionResult<()> {
        let mut connection = self.connection().await?;
        let _: i64 = redis::cmd("ACL")
            .arg("DELUSER")
            .arg(plan.redis_user())
            .query_async(&mut connection)
            .await
            .map_err(classify)?;
        Ok(())
    }

    pub async fn observe(&self, plan: &TenantPlan) -> ProvisionResult<Presence> {
        let mut connection = self.connection().await?;
        let user = plan.redis_user();
        let found: redis::Value = redis::cmd("ACL")
            .arg("GETUSER")
            .arg(&user)
            .query_async(&mut connection)
            .await
            .map_err(classify)?;
        let present = if matches!(found, redis::Value::Nil) {
            vec![]
        } else {
            vec![format!("ACL user {user}")]
        };
        Ok(Presence { present })
    }
}

fn classify(error: redis::RedisError) -> ProvisionError {
    if error.is_io_error()
        || error.is_connection_refusal()
        || error.is_timeout()
        || error.is_connection_dropped()
    {
        ProvisionError::unreachable(System::Redis, error)
    } else {
        ProvisionError::failed(System::Redis, error)
    }
}
