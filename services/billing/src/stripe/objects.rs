//! What billing reads of Stripe's objects. Every field but the id is optional, so that an object
//! from another API version (or from the local fake) still reads; the code decides what a
//! missing field means.

use std::collections::BTreeMap;

use miniserde::Deserialize;
use saascript_crds::StripeState;

#[derive(Clone, Debug, Deserialize)]
pub struct Customer {
    pub id: String,
    pub email: Option<String>,
    pub metadata: Option<BTreeMap<String, String>>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct IdOnly {
    pub id: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct SubscriptionItem {
    pub id: String,
    /// The price (current API) ...
    pub price: Option<IdOnly>,
    /// ... or the plan (older API versions and the local fake); the same id either way.
    pub plan: Option<IdOnly>,
    /// Where the current API keeps the period.
    pub current_period_end: Option<i64>,
}

impl SubscriptionItem {
    pub fn price_id(&self) -> Option<&str> {
        self.price
            .as_ref()
            .or(self.plan.as_ref())
            .map(|p| p.id.as_str())
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct ItemList {
    pub data: Vec<SubscriptionItem>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct CancellationDetails {
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Subscription {
    pub id: String,
    pub customer: Option<String>,
    pub status: Option<String>,
    pub cancel_at_period_end: Option<bool>,
    /// Where older API versions keep the period.
    pub current_period_end: Option<i64>,
    pub cancellation_details: Option<CancellationDetails>,
    pub items: Option<ItemList>,
    pub metadata: Option<BTreeMap<String, String>>,
    pub latest_invoice: Option<String>,
}

impl Subscription {
    /// Its state, if Stripe sent one billing knows.
    pub fn state(&self) -> Option<StripeState> {
        self.status.as_deref().and_then(StripeState::from_stripe)
    }

    /// Over for good (canceled or expired): it can be neither changed nor resumed.
    pub fn is_over(&self) -> bool {
        self.state().is_some_and(StripeState::is_over)
    }

    pub fn item(&self) -> Option<&SubscriptionItem> {
        self.items.as_ref().and_then(|items| items.data.first())
    }

    pub fn price_id(&self) -> Option<&str> {
        self.item().and_then(SubscriptionItem::price_id)
    }

    pub fn period_end(&self) -> Option<i64> {
        self.item()
            .and_then(|item| item.current_period_end)
            .or(self.current_period_end)
    }

    pub fn tenant(&self) -> Option<&str> {
        self.metadata_value("tenant")
    }

    /// The uid of the Tenant it was created for (billing writes both into the metadata).
    pub fn tenant_uid(&self) -> Option<&str> {
        self.metadata_value("tenant_uid")
    }

    fn metadata_value(&self, key: &str) -> Option<&str> {
        self.metadata
            .as_ref()
            .and_then(|m| m.get(key))
            .map(String::as_str)
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct SubscriptionDetails {
    pub subscription: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct InvoiceParent {
    pub subscription_details: Option<SubscriptionDetails>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Invoice {
    pub id: String,
    pub customer: Option<String>,
    /// Older API versions ...
    pub subscription: Option<String>,
    /// ... and the current one.
    pub parent: Option<InvoiceParent>,
    pub status: Option<String>,
    pub number: Option<String>,
    pub currency: Option<String>,
    pub amount_due: Option<i64>,
    pub amount_paid: Option<i64>,
    pub total: Option<i64>,
    pub created: Option<i64>,
    pub period_end: Option<i64>,
    pub hosted_invoice_url: Option<String>,
}

impl Invoice {
    pub fn subscription_id(&self) -> Option<&str> {
        self.subscription.as_deref().or_else(|| {
            self.parent
                .as_ref()
                .and_then(|p| p.subscription_details.as_ref())
                .and_then(|d| d.subscription.as_deref())
        })
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct Charge {
    pub id: String,
    pub customer: Option<String>,
    pub invoice: Option<String>,
    pub amount: Option<i64>,
    pub amount_refunded: Option<i64>,
    pub refunded: Option<bool>,
    pub currency: Option<String>,
}

/// An object that Stripe lists, paged by its id (`starting_after`).
pub trait Listed {
    fn id(&self) -> &str;
}

impl Listed for Subscription {
    fn id(&self) -> &str {
        &self.id
    }
}

impl Listed for HostedSession {
    fn id(&self) -> &str {
        &self.id
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct List<T> {
    pub data: Vec<T>,
    pub has_more: Option<bool>,
}

/// A Checkout Session or a Customer Portal session: what the browser is sent to.
#[derive(Clone, Debug, Deserialize)]
pub struct HostedSession {
    pub id: String,
    pub url: Option<String>,
}
