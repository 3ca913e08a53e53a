//! The deletion path of a Tenant, behind the finalizer `saascript.io/tenant-cleanup`.
//!
//! Every step is idempotent, so an operator restarted at any point finishes the job. Deleting the
//! CRD itself (reinstalling it, say) never deletes tenants' data: when the Tenant CRD is being
//! deleted, the finalizer is released without touching anything (the lesson of Capsule #1181).

use std::sync::Arc;

use k8s_openapi::api::core::v1::{Namespace, Secret};
use kube::api::{Api, DeleteParams};
use kube::runtime::controller::Action;
use kube::runtime::events::EventType;
use saascript_crds::{DeletionPolicy, Tenant};

use super::status::terminating_status;
use super::status_writer::write_status;
use super::validate::{Settings, removal_plan};
use crate::context::Context;
use crate::credentials::SECRET_NAME;
use crate::events::record;
use crate::provision::TenantPlan;
use crate::{Error, Result};

pub async fn cleanup(tenant: Arc<Tenant>, ctx: &Context) -> Result<Action> {
    if saascript_crds::tenant_crd::tenant_crd_is_being_deleted(ctx.client.clone()).await? {
        record(
            ctx,
            tenant.as_ref(),
            EventType::Warning,
            "CrdDeleted",
            "Release",
            "the Tenant CRD is being deleted: the tenant's resources are left in place",
        )
        .await;
        return Ok(Action::await_change());
    }
    let now = crate::clock::now_time(&ctx.clock);
    let generation = tenant.metadata.generation;
    if tenant.spec.prevent_deletion {
        write_status(
            ctx,
            tenant.as_ref(),
            terminating_status(tenant.status.as_ref(), generation, true, &now),
        )
        .await?;
        return Err(Error::DeletionBlocked);
    }
    write_status(
        ctx,
        &tenant,
        terminating_status(tenant.status.as_ref(), generation, false, &now),
    )
    .await?;

    let settings = Settings {
        catalog: &ctx.catalog,
        topic_suffixes: &ctx.config.tenant_topics,
        shared: &ctx.shared,
    };
    let Some(plan) = removal_plan(&tenant, &settings) else {
        // A name no provisioner could have used: nothing exists to remove.
        return Ok(Action::await_change());
    };
    let policy = tenant.spec.deletion_policy;
    remove_backing_resources(&plan, policy, ctx).await?;

    // The credentials go under both policies.
    let secrets = Api::<Secret>::namespaced(ctx.client.clone(), &plan.namespace());
    delete_if_present(secrets.delete(SECRET_NAME, &DeleteParams::default()).await)?;
    let namespaces = Api::<Namespace>::all(ctx.client.clone());
    if namespaces.get_opt(&plan.namespace()).await?.is_some() {
        delete_if_present(
            namespaces
                .delete(&plan.namespace(), &DeleteParams::default())
                .await,
        )?;
        // Keep the finalizer until the namespace is gone, so that a deleted Tenant means
        // everything is gone.
        return Err(Error::NotReady(format!(
            "namespace {} is terminating",
            plan.namespace()
        )));
    }

    let (reason, note) = match policy {
        DeletionPolicy::Delete => (
            "Deleted",
            format!(
                "removed {}, its Redis user and credentials",
                describe_data(&plan)
            ),
        ),
        DeletionPolicy::Retain => (
            "Retained",
            format!(
                "kept {}; removed the credentials (logins disabled, users and Secret deleted)",
                describe_data(&plan)
            ),
        ),
    };
    record(
        ctx,
        tenant.as_ref(),
        EventType::Normal,
        reason,
        "Cleanup",
        &note,
    )
    .await;
    Ok(Action::await_change())
}

async fn remove_backing_resources(
    plan: &TenantPlan,
    policy: DeletionPolicy,
    ctx: &Context,
) -> Result<()> {
    let p = &ctx.provisioners;
    let (postgres, rabbitmq, kafka, dynamodb, redis) = tokio::join!(
        p.postgres.remove(plan, policy),
        p.rabbitmq.remove(plan, policy),
        p.kafka.remove(plan, policy),
        p.dynamodb.remove(plan, policy),
        p.redis.remove(plan, policy),
    );
    for result in [postgres, rabbitmq, kafka, dynamodb, redis] {
        result?;
    }
    Ok(())
}

/// The data a tenant has, for the Event that says what was kept or removed.
fn describe_data(plan: &TenantPlan) -> String {
    match plan.isolation {
        saascript_crds::Isolation::Siloed => format!(
            "database {}, vhost {}, topics {}, table {}",
            plan.pg_database(),
            plan.rabbitmq_vhost(),
            plan.kafka_topics().join(", "),
            plan.dynamodb_table()
        ),
        // Messages in the shared topics cannot be removed one by one: they go with the topics'
        // retention, so the Event does not claim them.
        saascript_crds::Isolation::Pooled => format!(
            "registry row {} in database {}, queue {}, items keyed {} in the shared table",
            plan.tenant,
            plan.pg_database(),
            plan.pooled_queue(),
            plan.partition_prefix()
        ),
    }
}

fn delete_if_present<T>(result: std::result::Result<T, kube::Error>) -> Result<()> {
    match result {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(e) => Err(e.into()),
    }
}
