//! Invitations: an owner or admin of a tenant invites an email address as admin or member
//! (POST /auth/invitations); the invitee, signed in with that address, accepts the single-use
//! token from the email (POST /auth/invitations/accept) and becomes a member. The membership and
//! its `auth.membership.created` event commit together.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use saascript_common::extract::{AuthUser, TenantContext};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::error::{AuthError, Result};
use crate::routes::register::check_email;
use crate::{AppState, events, mail, opaque_token, outbox, users};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Invite {
    pub email: String,
    pub role: String,
}

/// Invites an address to the caller's tenant (owners and admins).
#[utoipa::path(post, path = "/auth/invitations", tag = "auth", request_body = Invite, security(("bearer" = [])),
    responses((status = 201, description = "Invited"), (status = 403, description = "forbidden")))]
pub async fn invite(
    State(state): State<AppState>,
    context: TenantContext,
    Json(body): Json<Invite>,
) -> Result<(StatusCode, Json<Value>)> {
    if !(context.claims.has_role("owner") || context.claims.has_role("admin")) {
        return Err(AuthError::Forbidden(
            "only the tenant's owners and admins may invite".into(),
        ));
    }
    if !matches!(body.role.as_str(), "admin" | "member") {
        return Err(AuthError::Invalid("role must be admin or member".into()));
    }
    let email = body.email.trim().to_string();
    check_email(&email)?;
    let inviter: Uuid = context
        .claims
        .sub
        .parse()
        .map_err(|_| AuthError::BadCredentials)?;
    let token = opaque_token::generate();
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "INSERT INTO invitations (token_hash, tenant, email, role, invited_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + interval '7 days')",
    )
    .bind(opaque_token::hash(&token))
    .bind(&context.tenant)
    .bind(&email)
    .bind(&body.role)
    .bind(inviter)
    .execute(&mut *tx)
    .await?;
    let link = format!(
        "{}/invitations/accept?token={token}",
        state.settings.web_origin.trim_end_matches('/')
    );
    let text = format!(
        "You are invited to join {} on SaaScript as {}.\n\nSign in (or sign up) with this address and open:\n{link}\n\nThe link works once, for 7 days.\n",
        context.tenant, body.role
    );
    outbox::enqueue(
        &mut tx,
        &state.settings.email_queue,
        mail::email(&email, "You are invited to SaaScript", &text),
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "tenant": context.tenant, "email": email, "role": body.role })),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Accept {
    pub token: String,
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
    let invitation: Option<(String, String)> = sqlx::query_as(
        "UPDATE invitations SET accepted_at = now()
         WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > now() AND lower(email) = lower($2)
         RETURNING tenant, role",
    )
    .bind(opaque_token::hash(&body.token))
    .bind(&email)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((tenant, role)) = invitation else {
        return Err(AuthError::BadEmailToken);
    };
    let created = sqlx::query(
        "INSERT INTO memberships (user_id, tenant, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(&tenant)
    .bind(&role)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if created {
        let data = json!({ "user": user_id, "tenant": tenant, "role": role });
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
