//! The Subscription controller: for each tenant's Subscription, decides the plan in force from
//! what billing mirrored of Stripe (`payment.rs`), writes the entitlements, the suspension and
//! the conditions Synced and PaymentOK into its status, and records Events. The Tenant
//! controller carries the entitlements and the suspension onto the Tenant (it watches
//! Subscriptions).

pub mod payment;

use std::future::Future;
use std::sync::Arc;

use kube::ResourceExt;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::events::EventType;
use kube::runtime::watcher;
use saascript_crds::{
    Condition, ConditionStatus, Subscription, SubscriptionStatus, find_condition, set_condition,
};
use serde_json::json;

use self::payment::{ConditionValue, Evaluation, PAYMENT_OK, SYNCED, evaluate};
use crate::Result;
use crate::applier::run_controller;
use crate::context::Context;
use crate::events::record;
use crate::metrics::ControllerKind;

/// Runs the controller until `shutdown` resolves.
pub async fn run(ctx: Arc<Context>, shutdown: impl Future<Output = ()> + Send + Sync + 'static) {
    let mut config = watcher::Config::default();
    if let Some(selector) = &ctx.config.tenant_selector {
        // The Subscription carries its Tenant's labels, so the Tenant selector applies.
        config = config.labels(selector);
    }
    let controller = Controller::new(Api::<Subscription>::all(ctx.client.clone()), config);
    ctx.metrics.count_payments_from(controller.store());
    run_controller(
        controller,
        ControllerKind::Subscription,
        ctx,
        shutdown,
        reconcile,
    )
    .await;
}

pub async fn reconcile(subscription: Arc<Subscription>, ctx: Arc<Context>) -> Result<Action> {
    let name = subscription.name_any();
    let namespace = subscription.namespace().unwrap_or_default();
    {
        let now = crate::clock::now_time(&ctx.clock);
        let previous = subscription.status.clone().unwrap_or_default();
        let evaluation = evaluate(
            &subscription.spec.plan,
            subscription.status.as_ref(),
            &ctx.catalog,
            &now,
            ctx.config.payment_grace(),
        );
        let status = next_status(
            &previous,
            &evaluation,
            subscription.metadata.generation,
            &ctx,
            &now,
        );
        if status != previous {
            let patch = json!({
                "status": {
                    "entitlements": status.entitlements,
                    "suspended": status.suspended,
                    "paymentLapsedSince": status.payment_lapsed_since,
                    "conditions": status.conditions,
                    "observedGeneration": status.observed_generation,
                }
            });
            Api::<Subscription>::namespaced(ctx.client.clone(), &namespace)
                .patch_status(&name, &PatchParams::default(), &Patch::Merge(&patch))
                .await?;
            record_transitions(&ctx, &subscription, &previous, &status).await;
        }
        Ok(match evaluation.recheck_in {
            Some(wait) => Action::requeue(wait),
            None => Action::requeue(ctx.config.resync()),
        })
    }
}

fn next_status(
    previous: &SubscriptionStatus,
    evaluation: &Evaluation,
    generation: Option<i64>,
    ctx: &Context,
    now: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time,
) -> SubscriptionStatus {
    let mut status = previous.clone();
    let condition = |type_: &str, value: &ConditionValue| {
        Condition::new(
            type_,
            if value.ok {
                ConditionStatus::True
            } else {
                ConditionStatus::False
            },
            value.reason,
            value.message.clone(),
            generation,
            now.clone(),
        )
    };
    set_condition(
        &mut status.conditions,
        condition(SYNCED, &evaluation.synced),
    );
    set_condition(
        &mut status.conditions,
        condition(PAYMENT_OK, &evaluation.payment_ok),
    );
    status.entitlements = ctx.catalog.entitlements(&evaluation.plan_in_force);
    status.suspended = evaluation.suspended;
    status.payment_lapsed_since = evaluation.lapsed_since.clone();
    status.observed_generation = generation;
    status
}

async fn record_transitions(
    ctx: &Context,
    subscription: &Subscription,
    previous: &SubscriptionStatus,
    status: &SubscriptionStatus,
) {
    for type_ in [SYNCED, PAYMENT_OK] {
        let before = find_condition(&previous.conditions, type_);
        let Some(after) = find_condition(&status.conditions, type_) else {
            continue;
        };
        if before.map(|c| (&c.status, &c.reason)) != Some((&after.status, &after.reason)) {
            let kind = if after.status == ConditionStatus::False {
                EventType::Warning
            } else {
                EventType::Normal
            };
            record(
                ctx,
                subscription,
                kind,
                &after.reason,
                type_,
                &format!("{type_}: {}", after.message),
            )
            .await;
        }
    }
    let plan_before = previous.entitlements.as_ref().map(|e| e.plan.as_str());
    let plan_after = status.entitlements.as_ref().map(|e| e.plan.as_str());
    if plan_before != plan_after
        && let Some(plan) = plan_after
    {
        record(
            ctx,
            subscription,
            EventType::Normal,
            "EntitlementsChanged",
            &format!("ApplyPlan/{plan}"),
            &format!("the entitlements of plan {plan} are in force"),
        )
        .await;
    }
    if previous.suspended != status.suspended {
        let (kind, reason, action, note) = if status.suspended {
            (
                EventType::Warning,
                "SuspendedForPayment",
                "Suspend",
                "payment lapsed past the grace period: the tenant is suspended",
            )
        } else {
            (
                EventType::Normal,
                "Reinstated",
                "Reinstate",
                "payment is in order again: the suspension is lifted",
            )
        };
        record(ctx, subscription, kind, reason, action, note).await;
    }
}
