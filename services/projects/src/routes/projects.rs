//! /projects: a tenant's projects. Any member lists, reads, creates and updates them; deleting
//! one (with its tasks and their comments) takes an owner or admin. Creating one beyond the
//! plan's `maxProjects` is refused with 403 `entitlement_exceeded`.

use axum::extract::State;
use axum::http::StatusCode;
use saascript_common::input::{Json, Path, Query};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::caller::Caller;
use crate::error::{ProjectsError, Result};
use crate::events;
use crate::pagination::{self, Page};
use crate::tenant_scope;
use crate::validation::{optional_text, required_text, rfc3339};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub created_by: String,
    /// RFC 3339.
    pub created_at: String,
    pub updated_at: String,
}

#[derive(sqlx::FromRow)]
struct ProjectRow {
    id: Uuid,
    name: String,
    description: String,
    created_by: String,
    created_at: i64,
    updated_at: i64,
}

impl From<ProjectRow> for Project {
    fn from(row: ProjectRow) -> Project {
        Project {
            id: row.id,
            name: row.name,
            description: row.description,
            created_by: row.created_by,
            created_at: rfc3339(row.created_at),
            updated_at: rfc3339(row.updated_at),
        }
    }
}

const COLUMNS: &str = "id, name, description, created_by,
    extract(epoch FROM created_at)::bigint AS created_at,
    extract(epoch FROM updated_at)::bigint AS updated_at";

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListProjects {
    /// Only projects whose name contains this (ignoring case).
    pub q: Option<String>,
    /// Page size, 1 to 100 (20 by default).
    pub limit: Option<u32>,
    /// The `nextCursor` of the page before.
    pub cursor: Option<Uuid>,
}

