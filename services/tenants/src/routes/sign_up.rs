//! POST /tenants: sign-up. A verified user without a tenant (or a platform admin) creates a
//! Tenant with themselves as its owner, on the free plan (platform admins may choose any plan
//! and the owners). The operator provisions it; auth makes the owner a member once it sees the
//! Tenant (its owner sync), and the caller's next login carries the tenant.

use axum::extract::State;
use axum::http::{StatusCode, header};
use kube::api::{ListParams, ObjectMeta, PostParams};
use saascript_catalog::Billing;
use saascript_common::input::Json;
use saascript_crds::{DeletionPolicy, Tenant, TenantSpec};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::caller::Caller;
use crate::error::{Result, TenantsError};
use crate::idempotency::{self, IdempotencyKey, KEY_LABEL, REQUEST_ANNOTATION};
use crate::tenant_view::TenantView;
use crate::{AppState, display_name, owner_list, tenant_name};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignUp {
    /// The tenant's name: lowercase letters, digits and '-', starting with a letter, at most
    /// 40 characters (see GET /tenants/availability).
    pub name: String,
    /// The name people see, 1 to 100 characters.
    pub display_name: String,
    /// A plan from the catalog; `free` by default. Paid plans are chosen in billing after
    /// sign-up; only a platform admin may start a tenant on another plan.
    #[serde(default)]
    pub plan: Option<String>,
    /// Platform admins only: the owners' email addresses (by default, the caller's).
    #[serde(default)]
    pub owners: Option<Vec<String>>,
}

/// The request as understood (defaults filled in, inputs normalized): what the idempotency
/// record compares.
#[derive(Serialize)]
struct Understood<'a> {
    name: &'a str,
    display_name: &'a str,
    plan: &'a str,
    owners: &'a [String],
}

const PLATFORM_ADMIN: &str = "platform-admin";

/// 201, with the tenant's place (`Location`) and its view.
type Created = (
    StatusCode,
    [(header::HeaderName, &'static str); 1],
    Json<TenantView>,
);

/// Creates a tenant with the caller as its owner.
#[utoipa::path(post, path = "/tenants", tag = "tenants", security(("bearer" = [])),
    request_body = SignUp,
    params(("Idempotency-Key" = String, Header, description = "Required: the same key and body give the same answer and no second tenant")),
    responses(
        (status = 201, description = "The new tenant (and, for a retry, the same one)", body = TenantView),
        (status = 400, description = "idempotency_key_required or idempotency_key_invalid"),
        (status = 401, description = "token_missing, token_invalid or token_expired"),
        (status = 409, description = "name_taken, or already_in_tenant: the caller is a member or owner of a tenant already"),
        (status = 422, description = "name_invalid, display_name_invalid, plan_unknown, plan_needs_billing, owners_not_allowed, owners_invalid (`field` says which), or idempotency_key_reused: the key came with another body"),
    ))]
