//! /projects/{projectId}/tasks: the tasks of a project. Any member lists, reads, creates,
//! updates and deletes them. An assignee must be a member of the tenant (see `members`);
//! anyone else is refused with 422 and `field: assigneeId`.

use axum::extract::State;
use axum::http::StatusCode;
use saascript_common::input::{Json, Path, Query};
use serde::{Deserialize, Deserializer, Serialize};
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
use crate::validation::{date, optional_text, required_text, rfc3339, user_id};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Todo,
    InProgress,
    Done,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Todo => "todo",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Done => "done",
        }
    }

    fn parse(stored: &str) -> TaskStatus {
        match stored {
            "in_progress" => TaskStatus::InProgress,
            "done" => TaskStatus::Done,
            _ => TaskStatus::Todo,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub id: Uuid,
    pub project_id: Uuid,
    pub title: String,
    pub description: String,
    pub status: TaskStatus,
    pub assignee_id: Option<String>,
    /// YYYY-MM-DD.
    pub due_date: Option<String>,
    pub created_by: String,
    /// RFC 3339.
    pub created_at: String,
    pub updated_at: String,
}

#[derive(sqlx::FromRow)]
pub(crate) struct TaskRow {
    pub id: Uuid,
    pub project_id: Uuid,
    pub title: String,
    pub description: String,
    pub status: String,
    pub assignee_id: Option<String>,
    pub due_date: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<TaskRow> for Task {
    fn from(row: TaskRow) -> Task {
        Task {
            id: row.id,
            project_id: row.project_id,
            title: row.title,
            description: row.description,
            status: TaskStatus::parse(&row.status),
            assignee_id: row.assignee_id,
            due_date: row.due_date,
            created_by: row.created_by,
            created_at: rfc3339(row.created_at),
            updated_at: rfc3339(row.updated_at),
        }
    }
}

pub(crate) const COLUMNS: &str = "id, project_id, title, description, status, assignee_id,
    to_char(due_date, 'YYYY-MM-DD') AS due_date, created_by,
    extract(epoch FROM created_at)::bigint AS created_at,
    extract(epoch FROM updated_at)::bigint AS updated_at";

/// Err(404) unless the project exists in this tenant; it is locked against deletion until the
/// transaction ends.
async fn require_project(tx: &mut Transaction<'_, Postgres>, project_id: Uuid) -> Result<()> {
    let found: Option<i32> =
        sqlx::query_scalar("SELECT 1 FROM projects WHERE id = $1 FOR KEY SHARE")
            .bind(project_id)
            .fetch_optional(&mut **tx)
            .await?;
    found.map(|_| ()).ok_or(ProjectsError::NotFound("project"))
}

/// Err(422, assigneeId) unless `assignee` is a member of the caller's tenant.
async fn require_member(state: &AppState, caller: &Caller, assignee: &str) -> Result<String> {
    let assignee = user_id("assigneeId", assignee)?;
    let pooled = state.databases.pooled();
    if assignee == caller.user_id
        || crate::members::is_member(&pooled, &caller.tenant_id, &assignee).await?
    {
        Ok(assignee)
    } else {
        Err(ProjectsError::invalid(
            "assigneeId",
            "the assignee is not a member of this tenant",
        ))
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListTasks {
    pub status: Option<TaskStatus>,
    pub assignee_id: Option<String>,
    /// Only tasks due on or before this date (YYYY-MM-DD).
    pub due_before: Option<String>,
    /// Page size, 1 to 100 (20 by default).
    pub limit: Option<u32>,
    /// The `nextCursor` of the page before.
    pub cursor: Option<Uuid>,
}

#[utoipa::path(get, operation_id = "list_tasks", path = "/projects/{projectId}/tasks", tag = "tasks", security(("bearer" = [])),
    params(("projectId" = Uuid, Path), ListTasks),
    responses(
        (status = 200, description = "A page of the project's tasks, oldest first", body = Page<Task>),
        (status = 404, description = "not_found: no such project"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<Uuid>,
    Query(query): Query<ListTasks>,
) -> Result<Json<Page<Task>>> {
    let limit = pagination::limit(query.limit)?;
    let due_before = query
        .due_before
        .as_deref()
        .map(|d| date("dueBefore", d))
        .transpose()?;
    let assignee = query
        .assignee_id
        .as_deref()
        .map(|a| user_id("assigneeId", a))
        .transpose()?;
    let db = state.databases.of(&caller.tenant).await?;
    let mut tx = tenant_scope::begin(&db, &caller.tenant_id).await?;
    require_project(&mut tx, project_id).await?;
    let rows: Vec<TaskRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM tasks
         WHERE project_id = $1
           AND ($2::uuid IS NULL OR id > $2)
           AND ($3::text IS NULL OR status = $3)
           AND ($4::text IS NULL OR assignee_id = $4)
           AND ($5::date IS NULL OR due_date <= $5::date)
         ORDER BY id LIMIT $6"
    )))
    .bind(project_id)
    .bind(query.cursor)
    .bind(query.status.map(TaskStatus::as_str))
    .bind(assignee)
    .bind(due_before)
    .bind(i64::from(limit) + 1)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let page = pagination::page(rows, limit, |r| r.id);
    Ok(Json(Page {
        items: page.items.into_iter().map(Task::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewTask {
    /// 1 to 200 characters.
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// `todo` when absent.
    pub status: Option<TaskStatus>,
    /// A member of the tenant.
    pub assignee_id: Option<String>,
    /// YYYY-MM-DD.
    pub due_date: Option<String>,
}

#[utoipa::path(post, operation_id = "create_task", path = "/projects/{projectId}/tasks", tag = "tasks", security(("bearer" = [])),
    params(("projectId" = Uuid, Path)),
    request_body = NewTask,
    responses(
        (status = 201, description = "The task", body = Task),
        (status = 404, description = "not_found: no such project"),
        (status = 422, description = "invalid_input (an assignee who is not a member: field assigneeId)"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<Uuid>,
    Json(new): Json<NewTask>,
) -> Result<(StatusCode, Json<Task>)> {
    caller.require_writable()?;
    let title = required_text("title", &new.title, 200)?;
    let description = optional_text("description", &new.description, 10_000)?;
    let due_date = new
        .due_date
        .as_deref()
        .map(|d| date("dueDate", d))
        .transpose()?;
    crate::members::record_caller(&state.databases.pooled(), &caller).await?;
    let assignee = match new.assignee_id.as_deref() {
        Some(a) => Some(require_member(&state, &caller, a).await?),
        None => None,
    };
    let db = state.databases.of(&caller.tenant).await?;
    let mut tx = tenant_scope::begin(&db, &caller.tenant_id).await?;
    require_project(&mut tx, project_id).await?;
    let now = state.now();
    let row: TaskRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO tasks (tenant_id, id, project_id, title, description, status, assignee_id,
                            due_date, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::date, $9, to_timestamp($10), to_timestamp($10))
         RETURNING {COLUMNS}"
    )))
    .bind(&caller.tenant_id)
    .bind(Uuid::now_v7())
    .bind(project_id)
    .bind(&title)
    .bind(&description)
    .bind(new.status.unwrap_or(TaskStatus::Todo).as_str())
    .bind(&assignee)
    .bind(&due_date)
    .bind(&caller.user_id)
    .bind(now as f64)
    .fetch_one(&mut *tx)
    .await?;
    let task = Task::from(row);
    events::record(
        &mut tx,
        &caller,
        events::TASK_CREATED,
        &task.id.to_string(),
        json!({ "id": task.id, "projectId": task.project_id, "status": task.status,
                "assigneeId": task.assignee_id }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(task)))
}

#[utoipa::path(get, operation_id = "get_task", path = "/projects/{projectId}/tasks/{taskId}", tag = "tasks", security(("bearer" = [])),
    params(("projectId" = Uuid, Path), ("taskId" = Uuid, Path)),
    responses(
        (status = 200, description = "The task", body = Task),
        (status = 404, description = "not_found"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((project_id, task_id)): Path<(Uuid, Uuid)>,
) -> Result<Json<Task>> {
    let db = state.databases.of(&caller.tenant).await?;
    let mut tx = tenant_scope::begin(&db, &caller.tenant_id).await?;
    let row: Option<TaskRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM tasks WHERE project_id = $1 AND id = $2"
    )))
    .bind(project_id)
    .bind(task_id)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    row.map(|r| Json(Task::from(r)))
        .ok_or(ProjectsError::NotFound("task"))
}

/// A field that may be absent (unchanged), null (cleared) or a value.
fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TaskChange {
    pub title: Option<String>,
    pub description: Option<String>,
    pub status: Option<TaskStatus>,
    /// null unassigns.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, nullable)]
    pub assignee_id: Option<Option<String>>,
    /// null clears the due date.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, nullable)]
    pub due_date: Option<Option<String>>,
}

#[utoipa::path(patch, operation_id = "update_task", path = "/projects/{projectId}/tasks/{taskId}", tag = "tasks", security(("bearer" = [])),
    params(("projectId" = Uuid, Path), ("taskId" = Uuid, Path)),
    request_body = TaskChange,
    responses(
        (status = 200, description = "The task as changed", body = Task),
        (status = 404, description = "not_found"),
        (status = 422, description = "invalid_input"),
    ))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path((project_id, task_id)): Path<(Uuid, Uuid)>,
    Json(change): Json<TaskChange>,
) -> Result<Json<Task>> {
    caller.require_writable()?;
    let title = change
        .title
        .as_deref()
        .map(|t| required_text("title", t, 200))
        .transpose()?;
    let description = change
        .description
        .as_deref()
        .map(|d| optional_text("description", d, 10_000))
        .transpose()?;
    let due_date = match &change.due_date {
        Some(Some(d)) => Some(Some(date("dueDate", d)?)),
        Some(None) => Some(None),
        None => None,
    };
    let assignee = match &change.assignee_id {
        Some(Some(a)) => Some(Some(require_member(&state, &caller, a).await?)),
        Some(None) => Some(None),
        None => None,
    };
    let db = state.databases.of(&caller.tenant).await?;
    let mut tx = tenant_scope::begin(&db, &caller.tenant_id).await?;
    let now = state.now();
    let row: Option<TaskRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE tasks SET title = COALESCE($3, title),
                description = COALESCE($4, description),
                status = COALESCE($5, status),
                assignee_id = CASE WHEN $6 THEN $7 ELSE assignee_id END,
                due_date = CASE WHEN $8 THEN $9::date ELSE due_date END,
                updated_at = to_timestamp($10)
         WHERE project_id = $1 AND id = $2 RETURNING {COLUMNS}"
    )))
    .bind(project_id)
    .bind(task_id)
    .bind(&title)
    .bind(&description)
    .bind(change.status.map(TaskStatus::as_str))
    .bind(assignee.is_some())
    .bind(assignee.clone().flatten())
    .bind(due_date.is_some())
    .bind(due_date.clone().flatten())
    .bind(now as f64)
    .fetch_optional(&mut *tx)
    .await?;
    let task = Task::from(row.ok_or(ProjectsError::NotFound("task"))?);
    events::record(
        &mut tx,
        &caller,
        events::TASK_UPDATED,
        &task.id.to_string(),
        json!({ "id": task.id, "projectId": task.project_id, "status": task.status,
                "assigneeId": task.assignee_id }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(task))
}

#[utoipa::path(delete, operation_id = "delete_task", path = "/projects/{projectId}/tasks/{taskId}", tag = "tasks", security(("bearer" = [])),
    params(("projectId" = Uuid, Path), ("taskId" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted, with its comments"),
        (status = 404, description = "not_found"),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((project_id, task_id)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode> {
    caller.require_writable()?;
    let db = state.databases.of(&caller.tenant).await?;
    let mut tx = tenant_scope::begin(&db, &caller.tenant_id).await?;
    let deleted = sqlx::query("DELETE FROM tasks WHERE project_id = $1 AND id = $2")
        .bind(project_id)
        .bind(task_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if deleted == 0 {
        return Err(ProjectsError::NotFound("task"));
    }
    events::record(
        &mut tx,
        &caller,
        events::TASK_DELETED,
        &task_id.to_string(),
        json!({ "id": task_id, "projectId": project_id }),
        state.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
