//! Billing's reads and writes of the Kubernetes API: the Tenant (its plan) and the tenant's
//! Subscription (billing's half of its status: what Stripe says). The operator owns the other
//! half (entitlements, conditions); merge patches of disjoint fields keep the two from
//! overwriting each other.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::Api;
use kube::api::{Patch, PatchParams};
use saascript_crds::names::tenant_namespace;
use saascript_crds::{StripeState, Subscription, Tenant};
use serde_json::json;

use crate::error::{BillingError, Result};

/// What billing writes into `Subscription.status`: Stripe's view of the subscription.
#[derive(Clone, Debug, PartialEq)]
pub struct StripeMirror {
    pub customer_id: String,
    pub subscription_id: String,
    pub state: StripeState,
    pub confirmed_plan: Option<String>,
    pub current_period_end: Option<i64>,
    pub cancel_at_period_end: bool,
}

#[derive(Clone)]
pub struct Kubernetes {
    client: kube::Client,
}

impl Kubernetes {
    pub fn new(client: kube::Client) -> Kubernetes {
        Kubernetes { client }
    }

    pub async fn tenant(&self, tenant: &str) -> Result<Option<Tenant>> {
        Ok(Api::<Tenant>::all(self.client.clone())
            .get_opt(tenant)
            .await?)
    }

    /// The Tenant, or a 404 problem.
    pub async fn existing_tenant(&self, tenant: &str) -> Result<Tenant> {
        self.tenant(tenant)
            .await?
            .ok_or_else(|| BillingError::NotFound(format!("there is no tenant {tenant}")))
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
    /// Only if the Tenant is still as `read` (its resourceVersion): a plan that an admin set in
    /// between is never overwritten; the conflict fails the call, and the webhook's redelivery
    /// decides again on what is there then.
    pub async fn set_tenant_plan(&self, read: &Tenant, plan: &str) -> Result<()> {
        let name = read.metadata.name.clone().unwrap_or_default();
        let patch = json!({
            "metadata": { "resourceVersion": read.metadata.resource_version },
            "spec": { "plan": plan },
        });
        Api::<Tenant>::all(self.client.clone())
            .patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
            .await?;
        Ok(())
    }
}
