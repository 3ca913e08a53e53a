//! Auth's email tasks carry working links (verification, reset, invitation), so their payloads
//! are sealed with the task key before they enter the shared task outbox: a leak of the database
//! or of the queue yields no usable token. The mailer opens them with the same key.

use saascript_common::task_outbox;
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use crate::error::{AuthError, Result};
use crate::task_key::TaskKey;

/// What the outbox row and the message hold: the task id, and the payload sealed for it.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct SealedTask {
    pub id: Uuid,
    pub sealed: String,
}

/// Writes a task for `queue` inside the caller's transaction, its payload sealed with `key`.
pub async fn enqueue(
    tx: &mut Transaction<'_, Postgres>,
    queue: &str,
    key: &TaskKey,
    payload: serde_json::Value,
) -> Result<Uuid> {
    let id = Uuid::new_v4();
    let plaintext = serde_json::to_vec(&payload).map_err(|e| AuthError::Internal(e.to_string()))?;
    let sealed = key
        .seal(id, &plaintext)
        .map_err(|e| AuthError::Internal(e.to_string()))?;
    let payload = serde_json::to_value(SealedTask { id, sealed })
        .map_err(|e| AuthError::Internal(e.to_string()))?;
    task_outbox::enqueue(tx, id, queue, &payload).await?;
    Ok(id)
}
