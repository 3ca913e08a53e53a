//! Writes a Tenant's status (only when it changed) and records an Event for every condition that
//! changed.

use kube::api::{Api, Patch, PatchParams};
use kube::runtime::events::{Event, EventType};
use kube::{Resource, ResourceExt};
use saascript_crds::{ConditionStatus, Tenant, TenantStatus};
use serde_json::json;

use super::status::transitions;
use crate::Result;
use crate::context::Context;
use crate::labels::FIELD_MANAGER;

/// Returns whether a write was made.
pub async fn write_status(ctx: &Context, tenant: &Tenant, status: TenantStatus) -> Result<bool> {
    if tenant.status.as_ref() == Some(&status) {
        return Ok(false);
    }
    let api: Api<Tenant> = Api::all(ctx.client.clone());
    let patch = json!({
        "apiVersion": "saascript.io/v1alpha1",
        "kind": "Tenant",
        "status": status,
    });
    api.patch_status(
        &tenant.name_any(),
        &PatchParams::apply(FIELD_MANAGER).force(),
        &Patch::Apply(&patch),
    )
    .await?;
    for condition in transitions(tenant.status.as_ref(), &status) {
        let type_ = if condition.status == ConditionStatus::False {
            EventType::Warning
        } else {
            EventType::Normal
        };
        record(
            ctx,
            tenant,
            type_,
            &condition.reason,
            &condition.type_,
            &format!("{}: {}", condition.type_, condition.message),
        )
        .await;
    }
    Ok(true)
}

/// Records an Event on a Tenant or a Subscription. A failure to record is logged, never fatal.
///
/// The recorder folds Events with the same type, reason and `action` into one series that keeps
/// the first note, so `action` must tell apart what the note tells apart (the condition type,
/// the plan): otherwise "DatabaseReady: Provisioned" would hide "QueueReady: Provisioned".
pub async fn record<K: Resource<DynamicType = ()>>(
    ctx: &Context,
    object: &K,
    type_: EventType,
    reason: &str,
    action: &str,
    note: &str,
) {
    let event = Event {
        type_,
        reason: reason.chars().take(128).collect(),
        note: Some(note.chars().take(1000).collect()),
        action: action.chars().take(128).collect(),
        secondary: None,
    };
    let mut reference = object.object_ref(&());
    let mut result = ctx.recorder.publish(&event, &reference).await;
    // API servers before 1.22 refuse an events.k8s.io/v1 Event about a cluster-scoped object
    // unless the reference names the Event's own namespace ("default").
    if let Err(kube::Error::Api(status)) = &result
        && status.code == 422
        && status.message.contains("does not match event.namespace")
    {
        reference.namespace = Some("default".into());
        result = ctx.recorder.publish(&event, &reference).await;
    }
    if let Err(e) = result {
        tracing::warn!(object = %object.name_any(), error = %e, "could not record an event");
    }
}
