//! The Tenant CRD deleted and installed again (an upgrade gone wrong, a GitOps re-sync): the API
//! server deletes every Tenant with its CRD, and they come back under the same names with new
//! uids. Like the operator, which leaves each tenant's database, vhost and topics in place for
//! its return, billing leaves Stripe as it is (`tenant_deletion`) and marks the customer as
//! awaiting its tenant. The Tenant that comes back under that name takes the customer back, with
//! its subscriptions, invoices and refunds, instead of starting a second, double-billed one.

use saascript_crds::Tenant;
use sqlx::{Postgres, Transaction};

use crate::AppState;
use crate::customers::TenantId;
use crate::error::{BillingError, Result};
use crate::kubernetes::FINALIZER;
use crate::subscription_sync::{lock_tenant, sync};

/// Marks the customer of a Tenant that went with its CRD as awaiting the Tenant's return.
pub async fn release(state: &AppState, tenant: &TenantId) -> Result<()> {
    sqlx::query(
        "UPDATE billing_customers SET awaiting_reinstall = true
         WHERE tenant = $1 AND tenant_uid = $2",
    )
    .bind(&tenant.name)
    .bind(&tenant.uid)
    .execute(&state.db)
    .await?;
    Ok(())
}

/// Hands the awaiting customer of this name, if there is one, to `tenant`: billing's finalizer
/// first (so that a Tenant deleted from here on is closed), then the tenant uid in Stripe's
/// metadata (customer and every subscription not yet canceled) and in billing's tables, then the
/// subscriptions mirrored into the tenant's Subscription, all in one transaction under the
/// tenant's lock. Every step can be repeated, so a failure anywhere is retried from the start.
/// Returns whether it took a customer back.
///
/// The name is the identity across a CRD reinstall, as it is for the operator's databases and
/// vhosts: only a platform admin creates Tenants, and GitOps brings them back as they were. The
/// owners are compared with the customer's email only to warn: they may have changed since, and
/// canceling a paying organisation's subscriptions on a guess would be worse.
pub async fn adopt(state: &AppState, tenant: &Tenant) -> Result<bool> {
    let id = TenantId::of(tenant)?;
    let mut tx = state.db.begin().await?;
    lock_tenant(&mut tx, &id.name).await?;
    let awaiting: Option<(String, String)> = sqlx::query_as(
        "SELECT stripe_customer_id, tenant_uid FROM billing_customers
         WHERE tenant = $1 AND tenant_uid <> $2 AND awaiting_reinstall",
    )
    .bind(&id.name)
    .bind(&id.uid)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((customer, earlier_uid)) = awaiting else {
        return Ok(false);
    };
    state.kube.add_tenant_finalizer(tenant, FINALIZER).await?;
    // The mirror needs the tenant's Subscription, which the operator makes: until then, later.
    let resource = state.kube.existing_subscription(&id.name).await?;
    let email = state.stripe.customer(&customer).await?.email;
    if !same_organisation(email.as_deref(), &tenant.spec.owners) {
        tracing::warn!(tenant = %id.name, %customer, ?email, "a Tenant whose owners do not include the customer's email takes its billing back: check that it is the same organisation");
    }
    let new_uid = vec![("metadata[tenant_uid]".to_string(), id.uid.clone())];
    state.stripe.update_customer(&customer, &new_uid).await?;
    let mut live = Vec::new();
    for subscription in state.stripe.uncanceled_subscriptions(&customer).await? {
        if !subscription.is_over() {
            state
                .stripe
                .update_subscription(&subscription.id, &new_uid)
                .await?;
            live.push(subscription.id);
        }
    }
    // With none running, the subscription its Subscription last recorded (it may have ended
    // while the tenant was away), so that the mirror does not show it as it was.
    let recorded = resource.status.and_then(|s| s.stripe_subscription_id);
    let to_sync = if live.is_empty() {
        recorded.into_iter().collect()
    } else {
        live
    };
    hand_over(&mut tx, &id, &earlier_uid).await?;
    for subscription in &to_sync {
        sync(state, &mut tx, subscription, None).await?;
    }
    tx.commit().await?;
    tracing::info!(tenant = %id.name, %customer, synced = ?to_sync, "the reinstalled tenant took its Stripe customer back");
    Ok(true)
}

/// Whether a Tenant with these owners names the customer's email (billing made the customer
/// with the first owner's).
pub fn same_organisation(customer_email: Option<&str>, owners: &[String]) -> bool {
    customer_email.is_some_and(|email| owners.iter().any(|o| o.eq_ignore_ascii_case(email)))
}

/// Ends the wait of a customer for its tenant (in the caller's transaction), returning it: the
/// tenant came back and was deleted before it took the customer back. The row stays as a
/// record; the name's next customer replaces it.
pub async fn give_up_awaiting(
    tx: &mut Transaction<'_, Postgres>,
    tenant: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "UPDATE billing_customers SET awaiting_reinstall = false
         WHERE tenant = $1 AND awaiting_reinstall RETURNING stripe_customer_id",
    )
    .bind(tenant)
    .fetch_optional(&mut **tx)
    .await?)
}

async fn hand_over(
    tx: &mut Transaction<'_, Postgres>,
    tenant: &TenantId,
    earlier_uid: &str,
) -> Result<()> {
    let moved = sqlx::query(
        "UPDATE billing_customers SET tenant_uid = $2, awaiting_reinstall = false
         WHERE tenant = $1 AND tenant_uid = $3 AND awaiting_reinstall",
    )
    .bind(&tenant.name)
    .bind(&tenant.uid)
    .bind(earlier_uid)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if moved != 1 {
        return Err(BillingError::Internal(format!(
            "the customer awaiting tenant {} changed while it was taken back",
            tenant.name
        )));
    }
    sqlx::query("UPDATE refunds SET tenant_uid = $2 WHERE tenant = $1 AND tenant_uid = $3")
        .bind(&tenant.name)
        .bind(&tenant.uid)
        .bind(earlier_uid)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::same_organisation;

    #[test]
    fn an_owner_with_the_customers_email_is_the_same_organisation() {
        let owners = vec!["ops@acme.example".to_string(), "cfo@acme.example".into()];
        assert!(same_organisation(Some("CFO@acme.example"), &owners));
        assert!(!same_organisation(Some("ops@globex.example"), &owners));
        assert!(!same_organisation(None, &owners), "no email proves nothing");
    }
}
