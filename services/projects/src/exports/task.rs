//! The export task as it travels through the outbox and RabbitMQ.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ExportTask {
    /// The tenant's name, to find its Tenant (and so its database).
    pub tenant: String,
    /// The Tenant's uid when the export was asked for: a later Tenant of the name is not it.
    pub tenant_uid: String,
    pub export_id: Uuid,
}
