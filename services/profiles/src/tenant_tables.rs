//! Which table holds a tenant's profiles. Pooled tenants share one table; a siloed tenant has its
//! own, named by the operator in the tenant's credentials Secret (`DYNAMODB_TABLE`). The Tenant
//! comes from the watch-fed directory, so a request costs no API call; a siloed tenant's table
//! name costs one Secret read per Tenant uid, then it is remembered.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use k8s_openapi::api::core::v1::Secret;
use kube::api::Api;
use saascript_common::tenants::{LiveTenant, TenantApi, TenantDirectory, is_suspended};
use saascript_crds::{Isolation, Tenant};

use crate::error::{ProfilesError, Result};

/// The Secret the operator writes into every tenant's namespace (operator/src/credentials.rs).
pub const CREDENTIALS_SECRET: &str = "saascript-tenant-credentials";
/// The Secret's key naming the tenant's table.
pub const TABLE_KEY: &str = "DYNAMODB_TABLE";

/// Where one tenant's profiles are: its table, and the tenant whose partition to use in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantTable {
    pub tenant: String,
    pub table: String,
}

#[derive(Clone)]
pub struct TenantTables {
    directory: TenantDirectory,
    tenants: TenantApi,
    kube: kube::Client,
    shared_table: String,
    /// Siloed tables by Tenant uid: a uid's table never changes, and a Tenant re-created under
    /// the same name has a new uid.
    siloed: Arc<RwLock<HashMap<String, String>>>,
}

impl TenantTables {
    pub fn new(directory: TenantDirectory, kube: kube::Client, shared_table: String) -> Self {
        TenantTables {
            directory,
            tenants: TenantApi::new(kube.clone()),
            kube,
            shared_table,
            siloed: Arc::default(),
        }
    }

    pub fn shared_table(&self) -> &str {
        &self.shared_table
    }

    pub fn directory(&self) -> &TenantDirectory {
        &self.directory
    }

    /// The table of the tenant a verified token acts for. The token must carry the uid of the
    /// Tenant that lives under that name now: a token of an earlier Tenant of the same name
    /// reads nothing of the new one.
    pub async fn for_token(&self, tenant: &str, token_uid: Option<&str>) -> Result<TenantTable> {
        if !self.directory.synced().await {
            return Err(ProfilesError::NotReady(
                "the list of tenants is still loading; try again shortly".into(),
            ));
        }
        let resource = self
            .directory
            .get(tenant)
            .filter(|t| t.metadata.deletion_timestamp.is_none())
            .ok_or_else(|| ProfilesError::TenantNotFound(tenant.to_string()))?;
        let uid = resource.metadata.uid.as_deref();
        if uid.is_none() || uid != token_uid {
            return Err(ProfilesError::TenantChanged(tenant.to_string()));
        }
        if is_suspended(&resource) {
            return Err(ProfilesError::TenantSuspended(tenant.to_string()));
        }
        self.table_of(&resource).await
    }

    /// The table of the tenant an event concerns, or None when that Tenant is gone or is a later
    /// Tenant of the name than the event's `tenant_uid` (the event is then about nothing that
    /// exists). Read from the API server: an event can arrive before the watch shows its Tenant.
    pub async fn for_event(
        &self,
        tenant: &str,
        tenant_uid: Option<&str>,
    ) -> Result<Option<TenantTable>> {
        let live: Option<LiveTenant> =
            self.tenants.live(tenant).await.map_err(|e| {
                ProfilesError::NotReady(format!("tenant {tenant} cannot be read: {e}"))
            })?;
        let Some(live) = live else {
            return Ok(None);
        };
        if tenant_uid.is_some_and(|uid| uid != live.uid) {
            return Ok(None);
        }
        let resource = match self.directory.get(tenant) {
            Some(resource) if resource.metadata.uid.as_deref() == Some(live.uid.as_str()) => {
                resource
            }
            _ => Arc::new(self.tenants.api().get(tenant).await?),
        };
        self.table_of(&resource).await.map(Some)
    }

    async fn table_of(&self, resource: &Tenant) -> Result<TenantTable> {
        let tenant = resource
            .metadata
            .name
            .clone()
            .ok_or_else(|| ProfilesError::Internal("a Tenant without a name".into()))?;
        let table = match resource.spec.isolation {
            Isolation::Pooled => self.shared_table.clone(),
            Isolation::Siloed => self.siloed_table(&tenant, resource).await?,
        };
        Ok(TenantTable { tenant, table })
    }

    async fn siloed_table(&self, tenant: &str, resource: &Tenant) -> Result<String> {
        let uid = resource.metadata.uid.clone().unwrap_or_default();
        if let Some(table) = self.remembered(&uid) {
            return Ok(table);
        }
        let status = resource.status.as_ref();
        let namespace = status
            .and_then(|s| s.namespace.clone())
            .unwrap_or_else(|| saascript_crds::names::tenant_namespace(tenant));
        let secret_name = status
            .and_then(|s| s.credentials_secret.clone())
            .unwrap_or_else(|| CREDENTIALS_SECRET.to_string());
        let secret = Api::<Secret>::namespaced(self.kube.clone(), &namespace)
            .get_opt(&secret_name)
            .await?;
        let table = secret
            .as_ref()
            .and_then(|s| s.data.as_ref())
            .and_then(|data| data.get(TABLE_KEY))
            .and_then(|value| String::from_utf8(value.0.clone()).ok())
            .map(|value| value.trim().to_string())
            .filter(|value| !value.is_empty())
            .ok_or_else(|| {
                ProfilesError::NotReady(format!(
                    "the profiles table of tenant {tenant} is not provisioned yet"
                ))
            })?;
        if !is_table_name(&table) {
            return Err(ProfilesError::Internal(format!(
                "the credentials Secret of tenant {tenant} names no valid table"
            )));
        }
        if let Ok(mut siloed) = self.siloed.write() {
            siloed.insert(uid, table.clone());
        }
        Ok(table)
    }

    fn remembered(&self, uid: &str) -> Option<String> {
        self.siloed.read().ok()?.get(uid).cloned()
    }
}

/// DynamoDB's rule for table names: 3 to 255 of `[A-Za-z0-9_.-]`.
fn is_table_name(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

#[cfg(test)]
mod tests {
    use super::is_table_name;

    #[test]
    fn table_names_follow_dynamodb() {
        assert!(is_table_name("saascript-profiles-acme"));
        assert!(!is_table_name("ab"));
        assert!(!is_table_name("a table"));
    }
}
