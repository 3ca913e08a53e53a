//! Stripe's webhook: signature over the raw body, then exactly one effect per event id.
//!
//! The event id is inserted into `stripe_events` in the same transaction as the event's effects
//! (the Subscription status and Tenant plan are written before the commit, and the billing.*
//! event goes into the outbox inside it). A second delivery finds the id and does nothing; a
//! concurrent second delivery waits on the first one's row lock and then finds it; a delivery
//! whose processing fails rolls back, answers 5xx, and Stripe delivers it again.

use saascript_common::event_outbox::{self, NewEvent};
use serde::Deserialize;
use serde_json::json;
use sqlx::{Postgres, Transaction};

use crate::AppState;
use crate::error::{BillingError, Result};
use crate::stripe::signature;
use crate::subscription_sync::{self, SOURCE, Synced};

/// The part of a Stripe event that billing reads: which object changed. The object itself is
/// fetched again from Stripe, never trusted from the payload.
#[derive(Debug, Deserialize)]
pub struct StripeEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub data: EventData,
}

#[derive(Debug, Deserialize)]
pub struct EventData {
    pub object: EventObject,
}

#[derive(Debug, Deserialize)]
pub struct EventObject {
    pub id: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Processed(String),
    Duplicate,
}

pub async fn receive(
    state: &AppState,
    signature_header: Option<&str>,
    body: &[u8],
) -> Result<Outcome> {
    signature::verify(
        signature_header,
        body,
        &state.settings.webhook_secrets,
        state.now(),
        state.settings.webhook_tolerance_seconds,
    )?;
    let event: StripeEvent = serde_json::from_slice(body)
        .map_err(|e| BillingError::Invalid(format!("not a Stripe event: {e}")))?;
    let mut tx = state.db.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO stripe_events (id, type) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&event.id)
    .bind(&event.type_)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        tx.rollback().await?;
        tracing::info!(event = %event.id, r#type = %event.type_, "duplicate Stripe event: no effect");
        return Ok(Outcome::Duplicate);
    }
    let outcome = apply(state, &mut tx, &event).await?;
    sqlx::query("UPDATE stripe_events SET outcome = $2 WHERE id = $1")
        .bind(&event.id)
        .bind(&outcome)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(event = %event.id, r#type = %event.type_, %outcome, "Stripe event");
    Ok(Outcome::Processed(outcome))
}

async fn apply(
    state: &AppState,
    tx: &mut Transaction<'_, Postgres>,
    event: &StripeEvent,
) -> Result<String> {
    let object = &event.data.object.id;
    match event.type_.as_str() {
        "customer.subscription.created"
        | "customer.subscription.updated"
        | "customer.subscription.deleted" => {
            let suffix = event.type_.rsplit('.').next().unwrap_or("updated");
            let type_ = format!("billing.subscription.{suffix}");
            Ok(subscription_sync::sync(state, tx, object, Some(&type_))
                .await?
                .describe())
        }
        // invoice.payment_succeeded is what older API versions (and the local fake) send.
        "invoice.paid" | "invoice.payment_succeeded" => {
            invoice_event(state, tx, object, "billing.invoice.paid").await
        }
        "invoice.payment_failed" => {
            invoice_event(state, tx, object, "billing.invoice.payment_failed").await
        }
        "charge.refunded" => refund_event(state, tx, object).await,
        other => Ok(format!("ignored: billing does not act on {other}")),
    }
}

async fn invoice_event(
    state: &AppState,
    tx: &mut Transaction<'_, Postgres>,
    invoice_id: &str,
    type_: &str,
) -> Result<String> {
    let invoice = match state.stripe.invoice(invoice_id).await {
        Ok(invoice) => invoice,
        Err(e) if e.is_not_found() => return Ok(format!("ignored: no invoice {invoice_id}")),
        Err(e) => return Err(e),
    };
    let Some(subscription_id) = invoice.subscription_id().map(str::to_string) else {
        return Ok(format!(
            "ignored: invoice {invoice_id} is not for a subscription"
        ));
    };
    let synced = subscription_sync::sync(
        state,
        tx,
        &subscription_id,
        Some("billing.subscription.updated"),
    )
    .await?;
    if let Synced::Applied { tenant, .. } = &synced {
        event_outbox::record(
            tx,
            NewEvent {
                source: SOURCE,
                type_,
                tenant: Some(tenant),
                subject: invoice_id,
                data: json!({
                    "invoiceId": invoice.id,
                    "subscriptionId": subscription_id,
                    "status": invoice.status,
                    "amountDue": invoice.amount_due,
                    "amountPaid": invoice.amount_paid,
                    "currency": invoice.currency,
                }),
                time: state.now(),
            },
        )
        .await
        .map_err(|e| BillingError::Internal(e.to_string()))?;
    }
    Ok(synced.describe())
}

async fn refund_event(
    state: &AppState,
    tx: &mut Transaction<'_, Postgres>,
    charge_id: &str,
) -> Result<String> {
    subscription_sync::lock(tx, charge_id).await?;
    let charge = match state.stripe.charge(charge_id).await {
        Ok(charge) => charge,
        Err(e) if e.is_not_found() => return Ok(format!("ignored: no charge {charge_id}")),
        Err(e) => return Err(e),
    };
    let customer = charge.customer.clone().unwrap_or_default();
    let Some(owner) = crate::customers::tenant_of(&mut **tx, &customer).await? else {
        return Ok(format!("ignored: charge {charge_id} is not a tenant's"));
    };
    // Read again under the tenant's lock, as a subscription's owner is: a customer just taken
    // back after a CRD reinstall has its new owner.
    subscription_sync::lock_tenant(tx, &owner.name).await?;
    let Some(owner) = crate::customers::tenant_of(&mut **tx, &customer).await? else {
        return Ok(format!("ignored: charge {charge_id} is not a tenant's"));
    };
    let tenant = owner.name.clone();
    let amount_refunded = charge.amount_refunded.unwrap_or(0);
    if amount_refunded == 0 {
        return Ok(format!("ignored: charge {charge_id} has no refund"));
    }
    let currency = charge.currency.clone().unwrap_or_default();
    sqlx::query(
        "INSERT INTO refunds (charge_id, tenant, amount, amount_refunded, currency, invoice_id,
             tenant_uid)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (charge_id) DO UPDATE SET amount_refunded = EXCLUDED.amount_refunded,
             updated_at = now()",
    )
    .bind(&charge.id)
    .bind(&tenant)
    .bind(charge.amount.unwrap_or(0))
    .bind(amount_refunded)
    .bind(&currency)
    .bind(&charge.invoice)
    .bind(&owner.uid)
    .execute(&mut **tx)
    .await?;
    event_outbox::record(
        tx,
        NewEvent {
            source: SOURCE,
            type_: "billing.charge.refunded",
            tenant: Some(&tenant),
            subject: charge_id,
            data: json!({
                "chargeId": charge.id,
                "invoiceId": charge.invoice,
                "amount": charge.amount,
                "amountRefunded": amount_refunded,
                "currency": currency,
            }),
            time: state.now(),
        },
    )
    .await
    .map_err(|e| BillingError::Internal(e.to_string()))?;
    Ok(format!(
        "recorded: refund of {amount_refunded} {currency} for tenant {tenant}"
    ))
}
