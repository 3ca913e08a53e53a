//! The auth service's events (auth.user.registered, auth.membership.created), recorded through
//! the shared transactional outbox (`saascript_common::event_outbox`).

use saascript_common::event_outbox::{self, NewEvent};
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use crate::error::{AuthError, Result};

pub const SOURCE: &str = "saascript/auth";

/// Records an event inside the caller's transaction; `time` is seconds since the epoch.
pub async fn record(
    tx: &mut Transaction<'_, Postgres>,
    type_: &str,
    tenant: Option<&str>,
    subject: &str,
    data: serde_json::Value,
    time: i64,
) -> Result<Uuid> {
    event_outbox::record(
        tx,
        NewEvent {
            source: SOURCE,
            type_,
            tenant,
            subject,
            data,
            time,
        },
    )
    .await
    .map_err(|e| AuthError::Internal(e.to_string()))
}
