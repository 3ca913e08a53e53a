//! /projects/{projectId}/tasks/{taskId}/comments: the comments on a task, oldest first. Any
//! member reads and writes them; they go with their task.

use axum::extract::State;
use axum::http::StatusCode;
use saascript_common::input::{Json, Path, Query};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{Postgres, Transaction};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::caller::Caller;
use crate::error::{ProjectsError, Result};
use crate::events;
use crate::pagination::{self, Page};
use crate::tenant_scope;
use crate::validation::{required_text, rfc3339};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub id: Uuid,
    pub task_id: Uuid,
    pub author_id: String,
    pub body: String,
    /// RFC 3339.
    pub created_at: String,
}

#[derive(sqlx::FromRow)]
struct CommentRow {
    id: Uuid,
    task_id: Uuid,
    author_id: String,
    body: String,
    created_at: i64,
}

impl From<CommentRow> for Comment {
    fn from(row: CommentRow) -> Comment {
        Comment {
            id: row.id,
            task_id: row.task_id,
            author_id: row.author_id,
            body: row.body,
            created_at: rfc3339(row.created_at),
        }
    }
}

const COLUMNS: &str =
    "id, task_id, author_id, body, extract(epoch FROM created_at)::bigint AS created_at";

/// Err(404) unless the task exists in this project of this tenant (locked against deletion
/// until the transaction ends).
async fn require_task(
    tx: &mut Transaction<'_, Postgres>,
    project_id: Uuid,
    task_id: Uuid,
) -> Result<()> {
    let found: Option<i32> =
        sqlx::query_scalar("SELECT 1 FROM tasks WHERE project_id = $1 AND id = $2 FOR KEY SHARE")
            .bind(project_id)
            .bind(task_id)
            .fetch_optional(&mut **tx)
            .await?;
    found.map(|_| ()).ok_or(ProjectsError::NotFound("task"))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListComments {
    /// Page size, 1 to 100 (20 by default).
    pub limit: Option<u32>,
    /// The `nextCursor` of the page before.
    pub cursor: Option<Uuid>,
}

#[utoipa::path(get, operation_id = "list_comments", path = "/projects/{projectId}/tasks/{taskId}/comments", tag = "comments",
    security(("bearer" = [])),
    params(("projectId" = Uuid, Path), ("taskId" = Uuid, Path), ListComments),
    responses(
        (status = 200, description = "A page of the task's comments, oldest first", body = Page<Comment>),
        (status = 404, description = "not_found: no such task"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path((project_id, task_id)): Path<(Uuid, Uuid)>,
    Query(query): Query<ListComments>,
) -> Result<Json<Page<Comment>>> {
    let limit = pagination::limit(query.limit)?;
    let db = state.databases.of(&caller.tenant).await?;
    let mut tx = tenant_scope::begin(&db, &caller.tenant_id).await?;
    require_task(&mut tx, project_id, task_id).await?;
    let rows: Vec<CommentRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM comments
         WHERE task_id = $1 AND ($2::uuid IS NULL OR id > $2)
         ORDER BY id LIMIT $3"
    )))
    .bind(task_id)
    .bind(query.cursor)
    .bind(i64::from(limit) + 1)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let page = pagination::page(rows, limit, |r| r.id);
    Ok(Json(Page {
        items: page.items.into_iter().map(Comment::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewComment {
    /// 1 to 10000 characters.
    pub body: String,
}

#[utoipa::path(post, operation_id = "create_comment", path = "/projects/{projectId}/tasks/{taskId}/comments", tag = "comments",
    security(("bearer" = [])),
    params(("projectId" = Uuid, Path), ("taskId" = Uuid, Path)),
    request_body = NewComment,
    responses(
        (status = 201, description = "The comment", body = Comment),
        (status = 404, description = "not_found: no such task"),
        (status = 422, description = "invalid_input"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path((project_id, task_id)): Path<(Uuid, Uuid)>,
    Json(new): Json<NewComment>,
) -> Result<(StatusCode, Json<Comment>)> {
    caller.require_writable()?;
    let body = required_text("body", &new.body, 10_000)?;
    crate::members::record_caller(&state.databases.pooled(), &caller).await?;
    let db = state.databases.of(&caller.tenant).await?;
    let mut tx = tenant_scope::begin(&db, &caller.tenant_id).await?;
    require_task(&mut tx, project_id, task_id).await?;
    let now = state.now();
    let row: CommentRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO comments (tenant_id, id, task_id, author_id, body, created_at)
         VALUES ($1, $2, $3, $4, $5, to_timestamp($6))
         RETURNING {COLUMNS}"
    )))
    .bind(&caller.tenant_id)
    .bind(Uuid::now_v7())
    .bind(task_id)
    .bind(&caller.user_id)
    .bind(&body)
    .bind(now as f64)
    .fetch_one(&mut *tx)
    .await?;
    let comment = Comment::from(row);
    events::record(
        &mut tx,
        &caller,
        events::COMMENT_CREATED,
        &comment.id.to_string(),
        json!({ "id": comment.id, "taskId": task_id, "projectId": project_id }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(comment)))
}
