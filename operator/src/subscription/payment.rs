//! What a Subscription means for its tenant: the plan whose entitlements are in force, whether
//! payment is in order, and whether the tenant is suspended for a lapse past the grace period.
//! Pure: the clock's reading and the previous status are values.

use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use saascript_catalog::{Billing, Catalog};
use saascript_crds::{StripeState, SubscriptionStatus};

pub use saascript_crds::condition_types::{PAYMENT_OK, SYNCED};

#[derive(Clone, Debug, PartialEq)]
pub struct ConditionValue {
    pub ok: bool,
    pub reason: &'static str,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// The plan whose entitlements the tenant gets.
    pub plan_in_force: String,
    pub synced: ConditionValue,
    pub payment_ok: ConditionValue,
    /// Since when payment has lapsed, if it has.
    pub lapsed_since: Option<Time>,
    /// Lapsed for longer than the grace period: the tenant is suspended.
    pub suspended: bool,
    /// When to look again: the end of a running grace period.
    pub recheck_in: Option<Duration>,
}

fn value(ok: bool, reason: &'static str, message: impl Into<String>) -> ConditionValue {
    ConditionValue {
        ok,
        reason,
        message: message.into(),
    }
}

/// Evaluates the Subscription whose `spec.plan` is `declared` and whose status (billing's mirror
/// of Stripe, and this evaluation's previous result) is `status`.
pub fn evaluate(
    declared: &str,
    status: Option<&SubscriptionStatus>,
    catalog: &Catalog,
    now: &Time,
    grace: Duration,
) -> Evaluation {
    let default = catalog.default_plan().to_string();
    let at_once =
        |plan_in_force: String, synced: ConditionValue, payment: ConditionValue| Evaluation {
            plan_in_force,
            synced,
            payment_ok: payment,
            lapsed_since: None,
            suspended: false,
            recheck_in: None,
        };
    let Some(plan) = catalog.plan(declared) else {
        return at_once(
            default,
            value(
                false,
                "UnknownPlan",
                format!("plan {declared:?} is not in the plan catalog"),
            ),
            value(false, "UnknownPlan", "no plan to pay for"),
        );
    };
    match plan.billing() {
        Billing::Free => {
            return at_once(
                declared.to_string(),
                value(
                    true,
                    "TakesEffectAtOnce",
                    format!("plan {declared} is free"),
                ),
                value(true, "NoPaymentNeeded", format!("plan {declared} is free")),
            );
        }
        Billing::InvoicedOutsideStripe => {
            return at_once(
                declared.to_string(),
                value(
                    true,
                    "TakesEffectAtOnce",
                    format!("plan {declared} is invoiced outside Stripe"),
                ),
                value(
                    true,
                    "InvoicedOutsideStripe",
                    format!("plan {declared} is paid by contract"),
                ),
            );
        }
        Billing::Stripe { .. } => {}
    }
    let status = status.cloned().unwrap_or_default();
    let Some(state) = status.state else {
        return at_once(
            default.clone(),
            value(
                false,
                "AwaitingStripe",
                format!("no Stripe subscription for plan {declared} yet"),
            ),
            value(
                false,
                "AwaitingPayment",
                format!("the {default} plan is in force until Stripe confirms {declared}"),
            ),
        );
    };
    let confirmed = status
        .confirmed_plan
        .clone()
        .filter(|p| catalog.plan(p).is_some());
    let synced = match &confirmed {
        Some(p) if p == declared => value(
            true,
            "Confirmed",
            format!("Stripe confirms plan {declared}"),
        ),
        Some(p) => value(
            false,
            "PlanChangePending",
            format!("Stripe has plan {p}; waiting for it to confirm {declared}"),
        ),
        None => value(
            false,
            "UnknownStripePrice",
            "the Stripe subscription's price is not in the plan catalog",
        ),
    };
    let paid_plan = confirmed.clone().unwrap_or_else(|| default.clone());
    let lapse_reason = match state {
        StripeState::Active | StripeState::Trialing => {
            let reason = if state == StripeState::Active {
                "Active"
            } else {
                "Trialing"
            };
            return Evaluation {
                plan_in_force: paid_plan,
                synced,
                payment_ok: value(
                    true,
                    reason,
                    format!("the subscription is {}", state.as_str()),
                ),
                lapsed_since: None,
                suspended: false,
                recheck_in: None,
            };
        }
        StripeState::Incomplete | StripeState::IncompleteExpired => {
            // The first payment has not gone through (or never will): nothing was ever in force
            // to lose, so this is no lapse and no reason to suspend.
            return at_once(
                default.clone(),
                synced,
                value(
                    false,
                    if state == StripeState::Incomplete {
                        "Incomplete"
                    } else {
                        "IncompleteExpired"
                    },
                    format!(
                        "the first payment has not gone through; the {default} plan is in force"
                    ),
                ),
            );
        }
        StripeState::PastDue => "PastDue",
        StripeState::Unpaid => "Unpaid",
        StripeState::Canceled => "Canceled",
        StripeState::Paused => "Paused",
    };
    let since = status
        .payment_lapsed_since
        .clone()
        .unwrap_or_else(|| now.clone());
    let elapsed = now.0.duration_since(since.0);
    let grace_span = jiff::SignedDuration::try_from(grace).unwrap_or(jiff::SignedDuration::MAX);
    if elapsed >= grace_span {
        return Evaluation {
            plan_in_force: default,
            synced,
            payment_ok: value(
                false,
                "GracePeriodExpired",
                format!(
                    "payment lapsed ({}) at {}; the grace period of {} s is over, so the \
                     tenant is suspended until the subscription is active again",
                    state.as_str(),
                    since.0,
                    grace.as_secs()
                ),
            ),
            lapsed_since: Some(since),
            suspended: true,
            recheck_in: None,
        };
    }
    let left = grace_span - elapsed;
    let recheck = Duration::try_from(left).unwrap_or(Duration::ZERO) + Duration::from_secs(1);
    Evaluation {
        plan_in_force: paid_plan,
        synced,
        payment_ok: value(
            false,
            lapse_reason,
            format!(
                "the subscription is {} since {}; the tenant is suspended if it is not paid \
                 within {} s",
                state.as_str(),
                since.0,
                left.as_secs()
            ),
        ),
        lapsed_since: Some(since),
        suspended: false,
        recheck_in: Some(recheck),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRACE: Duration = Duration::from_secs(3600);

    fn catalog() -> Catalog {
        Catalog::from_yaml(include_str!("../../../config/plans.yaml")).unwrap()
    }

    fn at(seconds: i64) -> Time {
        Time(jiff::Timestamp::from_second(seconds).unwrap())
    }

    fn stripe(state: StripeState, confirmed: &str) -> SubscriptionStatus {
        SubscriptionStatus {
            stripe_subscription_id: Some("sub_1".into()),
            state: Some(state),
            confirmed_plan: Some(confirmed.into()),
            ..Default::default()
        }
    }

    #[test]
    fn free_and_contract_plans_take_effect_at_once() {
        for plan in ["free", "enterprise"] {
            let e = evaluate(plan, None, &catalog(), &at(1_000), GRACE);
            assert_eq!(e.plan_in_force, plan);
            assert!(e.payment_ok.ok && e.synced.ok && !e.suspended);
        }
    }

    #[test]
    fn a_paid_plan_waits_for_stripe_on_the_default_plan() {
        let e = evaluate("pro", None, &catalog(), &at(1_000), GRACE);
        assert_eq!(e.plan_in_force, "free");
        assert_eq!(e.synced.reason, "AwaitingStripe");
        assert!(!e.payment_ok.ok);
        let e = evaluate(
            "pro",
            Some(&stripe(StripeState::Incomplete, "pro")),
            &catalog(),
            &at(1_000),
            GRACE,
        );
        assert_eq!(e.plan_in_force, "free");
        assert_eq!(e.payment_ok.reason, "Incomplete");
        // A first payment that expired is no lapse: never a suspension, however long ago.
        let mut expired = stripe(StripeState::IncompleteExpired, "pro");
        expired.payment_lapsed_since = Some(at(0));
        let e = evaluate("pro", Some(&expired), &catalog(), &at(10_000_000), GRACE);
        assert!(!e.suspended);
        assert_eq!(e.lapsed_since, None);
        assert_eq!(e.plan_in_force, "free");
    }

    #[test]
    fn an_active_or_trialing_subscription_puts_its_confirmed_plan_in_force() {
        for state in [StripeState::Active, StripeState::Trialing] {
            let e = evaluate(
                "pro",
                Some(&stripe(state, "pro")),
                &catalog(),
                &at(1_000),
                GRACE,
            );
            assert_eq!(e.plan_in_force, "pro");
            assert!(e.payment_ok.ok && e.synced.ok);
        }
    }

    #[test]
    fn a_lapse_keeps_the_plan_during_the_grace_period_then_suspends() {
        let mut status = stripe(StripeState::PastDue, "pro");
        let e = evaluate("pro", Some(&status), &catalog(), &at(1_000), GRACE);
        assert_eq!(e.plan_in_force, "pro");
        assert_eq!(e.payment_ok.reason, "PastDue");
        assert_eq!(e.lapsed_since, Some(at(1_000)));
        assert!(!e.suspended);
        assert_eq!(e.recheck_in, Some(GRACE + Duration::from_secs(1)));

        // The lapse clock survives a change of lapsed state (past_due → canceled).
        status.payment_lapsed_since = e.lapsed_since;
        status.state = Some(StripeState::Canceled);
        let e = evaluate("pro", Some(&status), &catalog(), &at(1_000 + 3_599), GRACE);
        assert!(!e.suspended);
        assert_eq!(e.payment_ok.reason, "Canceled");
        let e = evaluate("pro", Some(&status), &catalog(), &at(1_000 + 3_600), GRACE);
        assert!(e.suspended);
        assert_eq!(e.plan_in_force, "free");
        assert_eq!(e.payment_ok.reason, "GracePeriodExpired");
    }

    #[test]
    fn payment_again_lifts_the_suspension_and_clears_the_lapse() {
        let mut status = stripe(StripeState::Active, "pro");
        status.payment_lapsed_since = Some(at(0));
        status.suspended = true;
        let e = evaluate("pro", Some(&status), &catalog(), &at(99_999), GRACE);
        assert!(!e.suspended);
        assert_eq!(e.lapsed_since, None);
        assert_eq!(e.plan_in_force, "pro");
    }

    #[test]
    fn a_plan_change_waits_for_stripe_to_confirm_it() {
        let e = evaluate(
            "pro",
            Some(&stripe(StripeState::Active, "free")),
            &catalog(),
            &at(1_000),
            GRACE,
        );
        assert_eq!(e.synced.reason, "PlanChangePending");
    }
}
