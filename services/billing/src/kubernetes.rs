//! Billing's reads and writes of the Kubernetes API: the Tenant (its plan) and the tenant's
//! Subscription (billing's half of its status: what Stripe says). The operator owns the other
//! half (entitlements, conditions); merge patches of disjoint fields keep the two from
//! overwriting each other.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::Api;
use kube::api::{ListParams, Patch, PatchParams};
use saascript_crds::names::tenant_namespace;
use saascript_crds::{Subscription, Tenant};
use serde_json::json;

use crate::decisions::StripeMirror;
use crate::error::{BillingError, Result};

/// Billing's finalizer on a Tenant: its Stripe subscriptions are canceled before it goes.
pub const FINALIZER: &str = "billing.saascript.io/stripe";

#[derive(Clone)]
pub struct Kubernetes {
    client: kube::Client,
}

impl Kubernetes {
    pub fn new(client: kube::Client) -> Kubernetes {
        Kubernetes { client }
    }

    pub fn client(&self) -> kube::Client {
        self.client.clone()
    }

    /// The Tenant, or None when there is none (also while the Tenant CRD itself is gone, when
    /// the API server answers 404 without a Status).
    pub async fn tenant(&self, tenant: &str) -> Result<Option<Tenant>> {
        match Api::<Tenant>::all(self.client.clone()).get(tenant).await {
            Ok(found) => Ok(Some(found)),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The Tenant, or a 404 problem.
    pub async fn existing_tenant(&self, tenant: &str) -> Result<Tenant> {
        self.tenant(tenant)
            .await?
            .ok_or_else(|| BillingError::NotFound(format!("there is no tenant {tenant}")))
    }

    /// Whether `selector` picks the Tenant named `tenant` (the API server evaluates it).
    pub async fn tenant_selected(&self, tenant: &str, selector: &str) -> Result<bool> {
        let params = ListParams::default()
            .labels(selector)
            .fields(&format!("metadata.name={tenant}"));
        let found = Api::<Tenant>::all(self.client.clone())
            .list_metadata(&params)
            .await?;
        Ok(!found.items.is_empty())
    }

    /// The Tenant, unless it is being deleted (409: billing closes a deleted tenant's
    /// subscriptions and starts none), or a 404 problem.
    pub async fn tenant_to_bill(&self, tenant: &str) -> Result<Tenant> {
        let resource = self.existing_tenant(tenant).await?;
        if resource.metadata.deletion_timestamp.is_some() {
            return Err(crate::error::billing_closed(tenant));
        }
        Ok(resource)
    }

    /// The tenant's Subscription (named after the tenant, in its namespace).
    pub async fn subscription(&self, tenant: &str) -> Result<Option<Subscription>> {
        Ok(self.subscriptions(tenant).get_opt(tenant).await?)
    }

    /// The tenant's Subscription, or a 503 while the operator has not created it yet.
    pub async fn existing_subscription(&self, tenant: &str) -> Result<Subscription> {
        self.subscription(tenant).await?.ok_or_else(|| {
            BillingError::NotYet(format!(
                "tenant {tenant} has no Subscription yet; the operator creates it while \
                 provisioning the tenant"
            ))
        })
    }

    fn subscriptions(&self, tenant: &str) -> Api<Subscription> {
        Api::namespaced(self.client.clone(), &tenant_namespace(tenant))
    }

    pub async fn write_mirror(&self, tenant: &str, mirror: &StripeMirror) -> Result<()> {
        let period_end = match mirror.current_period_end {
            Some(seconds) => Some(Time(
                jiff::Timestamp::from_second(seconds)
                    .map_err(|e| BillingError::Internal(format!("period end: {e}")))?,
            )),
            None => None,
        };
        let patch = json!({
            "status": {
                "stripeCustomerId": mirror.customer_id,
                "stripeSubscriptionId": mirror.subscription_id,
                "state": mirror.state,
                "confirmedPlan": mirror.confirmed_plan,
                "currentPeriodEnd": period_end,
                "cancelAtPeriodEnd": mirror.cancel_at_period_end,
            }
        });
        self.subscriptions(tenant)
            .patch_status(tenant, &PatchParams::default(), &Patch::Merge(&patch))
            .await?;
        Ok(())
    }

    pub async fn write_customer(&self, tenant: &str, customer_id: &str) -> Result<()> {
        let patch = json!({ "status": { "stripeCustomerId": customer_id } });
        match self
            .subscriptions(tenant)
            .patch_status(tenant, &PatchParams::default(), &Patch::Merge(&patch))
            .await
        {
            Ok(_) => Ok(()),
            // Not created yet: the next webhook's sync writes the customer with the rest.
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Sets `Tenant.spec.plan`: the one place a plan is declared (DESIGN.md, "One declared plan").
    /// Only if nobody declared another plan since `read`: a plan that an admin set in between is
    /// never overwritten (a 409 conflict; the webhook's redelivery decides again on what is there
    /// then). Other writes in between (the operator's status, a finalizer) move the
    /// resourceVersion too; those are no reason to fail, so the patch is tried again on the
    /// Tenant as it is now.
    pub async fn set_tenant_plan(&self, read: &Tenant, plan: &str) -> Result<()> {
        let name = read.metadata.name.clone().unwrap_or_default();
        let api = Api::<Tenant>::all(self.client.clone());
        let mut current = read.clone();
        for _ in 0..5 {
            if current.metadata.uid != read.metadata.uid || current.spec.plan != read.spec.plan {
                return Err(BillingError::Conflict(format!(
                    "the plan of tenant {name} changed while billing was setting it; try again"
                )));
            }
            let patch = json!({
                "metadata": { "resourceVersion": current.metadata.resource_version },
                "spec": { "plan": plan },
            });
            match api
                .patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
            {
                Ok(_) => return Ok(()),
                Err(kube::Error::Api(status)) if status.code == 409 => {
                    current = api.get(&name).await?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(BillingError::Conflict(format!(
            "tenant {name} kept changing while billing was setting its plan; try again"
        )))
    }

    /// Adds `finalizer` to the Tenant `read` (the same uid): 409 if it is being deleted, 404 if
    /// it is gone (nothing may be billed to it then).
    pub async fn add_tenant_finalizer(&self, read: &Tenant, finalizer: &str) -> Result<()> {
        let gone = |name: &str| Err(BillingError::NotFound(format!("there is no tenant {name}")));
        self.change_tenant_finalizers(read, gone, |current, finalizers| {
            if finalizers.iter().any(|f| f == finalizer) {
                return Ok(false);
            }
            if current.metadata.deletion_timestamp.is_some() {
                return Err(crate::error::billing_closed(
                    current.metadata.name.as_deref().unwrap_or_default(),
                ));
            }
            finalizers.push(finalizer.to_string());
            Ok(true)
        })
        .await
    }

    /// Removes `finalizer` from the Tenant `read`, if it is still there.
    pub async fn remove_tenant_finalizer(&self, read: &Tenant, finalizer: &str) -> Result<()> {
        self.change_tenant_finalizers(
            read,
            |_| Ok(()),
            |_, finalizers| {
                let before = finalizers.len();
                finalizers.retain(|f| f != finalizer);
                Ok(finalizers.len() != before)
            },
        )
        .await
    }

    /// Applies `change` to the Tenant's finalizers as they are now. The merge patch carries the
    /// whole list and the resourceVersion read, so a finalizer another writer (the operator)
    /// added or removed in between is never lost: a conflict reads again and retries. A Tenant
    /// that is gone (or replaced by a new one of the same name) gets `if_gone`.
    async fn change_tenant_finalizers(
        &self,
        read: &Tenant,
        if_gone: impl Fn(&str) -> Result<()>,
        change: impl Fn(&Tenant, &mut Vec<String>) -> Result<bool>,
    ) -> Result<()> {
        let name = read.metadata.name.clone().unwrap_or_default();
        let api = Api::<Tenant>::all(self.client.clone());
        for _ in 0..5 {
            let Some(current) = api
                .get_opt(&name)
                .await?
                .filter(|current| current.metadata.uid == read.metadata.uid)
            else {
                return if_gone(&name);
            };
            let mut finalizers = current.metadata.finalizers.clone().unwrap_or_default();
            if !change(&current, &mut finalizers)? {
                return Ok(());
            }
            let patch = json!({
                "metadata": {
                    "resourceVersion": current.metadata.resource_version,
                    "finalizers": finalizers,
                },
            });
            match api
                .patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
            {
                Ok(_) => return Ok(()),
                Err(kube::Error::Api(status)) if status.code == 409 => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(BillingError::Internal(format!(
            "the finalizers of tenant {name} kept changing under billing's patch"
        )))
    }
}
