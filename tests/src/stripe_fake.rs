//! Driving the local Stripe fake (localstripe) the way a customer's card and Stripe's own
//! billing cycle would: payment methods, renewal invoices, payments, refunds, cancellations.

use serde_json::Value;

use crate::test_env::STRIPE_TEST_KEY;

/// A card that pays, and one that attaches but whose charges fail.
pub const GOOD_CARD: &str = "4242424242424242";
pub const FAILING_CARD: &str = "4000000000000341";

pub struct StripeFake {
    base: String,
    http: reqwest::Client,
}

impl StripeFake {
    pub fn new(base: &str) -> StripeFake {
        StripeFake {
            base: base.trim_end_matches('/').to_string(),
            http: reqwest::Client::new(),
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        form: &[(&str, &str)],
    ) -> (u16, Value) {
        let response = self
            .http
            .request(method, format!("{}/v1{path}", self.base))
            .basic_auth(STRIPE_TEST_KEY, Some(""))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Value {
        let (status, body) = self.call(reqwest::Method::POST, path, form).await;
        assert!(status < 300, "POST {path}: {status} {body}");
        body
    }

    pub async fn get(&self, path: &str) -> Value {
        let (status, body) = self.call(reqwest::Method::GET, path, &[]).await;
        assert!(status < 300, "GET {path}: {status} {body}");
        body
    }

    /// Creates a price (a plan, in the fake's API version) unless it exists, and checks that the
    /// one there has this amount and interval.
    pub async fn ensure_price(&self, id: &str, amount: u32) {
        let interval = if id.ends_with("yearly") {
            "year"
        } else {
            "month"
        };
        let (status, _) = self
            .call(reqwest::Method::GET, &format!("/plans/{id}"), &[])
            .await;
        if status != 200 {
            let amount = amount.to_string();
            let (status, body) = self
                .call(
                    reqwest::Method::POST,
                    "/plans",
                    &[
                        ("id", id),
                        ("amount", &amount),
                        ("currency", "usd"),
                        ("interval", interval),
                        ("product[name]", id),
                    ],
                )
                .await;
            // 400 or 409: another test created it in between (checked below).
            assert!(
                status < 300 || status == 400 || status == 409,
                "create price {id}: {status} {body}"
            );
        }
        let price = self.get(&format!("/plans/{id}")).await;
        assert!(
            price["amount"] == amount && price["interval"] == interval,
            "the fake's price {id} is not {amount} per {interval}: {price}; clear the fake with \
             curl -X DELETE {}/_config/data",
            self.base
        );
    }

    /// A card payment method (not attached to anyone yet).
    pub async fn card(&self, number: &str) -> String {
        self.post(
            "/payment_methods",
            &[
                ("type", "card"),
                ("card[number]", number),
                ("card[exp_month]", "12"),
                ("card[exp_year]", "2034"),
                ("card[cvc]", "123"),
            ],
        )
        .await["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Makes `number` the customer's default card.
    pub async fn switch_card(&self, customer: &str, number: &str) -> String {
        let card = self.card(number).await;
        self.post(
            &format!("/payment_methods/{card}/attach"),
            &[("customer", customer)],
        )
        .await;
        self.post(
            &format!("/customers/{customer}"),
            &[("invoice_settings[default_payment_method]", &card)],
        )
        .await;
        card
    }

    /// Tries to collect an invoice; returns whether it is paid afterwards.
    pub async fn pay(&self, invoice: &str) -> bool {
        let _ = self
            .call(
                reqwest::Method::POST,
                &format!("/invoices/{invoice}/pay"),
                &[],
            )
            .await;
        self.get(&format!("/invoices/{invoice}")).await["status"] == "paid"
    }

    /// Cancels a subscription at once, as Stripe does at the end of a period or of its dunning.
    pub async fn cancel(&self, subscription: &str) {
        let (status, body) = self
            .call(
                reqwest::Method::DELETE,
                &format!("/subscriptions/{subscription}"),
                &[],
            )
            .await;
        assert!(status < 300, "cancel {subscription}: {status} {body}");
    }

    pub async fn subscription(&self, id: &str) -> Value {
        self.get(&format!("/subscriptions/{id}")).await
    }

    /// The fake's customers with this email address (billing gives a tenant's customer the
    /// address of its first owner), read from the fake itself.
    pub async fn customers_with_email(&self, email: &str) -> Vec<Value> {
        let email = email.replace('@', "%40").replace('+', "%2B");
        let list = self
            .get(&format!("/customers?email={email}&limit=100"))
            .await;
        list["data"]
            .as_array()
            .unwrap_or_else(|| panic!("not a list of customers: {list}"))
            .clone()
    }
}