pub async fn sign_up(
    State(state): State<AppState>,
    caller: Caller,
    IdempotencyKey(key): IdempotencyKey,
    Json(body): Json<SignUp>,
) -> Result<Created> {
    let admin = caller.claims.has_role(PLATFORM_ADMIN);
    let name = body.name.trim();
    if let Some(problem) = tenant_name::problem_with(name) {
        return Err(TenantsError::invalid("name", "name_invalid", problem));
    }
    let display_name = display_name::normalize(&body.display_name)
        .map_err(|e| TenantsError::invalid("displayName", "display_name_invalid", e))?;
    let plan_name = body
        .plan
        .as_deref()
        .map(str::trim)
        .unwrap_or_else(|| state.catalog.default_plan())
        .to_string();
    let plan = state.catalog.plan(&plan_name).ok_or_else(|| {
        TenantsError::invalid(
            "plan",
            "plan_unknown",
            format!("there is no plan {plan_name}"),
        )
    })?;
    if !admin && plan.billing() != Billing::Free {
        return Err(TenantsError::invalid(
            "plan",
            "plan_needs_billing",
            format!("sign up on a free plan, then choose {plan_name} in billing"),
        ));
    }
    if !admin && body.owners.is_some() {
        return Err(TenantsError::invalid(
            "owners",
            "owners_not_allowed",
            "the owner of a new tenant is the caller; more owners are added to the tenant afterwards",
        ));
    }
    // Who the caller is now, from auth: their verified address, and their memberships.
    let me = state.auth.me(&caller.bearer).await?;
    let owners = match &body.owners {
        Some(owners) => owner_list::normalize(owners)
            .map_err(|e| TenantsError::invalid("owners", "owners_invalid", e))?,
        None => vec![me.email.clone()],
    };
    let label = idempotency::key_label(&caller.claims.sub, &key);
    let digest = idempotency::request_digest(&Understood {
        name,
        display_name: &display_name,
        plan: &plan_name,
        owners: &owners,
    });
    if let Some(earlier) = created_under(&state, &label).await? {
        return replay(&earlier, &digest);
    }
    if !admin {
        if let Some(membership) = me.memberships.first() {
            return Err(already_in(&membership.tenant));
        }
        if let Some(tenant) = state.owners.owned_by(&me.email) {
            return Err(already_in(&tenant));
        }
    }
    let tenant = Tenant {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: Some(
                state
                    .settings
                    .tenant_labels
                    .clone()
                    .into_iter()
                    .chain([(KEY_LABEL.to_string(), label.clone())])
                    .collect(),
            ),
            annotations: Some([(REQUEST_ANNOTATION.to_string(), digest.clone())].into()),
            ..ObjectMeta::default()
        },
        spec: TenantSpec {
            display_name,
            owners,
            plan: plan_name,
            // Isolation follows the plan.
            isolation: plan.isolation,
            quota: None,
            // A tenant made by sign-up keeps its data when deleted, until an admin says otherwise.
            deletion_policy: DeletionPolicy::Retain,
            suspended: false,
            prevent_deletion: false,
        },
        status: None,
    };
    match state.tenants.create(&PostParams::default(), &tenant).await {
        Ok(created) => {
            tracing::info!(tenant = name, admin, "tenant signed up");
            Ok(created_answer(&created))
        }
        // Taken meanwhile: by a concurrent retry of this very request, or by someone else.
        Err(kube::Error::Api(status)) if status.code == 409 => {
            match state
                .tenants
                .get_opt(name)
                .await
                .map_err(TenantsError::from_kube)?
            {
                Some(existing) if label_of(&existing) == Some(label.as_str()) => {
                    replay(&existing, &digest)
                }
                _ => Err(name_taken(name)),
            }
        }
        Err(kube::Error::Api(status)) if status.code == 422 => Err(TenantsError::invalid(
            "name",
            "tenant_invalid",
            format!("the API server refused the tenant: {}", status.message),
        )),
        Err(e) => Err(TenantsError::from_kube(e)),
    }
}

fn created_answer(tenant: &Tenant) -> Created {
    (
        StatusCode::CREATED,
        [(header::LOCATION, "/tenants/current")],
        Json(TenantView::of(tenant)),
    )
}

/// The Tenant an earlier request with this key created, read live.
async fn created_under(state: &AppState, label: &str) -> Result<Option<Tenant>> {
    let listed = state
        .tenants
        .list(&ListParams::default().labels(&format!("{KEY_LABEL}={label}")))
        .await
        .map_err(TenantsError::from_kube)?;
    Ok(listed.items.into_iter().next())
}

/// The answer to a retry: the same tenant for the same request, a refusal for another one.
fn replay(earlier: &Tenant, digest: &str) -> Result<Created> {
    let recorded = earlier
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(REQUEST_ANNOTATION));
    if recorded.map(String::as_str) == Some(digest) {
        Ok(created_answer(earlier))
    } else {
        Err(TenantsError::IdempotencyKeyReused)
    }
}

fn label_of(tenant: &Tenant) -> Option<&str> {
    tenant
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(KEY_LABEL))
        .map(String::as_str)
}

fn already_in(tenant: &str) -> TenantsError {
    TenantsError::Conflict {
        code: "already_in_tenant",
        message: format!("you already belong to tenant {tenant}; sign-up makes a first tenant"),
    }
}

fn name_taken(name: &str) -> TenantsError {
    TenantsError::Conflict {
        code: "name_taken",
        message: format!("the name {name} is taken"),
    }
}
