//! Billing's Stripe API: async-stripe's client (API base, secret key, idempotency keys) with
//! form parameters written out per call and responses read into `objects`.

pub mod ids;
pub mod objects;
pub mod signature;

use serde::Serialize;
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError};
use stripe_client_core::{RequestBuilder, StripeMethod};

use self::objects::{Charge, Customer, HostedSession, Invoice, List, Subscription};
use crate::error::BillingError;

#[derive(Clone)]
pub struct StripeApi {
    client: Client,
}

/// Form parameters as `serde_qs` writes them: nested maps become `a[b][c]=...`.
pub type Form = Vec<(String, String)>;

impl StripeApi {
    /// A client for `api_base` (`https://api.stripe.com/` in production, the fake locally).
    pub fn new(secret_key: &str, api_base: &str) -> Result<StripeApi, BillingError> {
        let base = format!("{}/", api_base.trim_end_matches('/'));
        let client = ClientBuilder::new(secret_key)
            .url(base)
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .map_err(|e| BillingError::Config(format!("Stripe client: {e}")))?;
        Ok(StripeApi { client })
    }

    async fn send<T: miniserde::Deserialize>(
        &self,
        method: StripeMethod,
        path: &str,
        form: Option<&Form>,
        idempotency_key: Option<&str>,
    ) -> Result<T, BillingError> {
        let mut request = RequestBuilder::new(method, path);
        if let Some(form) = form {
            request = request.form(&FormBody(form));
        }
        let mut request = request.customize::<T>();
        if let Some(key) = idempotency_key {
            let key = IdempotencyKey::new(key)
                .map_err(|e| BillingError::Internal(format!("idempotency key: {e}")))?;
            request = request.request_strategy(RequestStrategy::Idempotent(key));
        }
        request.send(&self.client).await.map_err(stripe_error)
    }

    pub async fn create_customer(
        &self,
        form: &Form,
        idempotency_key: &str,
    ) -> Result<Customer, BillingError> {
        self.send(
            StripeMethod::Post,
            "/customers",
            Some(form),
            Some(idempotency_key),
        )
        .await
    }

    pub async fn customer(&self, id: &str) -> Result<Customer, BillingError> {
        self.send(StripeMethod::Get, &format!("/customers/{id}"), None, None)
            .await
    }

    pub async fn update_customer(&self, id: &str, form: &Form) -> Result<Customer, BillingError> {
        self.send(
            StripeMethod::Post,
            &format!("/customers/{id}"),
            Some(form),
            None,
        )
        .await
    }

    pub async fn attach_payment_method(
        &self,
        payment_method: &str,
        customer: &str,
    ) -> Result<objects::IdOnly, BillingError> {
        // The id goes into the URL path: only Stripe's own shape may.
        if !ids::is_payment_method_id(payment_method) {
            return Err(BillingError::InvalidField {
                field: "paymentMethod",
                message: "paymentMethod must be a Stripe payment method id (pm_...)".into(),
            });
        }
        let form = vec![("customer".into(), customer.into())];
        self.send(
            StripeMethod::Post,
            &format!("/payment_methods/{payment_method}/attach"),
            Some(&form),
            None,
        )
        .await
    }

    pub async fn subscription(&self, id: &str) -> Result<Subscription, BillingError> {
        self.send(
            StripeMethod::Get,
            &format!("/subscriptions/{id}"),
            None,
            None,
        )
        .await
    }

    pub async fn create_subscription(
        &self,
        form: &Form,
        idempotency_key: &str,
    ) -> Result<Subscription, BillingError> {
        self.send(
            StripeMethod::Post,
            "/subscriptions",
            Some(form),
            Some(idempotency_key),
        )
        .await
    }

    pub async fn update_subscription(
        &self,
        id: &str,
        form: &Form,
    ) -> Result<Subscription, BillingError> {
        self.send(
            StripeMethod::Post,
            &format!("/subscriptions/{id}"),
            Some(form),
            None,
        )
        .await
    }

    /// Cancels the subscription at once (no proration: the period paid for is not credited).
    pub async fn cancel_subscription(&self, id: &str) -> Result<Subscription, BillingError> {
        self.send(
            StripeMethod::Delete,
            &format!("/subscriptions/{id}"),
            None,
            None,
        )
        .await
    }

    /// The customer's subscriptions that Stripe has not canceled (its default list), every page.
    pub async fn uncanceled_subscriptions(
        &self,
        customer: &str,
    ) -> Result<Vec<Subscription>, BillingError> {
        self.list_all(&format!("/subscriptions?customer={customer}"))
            .await
    }

    /// The customer's Checkout Sessions that can still be paid, every page.
    pub async fn open_checkout_sessions(
        &self,
        customer: &str,
    ) -> Result<Vec<HostedSession>, BillingError> {
        self.list_all(&format!(
            "/checkout/sessions?customer={customer}&status=open"
        ))
        .await
    }

    /// Every page of a list (`path` carries its filters), following `starting_after`.
    async fn list_all<T: miniserde::Deserialize + objects::Listed>(
        &self,
        path: &str,
    ) -> Result<Vec<T>, BillingError> {
        let mut all: Vec<T> = Vec::new();
        loop {
            let after = all
                .last()
                .map(|item| format!("&starting_after={}", item.id()))
                .unwrap_or_default();
            let page: List<T> = self
                .send(
                    StripeMethod::Get,
                    &format!("{path}&limit=100{after}"),
                    None,
                    None,
                )
                .await?;
            let more = page.has_more == Some(true) && !page.data.is_empty();
            all.extend(page.data);
            if !more {
                return Ok(all);
            }
        }
    }

    /// Expires a Checkout Session, so that it can no longer start a subscription.
    pub async fn expire_checkout_session(&self, id: &str) -> Result<HostedSession, BillingError> {
        self.send(
            StripeMethod::Post,
            &format!("/checkout/sessions/{id}/expire"),
            Some(&Vec::new()),
            None,
        )
        .await
    }

    pub async fn invoice(&self, id: &str) -> Result<Invoice, BillingError> {
        self.send(StripeMethod::Get, &format!("/invoices/{id}"), None, None)
            .await
    }

    pub async fn invoices(
        &self,
        customer: &str,
        limit: u32,
    ) -> Result<List<Invoice>, BillingError> {
        self.send(
            StripeMethod::Get,
            &format!("/invoices?customer={customer}&limit={limit}"),
            None,
            None,
        )
        .await
    }

    pub async fn charge(&self, id: &str) -> Result<Charge, BillingError> {
        self.send(StripeMethod::Get, &format!("/charges/{id}"), None, None)
            .await
    }

    pub async fn create_checkout_session(
        &self,
        form: &Form,
    ) -> Result<HostedSession, BillingError> {
        self.send(StripeMethod::Post, "/checkout/sessions", Some(form), None)
            .await
    }

    pub async fn create_portal_session(&self, form: &Form) -> Result<HostedSession, BillingError> {
        self.send(
            StripeMethod::Post,
            "/billing_portal/sessions",
            Some(form),
            None,
        )
        .await
    }
}

/// Serializes the pairs as a flat map, so that `items[0][plan]` reaches Stripe as written.
struct FormBody<'a>(&'a Form);

impl Serialize for FormBody<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

fn stripe_error(error: StripeError) -> BillingError {
    match error {
        StripeError::Stripe(errors, status) => BillingError::Stripe {
            status,
            message: errors
                .message
                .clone()
                .unwrap_or_else(|| format!("{:?}", errors.type_)),
        },
        other => BillingError::StripeUnavailable(other.to_string()),
    }
}