#[utoipa::path(get, operation_id = "list_projects", path = "/projects", tag = "projects", security(("bearer" = [])),
    params(ListProjects),
    responses((status = 200, description = "A page of the tenant's projects, oldest first", body = Page<Project>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListProjects>,
) -> Result<Json<Page<Project>>> {
    let limit = pagination::limit(query.limit)?;
    let q = query
        .q
        .as_deref()
        .map(|q| optional_text("q", q, 200))
        .transpose()?
        .filter(|q| !q.is_empty());
    let db = state.databases.of(&caller.tenant).await?;
    let mut tx = tenant_scope::begin(&db, &caller.tenant_id).await?;
    // The policy scopes the rows to the tenant; no WHERE on tenant_id is needed (or trusted).
    let rows: Vec<ProjectRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM projects
         WHERE ($1::uuid IS NULL OR id > $1)
           AND ($2::text IS NULL OR strpos(lower(name), lower($2)) > 0)
         ORDER BY id LIMIT $3"
    )))
    .bind(query.cursor)
    .bind(q)
    .bind(i64::from(limit) + 1)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let page = pagination::page(rows, limit, |r| r.id);
    Ok(Json(Page {
        items: page.items.into_iter().map(Project::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewProject {
    /// 1 to 200 characters.
    pub name: String,
    /// At most 10000 characters.
    #[serde(default)]
    pub description: String,
}

#[utoipa::path(post, operation_id = "create_project", path = "/projects", tag = "projects", security(("bearer" = [])),
    request_body = NewProject,
    responses(
        (status = 201, description = "The project", body = Project),
        (status = 403, description = "entitlement_exceeded (maxProjects) or tenant_suspended"),
        (status = 409, description = "tenant_provisioning: no entitlements in force yet"),
        (status = 422, description = "invalid_input"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewProject>,
) -> Result<(StatusCode, Json<Project>)> {
    caller.require_writable()?;
    let name = required_text("name", &new.name, 200)?;
    let description = optional_text("description", &new.description, 10_000)?;
    // As auth does for maxMembers: before the operator has written the entitlements, the limit
    // is unknown, and the client is told to try again (409), not that it is over it.
    let max = caller
        .max_projects()
        .ok_or_else(|| ProjectsError::TenantProvisioning(caller.tenant_name.clone()))?;
    crate::members::record_caller(&state.databases.pooled(), &caller).await?;
    let db = state.databases.of(&caller.tenant).await?;
    let mut tx = tenant_scope::begin(&db, &caller.tenant_id).await?;
    // One creation at a time per tenant, so that two racing requests cannot both take the last
    // project the plan allows.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(&caller.tenant_id)
        .execute(&mut *tx)
        .await?;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM projects")
        .fetch_one(&mut *tx)
        .await?;
    if count >= max {
        return Err(ProjectsError::EntitlementExceeded(format!(
            "the plan allows {max} projects, and the tenant has {count}"
        )));
    }
    let now = state.now();
    let row: ProjectRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO projects (tenant_id, id, name, description, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, to_timestamp($6), to_timestamp($6))
         RETURNING {COLUMNS}"
    )))
    .bind(&caller.tenant_id)
    .bind(Uuid::now_v7())
    .bind(&name)
    .bind(&description)
    .bind(&caller.user_id)
    .bind(now as f64)
    .fetch_one(&mut *tx)
    .await?;
    let project = Project::from(row);
    events::record(
        &mut tx,
        &caller,
        events::PROJECT_CREATED,
        &project.id.to_string(),
        json!({ "id": project.id, "name": project.name }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(project)))
}

#[utoipa::path(get, operation_id = "get_project", path = "/projects/{projectId}", tag = "projects", security(("bearer" = [])),
    params(("projectId" = Uuid, Path)),
    responses(
        (status = 200, description = "The project", body = Project),
        (status = 404, description = "not_found: no such project in this tenant"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<Uuid>,
) -> Result<Json<Project>> {
    let db = state.databases.of(&caller.tenant).await?;
    let mut tx = tenant_scope::begin(&db, &caller.tenant_id).await?;
    let row: Option<ProjectRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM projects WHERE id = $1"
    )))
    .bind(project_id)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    row.map(|r| Json(Project::from(r)))
        .ok_or(ProjectsError::NotFound("project"))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProjectChange {
    pub name: Option<String>,
    pub description: Option<String>,
}

#[utoipa::path(patch, operation_id = "update_project", path = "/projects/{projectId}", tag = "projects", security(("bearer" = [])),
    params(("projectId" = Uuid, Path)),
    request_body = ProjectChange,
    responses(
        (status = 200, description = "The project as changed", body = Project),
        (status = 404, description = "not_found"),
        (status = 422, description = "invalid_input"),
    ))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<Uuid>,
    Json(change): Json<ProjectChange>,
) -> Result<Json<Project>> {
    caller.require_writable()?;
    let name = change
        .name
        .as_deref()
        .map(|n| required_text("name", n, 200))
        .transpose()?;
    let description = change
        .description
        .as_deref()
        .map(|d| optional_text("description", d, 10_000))
        .transpose()?;
    let db = state.databases.of(&caller.tenant).await?;
    let mut tx = tenant_scope::begin(&db, &caller.tenant_id).await?;
    let now = state.now();
    let row: Option<ProjectRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE projects SET name = COALESCE($2, name),
                description = COALESCE($3, description),
                updated_at = to_timestamp($4)
         WHERE id = $1 RETURNING {COLUMNS}"
    )))
    .bind(project_id)
    .bind(&name)
    .bind(&description)
    .bind(now as f64)
    .fetch_optional(&mut *tx)
    .await?;
    let project = Project::from(row.ok_or(ProjectsError::NotFound("project"))?);
    events::record(
        &mut tx,
        &caller,
        events::PROJECT_UPDATED,
        &project.id.to_string(),
        json!({ "id": project.id, "name": project.name }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(project))
}

#[utoipa::path(delete, operation_id = "delete_project", path = "/projects/{projectId}", tag = "projects", security(("bearer" = [])),
    params(("projectId" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted, with its tasks and comments"),
        (status = 403, description = "role_required: only an owner or admin"),
        (status = 404, description = "not_found"),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<Uuid>,
) -> Result<StatusCode> {
    caller.require_writable()?;
    caller.require_manager("delete a project")?;
    let db = state.databases.of(&caller.tenant).await?;
    let mut tx = tenant_scope::begin(&db, &caller.tenant_id).await?;
    let deleted = sqlx::query("DELETE FROM projects WHERE id = $1")
        .bind(project_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if deleted == 0 {
        return Err(ProjectsError::NotFound("project"));
    }
    events::record(
        &mut tx,
        &caller,
        events::PROJECT_DELETED,
        &project_id.to_string(),
        json!({ "id": project_id }),
        state.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
