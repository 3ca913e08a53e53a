//! Billing's decisions, pure so that every rule is tested on plain values: what a Stripe
//! subscription means for a tenant (the status to mirror, whether the tenant's plan changes),
//! and whether a Tenant's deletion proceeds. The workflows that act on them stack on top:
//! `subscription_sync` (Stripe → Kubernetes), `crd_reinstall`, then `tenant_deletion`.

use saascript_catalog::{Billing, Catalog};
use saascript_crds::{StripeState, SubscriptionStatus, Tenant};

use crate::stripe::objects::Subscription;

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

/// Whether the Tenant is being deleted for real: marked for deletion and not held by
/// `preventDeletion` (a blocked deletion keeps the tenant, and its billing, as they are).
pub fn deletion_proceeds(tenant: &Tenant) -> bool {
    tenant.metadata.deletion_timestamp.is_some() && !tenant.spec.prevent_deletion
}

#[derive(Debug, PartialEq)]
pub enum Decision {
    /// Nothing to write, and why.
    Ignore(String),
    Apply {
        mirror: StripeMirror,
        /// The new `Tenant.spec.plan`, when Stripe confirms a change.
        tenant_plan: Option<String>,
    },
}

/// Decides what `subscription` (as just fetched from Stripe) means for the tenant whose
/// Subscription status is `current` and whose declared plan is `tenant_plan`.
pub fn decide(
    subscription: &Subscription,
    customer_id: &str,
    catalog: &Catalog,
    current: Option<&SubscriptionStatus>,
    tenant_plan: &str,
) -> Decision {
    let Some(state) = subscription.state() else {
        return Decision::Ignore(format!(
            "subscription {} has an unknown state {:?}",
            subscription.id, subscription.status
        ));
    };
    let over = matches!(
        state,
        StripeState::Canceled | StripeState::IncompleteExpired
    );
    if let Some(recorded) = current.and_then(|s| s.stripe_subscription_id.as_deref())
        && recorded != subscription.id
        && over
    {
        // A late event about an earlier subscription must not undo the current one.
        return Decision::Ignore(format!(
            "subscription {} is over and the tenant's current one is {recorded}",
            subscription.id
        ));
    }
    let confirmed_plan = subscription
        .price_id()
        .and_then(|price| catalog.plan_for_stripe_price(price))
        .map(str::to_string);
    let cancel_at_period_end = subscription.cancel_at_period_end.unwrap_or(false);
    let declared_billing = catalog.plan(tenant_plan).map(|p| p.billing());
    // A contract plan is set by a platform admin; Stripe never overrides it.
    let contract = matches!(declared_billing, Some(Billing::InvoicedOutsideStripe));
    let tenant_plan_change = match state {
        StripeState::Active | StripeState::Trialing if !contract => confirmed_plan
            .as_deref()
            .filter(|plan| *plan != tenant_plan)
            .map(str::to_string),
        StripeState::Canceled if !contract && cancellation_requested(subscription) => {
            // The tenant asked to leave the paid plan: it returns to the default plan. A
            // subscription that Stripe canceled for lack of payment keeps the declared plan, and
            // the operator suspends the tenant after the grace period.
            let paid_plan = matches!(declared_billing, Some(Billing::Stripe { .. }));
            (paid_plan && tenant_plan != catalog.default_plan())
                .then(|| catalog.default_plan().to_string())
        }
        _ => None,
    };
    Decision::Apply {
        mirror: StripeMirror {
            customer_id: customer_id.to_string(),
            subscription_id: subscription.id.clone(),
            state,
            confirmed_plan,
            current_period_end: subscription.period_end(),
            cancel_at_period_end,
        },
        tenant_plan: tenant_plan_change,
    }
}

