//! The apply path of a Tenant: validate → build → apply → status.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::{LimitRange, Namespace, ResourceQuota, Secret};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::api::Api;
use kube::runtime::controller::Action;
use saascript_crds::{Subscription, Tenant, TenantService, TenantStatus};

use super::build::build;
use super::services::stamp_services;
use super::status::{Observation, invalid_status, provisioned_status};
use super::status_writer::write_status;
use super::validate::{Settings, validate};
use crate::applier::apply_if_changed;
use crate::context::Context;
use crate::credentials::{Passwords, SECRET_NAME, build_secret};
use crate::provision::{System, TenantPlan};
use crate::{Error, Result};

/// How soon a tenant that is not ready yet is looked at again.
const NOT_READY_REQUEUE: Duration = Duration::from_secs(5);

/// One pass: everything is applied first, then the status is computed from what was observed
/// and written once, at the end (only when it changed).
pub async fn apply(tenant: Arc<Tenant>, ctx: &Context) -> Result<Action> {
    let pass = converge(&tenant, ctx).await;
    write_status(ctx, &tenant, pass.status).await?;
    pass.next
}

/// What one pass observed (as the status to write) and what comes next.
struct Pass {
    status: TenantStatus,
    next: Result<Action>,
}

async fn converge(tenant: &Tenant, ctx: &Context) -> Pass {
    let now = crate::clock::now_time(&ctx.clock);
    let previous = tenant.status.as_ref();
    let generation = tenant.metadata.generation;
    let settings = Settings {
        catalog: &ctx.catalog,
        topic_suffixes: &ctx.config.tenant_topics,
        shared: &ctx.shared,
    };
    let mut plan = match validate(tenant, &settings) {
        Ok(plan) => plan,
        Err(invalid) => {
            return Pass {
                status: invalid_status(
                    previous,
                    generation,
                    invalid.reason,
                    &invalid.message,
                    &now,
                ),
                // Nothing to retry: a new generation of the spec triggers the next reconcile.
                next: Ok(Action::await_change()),
            };
        }
    };

    let payment = match payment_standing(tenant, &plan, ctx).await {
        Ok(payment) => payment,
        Err(error) => {
            return Pass {
                status: previous.cloned().unwrap_or_default(),
                next: Err(error),
            };
        }
    };
    plan.entitlements = payment.entitlements;
    plan.suspended |= payment.suspended;

    let passwords = match apply_namespace(&plan, ctx).await {
        Ok(passwords) => passwords,
        Err(error) => {
            let message = error.to_string();
            let observation = observe(
                tenant,
                &plan,
                payment.suspended,
                Err(message.clone()),
                vec![],
                vec![],
            );
            return Pass {
                status: provisioned_status(previous, &observation, &now),
                next: Err(Error::NotReady(format!(
                    "namespace {}: {message}",
                    plan.namespace()
                ))),
            };
        }
    };

    let p = &ctx.provisioners;
    let (postgres, rabbitmq, kafka, dynamodb, redis, services) = tokio::join!(
        p.postgres.ensure(&plan, &passwords.postgres),
        p.rabbitmq.ensure(&plan, &passwords.rabbitmq),
        p.kafka.ensure(&plan),
        p.dynamodb.ensure(&plan),
        p.redis.ensure(&plan, &passwords.redis),
        stamp_services(&plan, ctx),
    );
    let systems = vec![
        (System::Postgres, postgres),
        (System::RabbitMq, rabbitmq),
        (System::Kafka, kafka),
        (System::DynamoDb, dynamodb),
        (System::Redis, redis),
    ];
    let all_ready = systems
        .iter()
        .all(|(_, r)| r.as_ref().is_ok_and(|o| o.ready));
    let mut failed: Vec<String> = systems
        .iter()
        .filter_map(|(_, r)| r.as_ref().err().map(|e| e.to_string()))
        .collect();
    // The services of a siloed tenant are listed as far as they are known; a failure to stamp
    // them is retried with back-off, and keeps the addresses of the last pass meanwhile.
    let services = match services {
        Ok(services) => services,
        Err(error) => {
            failed.push(format!("services: {error}"));
            previous.map(|s| s.services.clone()).unwrap_or_default()
        }
    };
    let observation = observe(tenant, &plan, payment.suspended, Ok(()), systems, services);
    let next = if !failed.is_empty() {
        // An error, so that the controller backs off while a system stays down.
        Err(Error::NotReady(failed.join("; ")))
    } else if all_ready {
        Ok(Action::requeue(ctx.config.resync()))
    } else {
        Ok(Action::requeue(NOT_READY_REQUEUE))
    };
    Pass {
        status: provisioned_status(previous, &observation, &now),
        next,
    }
}

