//! Writes a Tenant's status (only when it changed) and records an Event for every condition that
//! changed.

use kube::ResourceExt;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::events::EventType;
use saascript_crds::{ConditionStatus, Tenant, TenantStatus};
use serde_json::json;

use super::status::transitions;
use crate::Result;
use crate::context::Context;
use crate::events::record;
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