fn cancellation_requested(subscription: &Subscription) -> bool {
    subscription.cancel_at_period_end.unwrap_or(false)
        || subscription
            .cancellation_details
            .as_ref()
            .and_then(|d| d.reason.as_deref())
            == Some("cancellation_requested")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stripe::objects::{CancellationDetails, IdOnly, ItemList, SubscriptionItem};

    fn catalog() -> Catalog {
        Catalog::from_yaml(include_str!("../../../config/plans.yaml")).unwrap()
    }

    fn subscription(id: &str, status: &str, price: &str) -> Subscription {
        Subscription {
            id: id.into(),
            customer: Some("cus_1".into()),
            status: Some(status.into()),
            cancel_at_period_end: Some(false),
            current_period_end: Some(1_800_000_000),
            cancellation_details: None,
            items: Some(ItemList {
                data: vec![SubscriptionItem {
                    id: "si_1".into(),
                    price: None,
                    plan: Some(IdOnly { id: price.into() }),
                    current_period_end: None,
                }],
            }),
            metadata: None,
            latest_invoice: None,
        }
    }

    const PRO: &str = "price_saascript_pro_monthly";

    fn apply(decision: Decision) -> (StripeMirror, Option<String>) {
        match decision {
            Decision::Apply {
                mirror,
                tenant_plan,
            } => (mirror, tenant_plan),
            Decision::Ignore(why) => panic!("ignored: {why}"),
        }
    }

    #[test]
    fn an_active_subscription_confirms_its_plan() {
        let (mirror, plan) = apply(decide(
            &subscription("sub_1", "active", PRO),
            "cus_1",
            &catalog(),
            None,
            "free",
        ));
        assert_eq!(mirror.state, StripeState::Active);
        assert_eq!(mirror.confirmed_plan.as_deref(), Some("pro"));
        assert_eq!(mirror.current_period_end, Some(1_800_000_000));
        assert_eq!(plan.as_deref(), Some("pro"));
    }

    #[test]
    fn an_unpaid_or_incomplete_subscription_changes_no_plan() {
        for state in ["incomplete", "past_due", "unpaid"] {
            let (mirror, plan) = apply(decide(
                &subscription("sub_1", state, PRO),
                "cus_1",
                &catalog(),
                None,
                "free",
            ));
            assert_eq!(mirror.confirmed_plan.as_deref(), Some("pro"));
            assert_eq!(plan, None, "{state}");
        }
    }

    #[test]
    fn a_requested_cancellation_returns_the_tenant_to_the_default_plan() {
        let mut sub = subscription("sub_1", "canceled", PRO);
        sub.cancellation_details = Some(CancellationDetails {
            reason: Some("cancellation_requested".into()),
        });
        let (_, plan) = apply(decide(&sub, "cus_1", &catalog(), None, "pro"));
        assert_eq!(plan.as_deref(), Some("free"));
    }

    #[test]
    fn a_cancellation_for_lack_of_payment_keeps_the_plan_for_the_grace_period_rule() {
        let (mirror, plan) = apply(decide(
            &subscription("sub_1", "canceled", PRO),
            "cus_1",
            &catalog(),
            None,
            "pro",
        ));
        assert_eq!(mirror.state, StripeState::Canceled);
        assert_eq!(plan, None);
    }

    #[test]
    fn a_late_event_about_an_earlier_subscription_is_ignored() {
        let current = SubscriptionStatus {
            stripe_subscription_id: Some("sub_2".into()),
            ..Default::default()
        };
        assert!(matches!(
            decide(
                &subscription("sub_1", "canceled", PRO),
                "cus_1",
                &catalog(),
                Some(&current),
                "pro"
            ),
            Decision::Ignore(_)
        ));
        // A live one replaces the recorded one (a new subscription after a cancellation).
        let (mirror, _) = apply(decide(
            &subscription("sub_3", "active", PRO),
            "cus_1",
            &catalog(),
            Some(&current),
            "pro",
        ));
        assert_eq!(mirror.subscription_id, "sub_3");
    }

    #[test]
    fn a_contract_plan_is_never_overridden_by_stripe() {
        let (_, plan) = apply(decide(
            &subscription("sub_1", "active", PRO),
            "cus_1",
            &catalog(),
            None,
            "enterprise",
        ));
        assert_eq!(plan, None);
    }

    #[test]
    fn an_unknown_price_confirms_no_plan_and_an_unknown_state_is_ignored() {
        let (mirror, plan) = apply(decide(
            &subscription("sub_1", "active", "price_other"),
            "cus_1",
            &catalog(),
            None,
            "free",
        ));
        assert_eq!(mirror.confirmed_plan, None);
        assert_eq!(plan, None);
        assert!(matches!(
            decide(
                &subscription("sub_1", "bogus", PRO),
                "cus_1",
                &catalog(),
                None,
                "free"
            ),
            Decision::Ignore(_)
        ));
    }
}