/// The provisioning calls of one reconcile, issued one after the other without the controller,
/// its watch, queue or status: the baseline that the onboarding benchmark compares against.
pub async fn provision_directly(ctx: &Context, plan: &TenantPlan) -> Result<()> {
    let passwords = apply_namespace(plan, ctx).await?;
    let p = &ctx.provisioners;
    p.postgres.ensure(plan, &passwords.postgres).await?;
    p.rabbitmq.ensure(plan, &passwords.rabbitmq).await?;
    p.kafka.ensure(plan).await?;
    p.dynamodb.ensure(plan).await?;
    p.redis.ensure(plan, &passwords.redis).await?;
    Ok(())
}

/// What the tenant's Subscription says: the entitlements in force and whether the tenant is
/// suspended for payment.
struct PaymentStanding {
    entitlements: saascript_crds::Entitlements,
    suspended: bool,
}

/// Reads the tenant's Subscription. Before the Subscription controller has evaluated it (or
/// before it exists), its rule decides on no news from Stripe: a plan that takes effect at once
/// is in force, and otherwise the default plan, since a paid plan never takes effect before
/// Stripe confirms it.
async fn payment_standing(
    tenant: &Tenant,
    plan: &TenantPlan,
    ctx: &Context,
) -> Result<PaymentStanding> {
    let subscription = Api::<Subscription>::namespaced(ctx.client.clone(), &plan.namespace())
        .get_opt(&plan.tenant)
        .await?;
    let status = subscription.and_then(|s| s.status);
    let evaluated = status
        .as_ref()
        .and_then(|s| s.entitlements.as_ref())
        .map(|e| e.plan.clone());
    // Not evaluated yet: the Subscription controller's own rule on a subscription that Stripe
    // has said nothing about.
    let plan_in_force = evaluated.unwrap_or_else(|| {
        crate::subscription::payment::evaluate(
            &plan.declared_plan,
            None,
            &ctx.catalog,
            &crate::clock::now_time(&ctx.clock),
            ctx.config.payment_grace(),
        )
        .plan_in_force
    });
    let entitlements = super::validate::entitlements_in_force(&ctx.catalog, tenant, &plan_in_force)
        .unwrap_or_else(|| plan.entitlements.clone());
    Ok(PaymentStanding {
        entitlements,
        suspended: status.is_some_and(|s| s.suspended),
    })
}

fn observe(
    tenant: &Tenant,
    plan: &TenantPlan,
    suspended_for_payment: bool,
    namespace_result: Result<(), String>,
    systems: Vec<(
        System,
        crate::provision::ProvisionResult<crate::provision::Outcome>,
    )>,
    services: Vec<TenantService>,
) -> Observation {
    Observation {
        generation: tenant.metadata.generation,
        suspended: tenant.spec.suspended,
        suspended_for_payment,
        namespace: plan.namespace(),
        secret: SECRET_NAME.into(),
        entitlements: plan.entitlements.clone(),
        namespace_result,
        systems,
        services,
    }
}

/// Applies the namespace and everything in it, and returns the tenant's passwords (those in its
/// Secret, with any missing ones generated and saved).
async fn apply_namespace(plan: &TenantPlan, ctx: &Context) -> Result<Passwords> {
    let objects = build(plan, &ctx.config.system_namespace);
    let client = &ctx.client;
    let namespace = plan.namespace();
    apply_if_changed(&Api::<Namespace>::all(client.clone()), &objects.namespace).await?;
    apply_if_changed(
        &Api::<ResourceQuota>::namespaced(client.clone(), &namespace),
        &objects.quota,
    )
    .await?;
    apply_if_changed(
        &Api::<LimitRange>::namespaced(client.clone(), &namespace),
        &objects.limit_range,
    )
    .await?;
    apply_if_changed(
        &Api::<NetworkPolicy>::namespaced(client.clone(), &namespace),
        &objects.network_policy,
    )
    .await?;
    apply_if_changed(
        &Api::<Role>::namespaced(client.clone(), &namespace),
        &objects.role,
    )
    .await?;
    apply_if_changed(
        &Api::<RoleBinding>::namespaced(client.clone(), &namespace),
        &objects.role_binding,
    )
    .await?;
    apply_if_changed(
        &Api::<Subscription>::namespaced(client.clone(), &namespace),
        &objects.subscription,
    )
    .await?;

    let secrets = Api::<Secret>::namespaced(client.clone(), &namespace);
    let existing = secrets.get_opt(SECRET_NAME).await?;
    let passwords = Passwords::from_secret(existing.as_ref(), &mut rand::rng());
    apply_if_changed(&secrets, &build_secret(plan, &passwords, &ctx.endpoints)).await?;
    Ok(passwords)
}
