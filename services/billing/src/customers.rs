//! One Stripe customer per tenant. A tenant is its Tenant resource's uid, not only its name: a
//! name can be reused after a deletion, and the new tenant must never see or pay with the old
//! one's customer. Creation carries an idempotency key derived from the tenant, so that a
//! retried or concurrent creation gets the same customer back from Stripe instead of a second
//! one; the table's primary key settles any race that is left.

use saascript_crds::Tenant;
use sqlx::PgExecutor;

use crate::AppState;
use crate::error::{BillingError, Result};

/// The name and uid of a Tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantId {
    pub name: String,
    pub uid: String,
}

impl TenantId {
    pub fn of(tenant: &Tenant) -> Result<TenantId> {
        Ok(TenantId {
            name: tenant.metadata.name.clone().unwrap_or_default(),
            uid: tenant
                .metadata
                .uid
                .clone()
                .ok_or_else(|| BillingError::Internal("a Tenant without a uid".into()))?,
        })
    }
}

/// The tenant's customer, if it has one (one made for an earlier tenant of the same name does
/// not count).
pub async fn find<'e>(db: impl PgExecutor<'e>, tenant: &TenantId) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT stripe_customer_id FROM billing_customers WHERE tenant = $1 AND tenant_uid = $2",
    )
    .bind(&tenant.name)
    .bind(&tenant.uid)
    .fetch_optional(db)
    .await?)
}

/// The tenant a Stripe customer belongs to.
pub async fn tenant_of<'e>(db: impl PgExecutor<'e>, customer: &str) -> Result<Option<TenantId>> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT tenant, tenant_uid FROM billing_customers WHERE stripe_customer_id = $1",
    )
    .bind(customer)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(name, uid)| TenantId { name, uid }))
}

/// The tenant's customer, created in Stripe on first use: after billing's finalizer is on the
/// Tenant, so that a tenant with a customer is never deleted without billing closing its
/// subscriptions (`tenant_deletion`). The owner's address goes to Stripe for invoices.
pub async fn ensure(state: &AppState, resource: &Tenant) -> Result<String> {
    let tenant = &TenantId::of(resource)?;
    if let Some(id) = find(&state.db, tenant).await? {
        return Ok(id);
    }
    if awaiting_reinstall(&state.db, &tenant.name).await? {
        return Err(BillingError::NotYet(format!(
            "tenant {} is taking back its billing from before the Tenant CRD was reinstalled; \
             retry shortly",
            tenant.name
        )));
    }
    // Only a tenant whose deletion this billing watches may get its finalizer: no other
    // replica would ever release it.
    if let Some(selector) = &state.settings.tenant_selector
        && !state.kube.tenant_selected(&tenant.name, selector).await?
    {
        return Err(BillingError::Conflict(format!(
            "tenant {} is not one this billing serves (SAASCRIPT_TENANT_SELECTOR={selector})",
            tenant.name
        )));
    }
    state
        .kube
        .add_tenant_finalizer(resource, crate::kubernetes::FINALIZER)
        .await?;
    let email = resource.spec.owners.first();
    let mut form = vec![
        ("metadata[tenant]".to_string(), tenant.name.clone()),
        ("metadata[tenant_uid]".to_string(), tenant.uid.clone()),
        (
            "description".to_string(),
            format!("SaaScript tenant {}", tenant.name),
        ),
    ];
    if let Some(email) = email {
        form.push(("email".into(), email.clone()));
    }
    let customer = state
        .stripe
        .create_customer(
            &form,
            &format!("saascript-customer-{}-{}", tenant.name, tenant.uid),
        )
        .await?;
    // A row left by an earlier tenant of the same name is replaced: its customer stays in
    // Stripe with that tenant's history, and this tenant starts afresh.
    sqlx::query(
        "INSERT INTO billing_customers (tenant, tenant_uid, stripe_customer_id) VALUES ($1, $2, $3)
         ON CONFLICT (tenant) DO UPDATE
             SET tenant_uid = EXCLUDED.tenant_uid,
                 stripe_customer_id = EXCLUDED.stripe_customer_id,
                 created_at = now()
             WHERE billing_customers.tenant_uid <> EXCLUDED.tenant_uid
               AND NOT billing_customers.awaiting_reinstall",
    )
    .bind(&tenant.name)
    .bind(&tenant.uid)
    .bind(&customer.id)
    .execute(&state.db)
    .await?;
    // Whoever won a race, this is the tenant's customer from now on.
    let id = find(&state.db, tenant).await?.ok_or_else(|| {
        BillingError::Internal(format!("the customer of tenant {} vanished", tenant.name))
    })?;
    state.kube.write_customer(&tenant.name, &id).await?;
    tracing::info!(tenant = %tenant.name, customer = %id, "Stripe customer ready");
    Ok(id)
}

/// Whether a customer of this name awaits its tenant's return: billing must not make the name a
/// second customer meanwhile, and Stripe's events about it wait. (The awaiting row is always an
/// earlier Tenant's: the one released went with its CRD.)
pub async fn awaiting_reinstall<'e>(db: impl PgExecutor<'e>, tenant: &str) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM billing_customers WHERE tenant = $1 AND awaiting_reinstall)",
    )
    .bind(tenant)
    .fetch_one(db)
    .await?)
}
