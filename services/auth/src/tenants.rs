//! What auth knows of Tenants, from the Kubernetes API: the uid of the live Tenant of a name.
//! A name is reused once its Tenant is deleted; the uid is not, so identity is bound to it.
//!
//! Tokens are minted only after a read of the Tenant itself (not of a watch cache), so a Tenant
//! deleted and re-created under its name a moment ago is never mistaken for the old one. The
//! gateway keeps its own reflector (services/gateway/src/tenants.rs); both are meant to become
//! one shared Tenant-access module in services/common.

use kube::api::Api;
use saascript_crds::Tenant;

use crate::error::{AuthError, Result};

/// A Tenant as auth binds identity to it.
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
pub struct Tenants {
    api: Api<Tenant>,
}

impl Tenants {
    pub fn new(client: kube::Client) -> Tenants {
        Tenants {
            api: Api::all(client),
        }
    }

    pub fn api(&self) -> Api<Tenant> {
        self.api.clone()
    }

    /// The uid of the live Tenant named `name`, or None when there is none (or it is being
    /// deleted). An API server that does not answer is an error: no token is minted on a guess.
    pub async fn live_uid(&self, name: &str) -> Result<Option<String>> {
        match self.api.get_opt(name).await {
            Ok(tenant) => Ok(tenant.as_ref().and_then(LiveTenant::of).map(|t| t.uid)),
            Err(e) => {
                tracing::warn!(error = %e, tenant = name, "cannot read the Tenant");
                Err(AuthError::TenantsUnavailable)
            }
        }
    }

    /// Err(TenantGone) unless the live Tenant named `name` has `uid`.
    pub async fn require(&self, name: &str, uid: &str) -> Result<()> {
        match self.live_uid(name).await? {
            Some(live) if live == uid => Ok(()),
            _ => Err(AuthError::TenantGone(name.to_string())),
        }
    }
}
