//! Invitations: an owner or admin of a tenant invites an email address as admin or member
//! (POST /auth/invitations) and sees those still open (GET /auth/invitations); the invitee,
//! signed in with that address, accepts the single-use token from the email
//! (POST /auth/invitations/accept) and becomes a member. The membership and its
//! `auth.membership.created` event commit together. Both count against the plan's `maxMembers`
//! (`member_limit`): 403 `entitlement_exceeded` when it is full.

use axum::extract::State;
use axum::http::StatusCode;
use saascript_common::extract::{AuthUser, TenantContext};
use saascript_common::input::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::error::{AuthError, Result};
use crate::routes::register::check_email;
use crate::text::Text;
use crate::{AppState, events, mail, member_limit, opaque_token, sealed_tasks, users};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Invite {
    pub email: Text,
    pub role: Text,
}

/// Invites an address to the caller's tenant (owners and admins).
#[utoipa::path(post, path = "/auth/invitations", tag = "auth", request_body = Invite, security(("bearer" = [])),
    responses((status = 201, description = "Invited"), (status = 403, description = "forbidden")))]
pub async fn invite(
    State(state): State<AppState>,
    context: TenantContext,
    Json(body): Json<Invite>,
) -> Result<(StatusCode, Json<Value>)> {
    let Manager {
        user: inviter,
        tenant_uid,
    } = manager(&state, &context, "invite").await?;
    let role = body.role.into_string();
    if !matches!(role.as_str(), "admin" | "member") {
        return Err(AuthError::Invalid("role must be admin or member".into()));
    }
    let email = body.email.trim().to_string();
    check_email(&email)?;
    state.tenants.require(&context.tenant, &tenant_uid).await?;
    let max = member_limit::max_members(&state.tenants, &context.tenant).await?;
    let token = opaque_token::generate();
    let mut tx = state.db.begin().await?;
    member_limit::check_invitation(&mut tx, &tenant_uid, max).await?;
    sqlx::query(
        "INSERT INTO invitations
           (token_hash, tenant, tenant_uid, email, role, invited_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, now() + interval '7 days')",
    )
    .bind(opaque_token::hash(&token))
    .bind(&context.tenant)
    .bind(&tenant_uid)
    .bind(&email)
    .bind(&role)
    .bind(inviter)
    .execute(&mut *tx)
    .await?;
    let link = format!(
        "{}/invitations/accept?token={token}",
        state.settings.web_origin.trim_end_matches('/')
    );
    let text = format!(
        "You are invited to join {} on SaaScript as {}.\n\nSign in (or sign up) with this address and open:\n{link}\n\nThe link works once, for 7 days.\n",
        context.tenant, role
    );
    sealed_tasks::enqueue(
        &mut tx,
        &state.settings.email_queue,
        &state.settings.task_key,
        mail::email(&email, "You are invited to SaaScript", &text),
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "tenant": context.tenant, "email": email, "role": role })),
    ))
}

/// An owner or admin of the tenant the token acts for: the user, and the uid of the Tenant the
/// token was minted for.
struct Manager {
    user: Uuid,
    tenant_uid: String,
}

/// Err(Forbidden) unless the caller is an owner or admin of the token's tenant, by the token and
/// by the membership as it is now (a token remembers a role for up to 15 minutes; a token whose
/// user is gone may do nothing). `what` names the refused action in the problem's detail.
async fn manager(state: &AppState, context: &TenantContext, what: &str) -> Result<Manager> {
    let refused =
        || AuthError::Forbidden(format!("only the tenant's owners and admins may {what}"));
    if !(context.claims.has_role("owner") || context.claims.has_role("admin")) {
        return Err(refused());
    }
    let user: Uuid = context
        .claims
        .sub
        .parse()
        .map_err(|_| AuthError::BadCredentials)?;
    // The Tenant the token was minted for, if it is still the one of that name; a token from
    // before tenant uids names no Tenant for sure.
    let tenant_uid = context
        .claims
        .tenant_uid
        .clone()
        .ok_or_else(|| AuthError::TenantGone(context.tenant.clone()))?;
    let role = users::role_in(&state.db, user, &context.tenant, &tenant_uid).await?;
    if !matches!(role.as_deref(), Some("owner" | "admin")) {
        return Err(refused());
    }
    Ok(Manager { user, tenant_uid })
}

