//! The `projects.*` CloudEvents, recorded through the transactional outbox of the database the
//! change is made in (a siloed tenant's database has its own outbox and relay).

use saascript_common::event_outbox::{self, NewEvent};
use sqlx::{Postgres, Transaction};

use crate::caller::Caller;
use crate::error::{ProjectsError, Result};

pub const SOURCE: &str = "saascript/projects";

pub const PROJECT_CREATED: &str = "projects.project.created";
pub const PROJECT_UPDATED: &str = "projects.project.updated";
pub const PROJECT_DELETED: &str = "projects.project.deleted";
pub const TASK_CREATED: &str = "projects.task.created";
pub const TASK_UPDATED: &str = "projects.task.updated";
pub const TASK_DELETED: &str = "projects.task.deleted";
pub const COMMENT_CREATED: &str = "projects.comment.created";
pub const EXPORT_REQUESTED: &str = "projects.export.requested";

/// Records `type_` about `subject` in the caller's transaction; the tenant's name is the
/// event's `tenant` (and Kafka key), its uid goes into the data.
pub async fn record(
    tx: &mut Transaction<'_, Postgres>,
    caller: &Caller,
    type_: &str,
    subject: &str,
    mut data: serde_json::Value,
    now: i64,
) -> Result<()> {
    if let Some(object) = data.as_object_mut() {
        object.insert("tenantUid".into(), caller.tenant_id.clone().into());
        object.insert("actor".into(), caller.user_id.clone().into());
    }
    event_outbox::record(
        tx,
        NewEvent {
            source: SOURCE,
            type_,
            tenant: Some(&caller.tenant_name),
            subject,
            data,
            time: now,
        },
    )
    .await
    .map_err(|e| match e {
        event_outbox::OutboxError::Database(e) => ProjectsError::Database(e),
        event_outbox::OutboxError::Event(e) => ProjectsError::Internal(e),
    })?;
    Ok(())
}
