-- The subscriptions billing cancels because their tenant was deleted. A row is written (with its
-- billing.subscription.deleted event in the outbox) before the cancellation is sent to Stripe, so
-- the announcement is made exactly once however often the cancellation is retried.
CREATE TABLE tenant_closures (
    subscription_id text PRIMARY KEY,
    tenant text NOT NULL,
    tenant_uid text NOT NULL,
    stripe_customer_id text NOT NULL,
    announced_at timestamptz NOT NULL DEFAULT now()
);

-- A customer whose Tenant went with the Tenant CRD (deleted, to be reinstalled): billing left
-- Stripe as it was, and the Tenant that comes back under the same name takes the customer back.
ALTER TABLE billing_customers ADD COLUMN awaiting_reinstall boolean NOT NULL DEFAULT false;
