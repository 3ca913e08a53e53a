//! The Subscription CRD: a tenant's plan as billing sees it, mirroring Stripe in its status.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::condition::Condition;
use crate::entitlements::Entitlements;

/// The state of the subscription in Stripe, as Stripe names it: incomplete, incomplete_expired,
/// trialing, active, past_due, canceled, unpaid or paused.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum StripeState {
    Incomplete,
    IncompleteExpired,
    Trialing,
    Active,
    PastDue,
    Canceled,
    Unpaid,
    Paused,
}

impl StripeState {
    pub const ALL: [StripeState; 8] = [
        StripeState::Incomplete,
        StripeState::IncompleteExpired,
        StripeState::Trialing,
        StripeState::Active,
        StripeState::PastDue,
        StripeState::Canceled,
        StripeState::Unpaid,
        StripeState::Paused,
    ];

    /// The name Stripe uses, which is also how the status shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            StripeState::Incomplete => "incomplete",
            StripeState::IncompleteExpired => "incomplete_expired",
            StripeState::Trialing => "trialing",
            StripeState::Active => "active",
            StripeState::PastDue => "past_due",
            StripeState::Canceled => "canceled",
            StripeState::Unpaid => "unpaid",
            StripeState::Paused => "paused",
        }
    }

    /// The state of that Stripe name, if it is one.
    pub fn from_stripe(name: &str) -> Option<StripeState> {
        StripeState::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Over for good: canceled, or expired before its first payment went through.
    pub fn is_over(self) -> bool {
        matches!(self, StripeState::Canceled | StripeState::IncompleteExpired)
    }
}

/// A tenant's subscription. It lives in the tenant's namespace. The operator keeps `spec.plan`
/// equal to the Tenant's plan; billing writes what Stripe says into the status.
#[derive(CustomResource, Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[kube(
    group = "saascript.io",
    version = "v1alpha1",
    kind = "Subscription",
    plural = "subscriptions",
    namespaced,
    shortname = "sub",
    category = "saascript",
    status = "SubscriptionStatus",
    derive = "PartialEq",
    doc = "A tenant's subscription, mirroring its state in Stripe.",
    printcolumn(name = "Tenant", type_ = "string", json_path = ".spec.tenant"),
    printcolumn(name = "Plan", type_ = "string", json_path = ".spec.plan"),
    printcolumn(name = "State", type_ = "string", json_path = ".status.state"),
    printcolumn(
        // A string, not a date: kubectl shows a date column as an age, which a future time has not.
        name = "Period-End",
        type_ = "string",
        json_path = ".status.currentPeriodEnd"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionSpec {
    /// The name of the Tenant this subscription belongs to.
    #[schemars(length(min = 1, max = 40), pattern(r"^[a-z]([-a-z0-9]*[a-z0-9])?$"))]
    pub tenant: String,
    /// The plan from the plan catalog. The operator keeps it equal to the Tenant's `spec.plan`.
    #[schemars(length(min = 1, max = 63), pattern(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))]
    pub plan: String,
}

/// What Stripe last said about the subscription, and what is in force because of it.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionStatus {
    /// The Stripe customer id (`cus_...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 255))]
    pub stripe_customer_id: Option<String>,
    /// The Stripe subscription id (`sub_...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 255))]
    pub stripe_subscription_id: Option<String>,
    /// The subscription's state in Stripe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<StripeState>,
    /// The plan that Stripe has confirmed; it can lag behind `spec.plan` during a change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 63))]
    pub confirmed_plan: Option<String>,
    /// When the current billing period ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_period_end: Option<Time>,
    /// Whether the subscription ends at the end of the current period.
    #[serde(default)]
    pub cancel_at_period_end: bool,
    /// True while the tenant is suspended because payment has lapsed (past_due, unpaid or
    /// canceled) for longer than the grace period. Set by the operator; lifted once the
    /// subscription is active again.
    #[serde(default)]
    pub suspended: bool,
    /// When payment lapsed (the subscription became past_due, unpaid or canceled); the grace
    /// period runs from here. Cleared when payment is in order again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_lapsed_since: Option<Time>,
    /// The entitlements in force for the tenant because of this subscription.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entitlements: Option<Entitlements>,
    /// The `.metadata.generation` that this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Synced and PaymentOK, each with a reason and a message.
    #[serde(default)]
    pub conditions: Vec<Condition>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_names_are_the_serialized_ones_and_read_back() {
        for state in StripeState::ALL {
            assert_eq!(
                serde_json::to_value(state).unwrap(),
                serde_json::Value::String(state.as_str().into())
            );
            assert_eq!(StripeState::from_stripe(state.as_str()), Some(state));
        }
        assert_eq!(StripeState::from_stripe("bogus"), None);
    }
}
