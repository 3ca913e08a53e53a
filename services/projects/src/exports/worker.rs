//! The export worker, a background task of the service: it consumes the export queue, writes
//! each export's CSV and JSON into its row (in the tenant's database, under the tenant's row
//! security), and acks. A failure that another try may cure (a database or Secret not there yet)
//! waits in `<queue>.retry` for a back-off that doubles with each attempt; after the last attempt,
//! or at once for a task that cannot be read, the task goes to `<queue>.dead` and the export is
//! marked failed where that is possible. A task is applied once: an export that is no longer
//! queued is left as it is.

use std::time::Duration;

use futures::StreamExt;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicQosOptions, ConfirmSelectOptions};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties};
use saascript_common::tasks;
use uuid::Uuid;

use super::files::{self, ExportedProject, ExportedTask};
use super::task::ExportTask;
use crate::AppState;
use crate::caller::find_tenant;
use crate::tenant_scope::{self, TenantDb};

#[derive(Clone, Debug)]
pub struct WorkerSettings {
    pub amqp_url: String,
    pub queue: String,
    pub max_attempts: u32,
    pub base_backoff: Duration,
}

/// Why a task was not done.
#[derive(Debug)]
pub enum Failure {
    /// Another try may succeed.
    Retry(String),
    /// No try will: straight to the dead-letter queue.
    Permanent(String),
}

/// Runs the worker, reconnecting after a failure, for good.
pub async fn run_forever(state: AppState, settings: WorkerSettings) {
    loop {
        if let Err(e) = run(&state, &settings).await {
            tracing::warn!(error = %e, "export worker: RabbitMQ failed; reconnecting");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn run(state: &AppState, settings: &WorkerSettings) -> Result<(), tasks::TaskError> {
    let connection =
        Connection::connect(&settings.amqp_url, ConnectionProperties::default()).await?;
    let channel = connection.create_channel().await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    tasks::declare(&channel, &settings.queue).await?;
    channel.basic_qos(4, BasicQosOptions::default()).await?;
    let mut consumer = channel
        .basic_consume(
            settings.queue.as_str().into(),
            "saascript-projects-exports".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    tracing::info!(queue = %settings.queue, "export worker consuming");
    while let Some(delivery) = consumer.next().await {
        let delivery = delivery?;
        let attempt = tasks::attempts_of(&delivery.properties) + 1;
        match process(state, &delivery.data).await {
            Ok(()) => {}
            Err(Failure::Retry(reason)) if attempt < settings.max_attempts => {
                let backoff = settings
                    .base_backoff
                    .saturating_mul(1 << (attempt - 1).min(16));
                tracing::warn!(%reason, attempt, "export failed; will retry");
                tasks::publish(
                    &channel,
                    &tasks::retry_queue(&settings.queue),
                    &delivery.data,
                    attempt,
                    Some(u64::try_from(backoff.as_millis()).unwrap_or(u64::MAX)),
                )
                .await?;
            }
            Err(Failure::Retry(reason) | Failure::Permanent(reason)) => {
                tracing::error!(%reason, attempt, "export failed for good; dead-lettered");
                mark_failed(state, &delivery.data, &reason).await;
                tasks::publish(
                    &channel,
                    &tasks::dead_queue(&settings.queue),
                    &delivery.data,
                    attempt,
                    None,
                )
                .await?;
            }
        }
        // Acked only once the export is written, or the task is safely in the retry or
        // dead-letter queue.
        delivery.ack(BasicAckOptions::default()).await?;
    }
    Ok(())
}

/// The database and tenant id of the task's tenant; None when that Tenant is gone (its export
/// went with it, and there is nothing to do).
async fn tenant_db(state: &AppState, task: &ExportTask) -> Result<Option<TenantDb>, Failure> {
    let tenant = find_tenant(state, &task.tenant)
        .await
        .map_err(|e| Failure::Retry(e.to_string()))?;
    let Some(tenant) = tenant.filter(|t| t.metadata.uid.as_deref() == Some(&task.tenant_uid))
    else {
        return Ok(None);
    };
    state
        .databases
        .of(&tenant)
        .await
        .map(Some)
        .map_err(|e| Failure::Retry(e.to_string()))
}

/// Writes the export the task names.
pub async fn process(state: &AppState, data: &[u8]) -> Result<(), Failure> {
    let task: ExportTask = serde_json::from_slice(data)
        .map_err(|e| Failure::Permanent(format!("malformed export task: {e}")))?;
    let Some(db) = tenant_db(state, &task).await? else {
        tracing::info!(tenant = %task.tenant, "export of a tenant that is gone; dropped");
        return Ok(());
    };
    write(&db, &task, state.now())
        .await
        .map_err(|e| Failure::Retry(e.to_string()))
}

async fn write(db: &TenantDb, task: &ExportTask, now: i64) -> sqlx::Result<()> {
    let mut tx = tenant_scope::begin(db, &task.tenant_uid).await?;
    let export_state: Option<String> =
        sqlx::query_scalar("SELECT state FROM exports WHERE id = $1 FOR UPDATE")
            .bind(task.export_id)
            .fetch_optional(&mut *tx)
            .await?;
    if export_state.as_deref() != Some("queued") {
        // Done already (a redelivery), or gone: nothing to write.
        return tx.commit().await;
    }
    let mut projects: Vec<ExportedProject> =
        sqlx::query_as("SELECT id, name, description FROM projects ORDER BY id")
            .fetch_all(&mut *tx)
            .await?;
    let tasks: Vec<ExportedTask> = sqlx::query_as(
        "SELECT id, project_id, title, description, status, assignee_id,
                to_char(due_date, 'YYYY-MM-DD') AS due_date
         FROM tasks ORDER BY project_id, id",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut by_project: std::collections::HashMap<Uuid, Vec<ExportedTask>> =
        std::collections::HashMap::new();
    for task in tasks {
        by_project.entry(task.project_id).or_default().push(task);
    }
    for project in &mut projects {
        project.tasks = by_project.remove(&project.id).unwrap_or_default();
    }
    // The files of the tenant's expired exports go now; their rows stay, so that asking for
    // one still answers 410 rather than 404.
    sqlx::query(
        "UPDATE exports SET csv = NULL, json = NULL
         WHERE expires_at <= to_timestamp($1) AND (csv IS NOT NULL OR json IS NOT NULL)",
    )
    .bind(now as f64)
    .execute(&mut *tx)
    .await?;
    let csv = files::csv(&projects);
    let json = files::json(&projects).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    sqlx::query(
        "UPDATE exports SET state = 'done', csv = $2, json = $3, completed_at = to_timestamp($4)
         WHERE id = $1",
    )
    .bind(task.export_id)
    .bind(csv)
    .bind(json)
    .bind(now as f64)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Marks the task's export failed, if the task can be read and its database reached; the task
/// itself is in the dead-letter queue either way.
async fn mark_failed(state: &AppState, data: &[u8], reason: &str) {
    let Ok(task) = serde_json::from_slice::<ExportTask>(data) else {
        return;
    };
    let Ok(Some(db)) = tenant_db(state, &task).await else {
        return;
    };
    let result = async {
        let mut tx = tenant_scope::begin(&db, &task.tenant_uid).await?;
        sqlx::query(
            "UPDATE exports SET state = 'failed', error = $2 WHERE id = $1 AND state = 'queued'",
        )
        .bind(task.export_id)
        .bind(reason.replace('\0', ""))
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not mark the export failed");
    }
}