/// An invitation still open: neither accepted nor expired. Its token is never shown (auth keeps
/// only its hash).
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PendingInvitation {
    pub email: String,
    /// `admin` or `member`.
    pub role: String,
    /// When the emailed link stops working (RFC 3339, UTC).
    pub expires_at: String,
    /// When the invitation was sent (RFC 3339, UTC).
    pub created_at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PendingInvitations {
    pub tenant: String,
    /// Oldest first.
    pub invitations: Vec<PendingInvitation>,
}

/// The open invitations of the caller's tenant (owners and admins).
#[utoipa::path(get, path = "/auth/invitations", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, body = PendingInvitations),
        (status = 401, description = "token_missing, token_invalid or token_expired"),
        (status = 403, description = "tenant_required or forbidden: not an owner or admin of the tenant"),
        (status = 410, description = "tenant_gone"),
    ))]
pub async fn pending(
    State(state): State<AppState>,
    context: TenantContext,
) -> Result<Json<PendingInvitations>> {
    let Manager { tenant_uid, .. } = manager(&state, &context, "see its invitations").await?;
    state.tenants.require(&context.tenant, &tenant_uid).await?;
    let invitations: Vec<PendingInvitation> = sqlx::query_as(
        "SELECT email, role,
                to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS expires_at,
                to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS created_at
         FROM invitations
         WHERE tenant = $1 AND tenant_uid = $2 AND accepted_at IS NULL AND expires_at > now()
         ORDER BY invitations.created_at, lower(email)",
    )
    .bind(&context.tenant)
    .bind(&tenant_uid)
    .fetch_all(&state.db)
    .await?;
    Ok(Json(PendingInvitations {
        tenant: context.tenant,
        invitations,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Accept {
    pub token: Text,
}

/// Accepts an invitation sent to the caller's address.
#[utoipa::path(post, path = "/auth/invitations/accept", tag = "auth", request_body = Accept, security(("bearer" = [])),
    responses((status = 200, description = "Joined"), (status = 400, description = "email_token_invalid")))]
pub async fn accept(
    State(state): State<AppState>,
    AuthUser(claims): AuthUser,
    Json(body): Json<Accept>,
) -> Result<Json<Value>> {
    let user_id: Uuid = claims.sub.parse().map_err(|_| AuthError::BadCredentials)?;
    let (email, _) = users::find_by_id(&state.db, user_id)
        .await?
        .ok_or(AuthError::BadCredentials)?;
    let mut tx = state.db.begin().await?;
    let invitation: Option<(String, Option<String>, String)> = sqlx::query_as(
        "UPDATE invitations SET accepted_at = now()
         WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > now() AND lower(email) = lower($2)
         RETURNING tenant, tenant_uid, role",
    )
    .bind(opaque_token::hash(&body.token))
    .bind(&email)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((tenant, Some(tenant_uid), role)) = invitation else {
        return Err(AuthError::BadEmailToken);
    };
    // An invitation to a Tenant that is gone, or whose name another Tenant has taken, admits
    // to nothing; the transaction rolls back and the sweep removes the invitation.
    state.tenants.require(&tenant, &tenant_uid).await?;
    let max = member_limit::max_members(&state.tenants, &tenant).await?;
    member_limit::check_member(&mut tx, &tenant_uid, max).await?;
    // A membership left from an earlier Tenant of the same name is replaced, not kept.
    let created = sqlx::query(
        "INSERT INTO memberships (user_id, tenant, tenant_uid, role) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, tenant) DO UPDATE
           SET tenant_uid = EXCLUDED.tenant_uid, role = EXCLUDED.role, created_at = now()
           WHERE memberships.tenant_uid IS DISTINCT FROM EXCLUDED.tenant_uid",
    )
    .bind(user_id)
    .bind(&tenant)
    .bind(&tenant_uid)
    .bind(&role)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if created {
        let data =
            json!({ "user": user_id, "tenant": tenant, "tenant_uid": tenant_uid, "role": role });
        events::record(
            &mut tx,
            "auth.membership.created",
            Some(&tenant),
            &user_id.to_string(),
            data,
            state.clock_now(),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Json(json!({ "tenant": tenant, "role": role })))
}
