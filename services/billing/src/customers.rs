//! One Stripe customer per tenant. Creation carries an idempotency key derived from the tenant,
//! so that a retried or concurrent creation (two replicas, a timeout) gets the same customer
//! back from Stripe instead of a second one; the table's primary key settles any race that is
//! left.

use crate::AppState;
use crate::error::Result;

pub async fn find(state: &AppState, tenant: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT stripe_customer_id FROM billing_customers WHERE tenant = $1")
            .bind(tenant)
            .fetch_optional(&state.db)
            .await?,
    )
}

pub async fn tenant_of(state: &AppState, customer: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT tenant FROM billing_customers WHERE stripe_customer_id = $1")
            .bind(customer)
            .fetch_optional(&state.db)
            .await?,
    )
}

/// The tenant's customer, created in Stripe on first use.
pub async fn ensure(state: &AppState, tenant: &str, email: Option<&str>) -> Result<String> {
    if let Some(id) = find(state, tenant).await? {
        return Ok(id);
    }
    let mut form = vec![
        ("metadata[tenant]".to_string(), tenant.to_string()),
        (
            "description".to_string(),
            format!("SaaScript tenant {tenant}"),
        ),
    ];
    if let Some(email) = email {
        form.push(("email".into(), email.into()));
    }
    let customer = state
        .stripe
        .create_customer(&form, &format!("saascript-customer-{tenant}"))
        .await?;
    sqlx::query(
        "INSERT INTO billing_customers (tenant, stripe_customer_id) VALUES ($1, $2)
         ON CONFLICT (tenant) DO NOTHING",
    )
    .bind(tenant)
    .bind(&customer.id)
    .execute(&state.db)
    .await?;
    // Whoever won a race, this is the tenant's customer from now on.
    let id: String =
        sqlx::query_scalar("SELECT stripe_customer_id FROM billing_customers WHERE tenant = $1")
            .bind(tenant)
            .fetch_one(&state.db)
            .await?;
    state.kube.write_customer(tenant, &id).await?;
    tracing::info!(tenant, customer = %id, "Stripe customer ready");
    Ok(id)
}
