//! Kubernetes Events about the operator's objects. A failure to record one is logged, never
//! fatal: an Event is a record, not a step of the reconcile.

use kube::Resource;
use kube::ResourceExt;
use kube::runtime::events::{Event, EventType};

use crate::context::Context;

/// Records an Event on a Tenant, a Subscription or a ServiceDeployment. A failure to record is logged, never fatal.
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
