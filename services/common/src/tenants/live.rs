//! The live Tenant of a name, read from the Kubernetes API, and its uid.
//! A name is reused once its Tenant is deleted; the uid is not, so identity is bound to it.
//!
//! Tokens are minted only after a read of the Tenant itself (not of a watch cache), so a Tenant
//! deleted and re-created under its name a moment ago is never mistaken for the old one.

use kube::api::Api;
use saascript_crds::Tenant;

/// The API server did not answer: nothing is decided on a guess.
#[derive(Debug, thiserror::Error)]
#[error("the Kubernetes API cannot be read")]
pub struct TenantsUnavailable;

/// Why an identity bound to a Tenant's uid is refused.
#[derive(Debug, thiserror::Error)]
pub enum TenantRefusal {
    #[error(transparent)]
    Unavailable(#[from] TenantsUnavailable),
    /// The Tenant is gone, or its name now belongs to a later Tenant.
    #[error("the tenant {0} is gone")]
    Gone(String),
}

/// A Tenant as identity is bound to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveTenant {
    pub name: String,
    pub uid: String,
    /// When this Tenant (this uid) was created, RFC 3339.
    pub created: String,
}

impl LiveTenant {
    /// The Tenant, unless it is being deleted: an organisation on its way out mints nothing and
    /// keeps no members.
    pub fn of(tenant: &Tenant) -> Option<LiveTenant> {
        let meta = &tenant.metadata;
        if meta.deletion_timestamp.is_some() {
            return None;
        }
        Some(LiveTenant {
            name: meta.name.clone()?,
            uid: meta.uid.clone()?,
            created: meta.creation_timestamp.as_ref()?.0.to_string(),
        })
    }
}

#[derive(Clone)]
pub struct TenantApi {
    api: Api<Tenant>,
}

impl TenantApi {
    pub fn new(client: kube::Client) -> TenantApi {
        TenantApi {
            api: Api::all(client),
        }
    }

    pub fn api(&self) -> Api<Tenant> {
        self.api.clone()
    }

    /// The live Tenant named `name` as the API server has it now, or None when there is none
    /// (or it is being deleted). An API server that does not answer is an error.
    pub async fn get(&self, name: &str) -> Result<Option<Tenant>, TenantsUnavailable> {
        match self.api.get_opt(name).await {
            Ok(tenant) => Ok(tenant.filter(|t| LiveTenant::of(t).is_some())),
            Err(e) => {
                tracing::warn!(error = %e, tenant = name, "cannot read the Tenant");
                Err(TenantsUnavailable)
            }
        }
    }

    /// The live Tenant named `name`, or None when there is none (or it is being deleted).
    pub async fn live(&self, name: &str) -> Result<Option<LiveTenant>, TenantsUnavailable> {
        Ok(self.get(name).await?.as_ref().and_then(LiveTenant::of))
    }

    /// The uid of the live Tenant named `name`, or None when there is none.
    pub async fn live_uid(&self, name: &str) -> Result<Option<String>, TenantsUnavailable> {
        Ok(self.live(name).await?.map(|t| t.uid))
    }

    /// Whether the live Tenant named `name` has `uid` (false for a later Tenant of the name).
    pub async fn is_live(&self, name: &str, uid: &str) -> Result<bool, TenantsUnavailable> {
        Ok(self.live_uid(name).await?.is_some_and(|live| live == uid))
    }

    /// Err unless the live Tenant named `name` has `uid`.
    pub async fn require(&self, name: &str, uid: &str) -> Result<(), TenantRefusal> {
        if self.is_live(name, uid).await? {
            Ok(())
        } else {
            Err(TenantRefusal::Gone(name.to_string()))
        }
    }
}
