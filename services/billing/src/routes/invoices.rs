//! GET /billing/invoices (from Stripe) and GET /billing/refunds (as recorded from Stripe's
//! charge.refunded events).

use super::billing_manager::BillingManager;
use axum::extract::State;
use saascript_common::input::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::customers::TenantId;
use crate::error::Result;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceSummary {
    pub id: String,
    pub number: Option<String>,
    /// draft, open, paid, uncollectible or void.
    pub status: Option<String>,
    pub currency: Option<String>,
    /// In the currency's smallest unit (cents).
    pub amount_due: Option<i64>,
    pub amount_paid: Option<i64>,
    /// Unix seconds.
    pub created: Option<i64>,
    pub hosted_invoice_url: Option<String>,
}

#[utoipa::path(get, path = "/billing/invoices", tag = "billing", security(("bearer" = [])),
    responses(
        (status = 200, description = "The tenant's latest invoices, newest first", body = Vec<InvoiceSummary>),
        (status = 403, description = "role_required: only an owner or admin"),
    ))]
pub async fn invoices(
    State(state): State<AppState>,
    manager: BillingManager,
) -> Result<Json<Vec<InvoiceSummary>>> {
    let tenant = TenantId::of(&state.kube.existing_tenant(&manager.tenant).await?)?;
    let Some(customer) = crate::customers::find(&state.db, &tenant).await? else {
        return Ok(Json(vec![]));
    };
    let list = state.stripe.invoices(&customer, 24).await?;
    Ok(Json(
        list.data
            .into_iter()
            .map(|i| InvoiceSummary {
                id: i.id,
                number: i.number,
                status: i.status,
                currency: i.currency,
                amount_due: i.amount_due,
                amount_paid: i.amount_paid,
                created: i.created,
                hosted_invoice_url: i.hosted_invoice_url,
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Refund {
    pub charge_id: String,
    pub invoice_id: Option<String>,
    pub amount: i64,
    pub amount_refunded: i64,
    pub currency: String,
}

#[utoipa::path(get, path = "/billing/refunds", tag = "billing", security(("bearer" = [])),
    responses(
        (status = 200, description = "Refunds of the tenant's charges", body = Vec<Refund>),
        (status = 403, description = "role_required: only an owner or admin"),
    ))]
pub async fn refunds(
    State(state): State<AppState>,
    manager: BillingManager,
) -> Result<Json<Vec<Refund>>> {
    let tenant = TenantId::of(&state.kube.existing_tenant(&manager.tenant).await?)?;
    Ok(Json(
        sqlx::query_as(
            "SELECT charge_id, invoice_id, amount, amount_refunded, currency FROM refunds
             WHERE tenant = $1 AND tenant_uid = $2 ORDER BY updated_at DESC",
        )
        .bind(&tenant.name)
        .bind(&tenant.uid)
        .fetch_all(&state.db)
        .await?,
    ))
}
