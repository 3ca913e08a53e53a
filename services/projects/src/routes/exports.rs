//! /projects/exports: any member asks for an export of the tenant's projects and tasks, watches
//! its state, and downloads it as CSV or JSON. An export expires a day (EXPORT_TTL_SECONDS)
//! after it was asked for, by the service's clock: from then on its state and its download
//! answer 410 `export_expired` (a client can tell "too late" from "never existed", which stays
//! 404, as does another tenant's export).

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use saascript_common::input::{Json, Path, Query};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::caller::Caller;
use crate::error::{ProjectsError, Result};
use crate::events;
use crate::exports::task::ExportTask;
use crate::tenant_scope;
use crate::validation::rfc3339;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Export {
    pub id: Uuid,
    /// queued, done or failed.
    pub state: String,
    pub requested_by: String,
    /// RFC 3339.
    pub created_at: String,
    pub completed_at: Option<String>,
    pub expires_at: String,
}

#[derive(sqlx::FromRow)]
struct ExportRow {
    id: Uuid,
    state: String,
    requested_by: String,
    created_at: i64,
    completed_at: Option<i64>,
    expires_at: i64,
}

impl From<ExportRow> for Export {
    fn from(row: ExportRow) -> Export {
        Export {
            id: row.id,
            state: row.state,
            requested_by: row.requested_by,
            created_at: rfc3339(row.created_at),
            completed_at: row.completed_at.map(rfc3339),
            expires_at: rfc3339(row.expires_at),
        }
    }
}

const COLUMNS: &str = "id, state, requested_by,
    extract(epoch FROM created_at)::bigint AS created_at,
    extract(epoch FROM completed_at)::bigint AS completed_at,
    extract(epoch FROM expires_at)::bigint AS expires_at";

#[utoipa::path(post, operation_id = "request_export", path = "/projects/exports", tag = "exports", security(("bearer" = [])),
    responses(
        (status = 202, description = "The export, queued", body = Export),
        (status = 403, description = "tenant_suspended"),
    ))]
pub async fn request(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<(StatusCode, Json<Export>)> {
    caller.require_writable()?;
    let db = state.databases.of(&caller.tenant).await?;
    let mut tx = tenant_scope::begin(&db, &caller.tenant_id).await?;
    let now = state.now();
    let id = Uuid::now_v7();
    let row: ExportRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO exports (tenant_id, id, state, requested_by, created_at, expires_at)
         VALUES ($1, $2, 'queued', $3, to_timestamp($4), to_timestamp($5))
         RETURNING {COLUMNS}"
    )))
    .bind(&caller.tenant_id)
    .bind(id)
    .bind(&caller.user_id)
    .bind(now as f64)
    .bind(now.saturating_add(state.settings.export_ttl_seconds) as f64)
    .fetch_one(&mut *tx)
    .await?;
    let task = ExportTask {
        tenant: caller.tenant_name.clone(),
        tenant_uid: caller.tenant_id.clone(),
        export_id: id,
    };
    let payload =
        serde_json::to_value(&task).map_err(|e| ProjectsError::Internal(e.to_string()))?;
    // The task commits with the export row, in the same database (a siloed tenant's database
    // has its own task outbox and relay).
    saascript_common::task_outbox::enqueue(&mut tx, id, &state.settings.export_queue, &payload)
        .await?;
    events::record(
        &mut tx,
        &caller,
        events::EXPORT_REQUESTED,
        &id.to_string(),
        json!({ "id": id }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::ACCEPTED, Json(Export::from(row))))
}

/// The export `id` of the caller's tenant, unless it has expired.
async fn current_export(state: &AppState, caller: &Caller, id: Uuid) -> Result<ExportRow> {
    let db = state.databases.of(&caller.tenant).await?;
    let mut tx = tenant_scope::begin(&db, &caller.tenant_id).await?;
    let row: Option<ExportRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM exports WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let row = row.ok_or(ProjectsError::NotFound("export"))?;
    if state.now() >= row.expires_at {
        return Err(ProjectsError::ExportExpired);
    }
    Ok(row)
}

#[utoipa::path(get, operation_id = "get_export", path = "/projects/exports/{exportId}", tag = "exports", security(("bearer" = [])),
    params(("exportId" = Uuid, Path)),
    responses(
        (status = 200, description = "The export's state", body = Export),
        (status = 404, description = "not_found"),
        (status = 410, description = "export_expired"),
    ))]
pub async fn status(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<Export>> {
    Ok(Json(Export::from(
        current_export(&state, &caller, id).await?,
    )))
}

#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Json,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DownloadQuery {
    /// csv or json.
    pub format: ExportFormat,
}

#[utoipa::path(get, operation_id = "download_export", path = "/projects/exports/{exportId}/download", tag = "exports",
    security(("bearer" = [])),
    params(("exportId" = Uuid, Path), DownloadQuery),
    responses(
        (status = 200, description = "The export as text/csv or application/json"),
        (status = 404, description = "not_found"),
        (status = 409, description = "export_not_ready: queued or failed"),
        (status = 410, description = "export_expired"),
    ))]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Query(query): Query<DownloadQuery>,
) -> Result<Response> {
    let row = current_export(&state, &caller, id).await?;
    if row.state != "done" {
        return Err(ProjectsError::ExportNotReady(row.state));
    }
    let db = state.databases.of(&caller.tenant).await?;
    let mut tx = tenant_scope::begin(&db, &caller.tenant_id).await?;
    let (body, content_type, extension) = match query.format {
        ExportFormat::Csv => (
            sqlx::query_scalar::<_, Option<String>>("SELECT csv FROM exports WHERE id = $1"),
            "text/csv; charset=utf-8",
            "csv",
        ),
        ExportFormat::Json => (
            sqlx::query_scalar::<_, Option<String>>("SELECT json FROM exports WHERE id = $1"),
            "application/json",
            "json",
        ),
    };
    let body = body
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .flatten()
        .ok_or(ProjectsError::NotFound("export"))?;
    tx.commit().await?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(disposition) =
        HeaderValue::from_str(&format!("attachment; filename=\"export-{id}.{extension}\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
}
