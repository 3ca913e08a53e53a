-- Billing keeps no copy of a tenant's plan or subscription state: those live in the Tenant and
-- Subscription resources. It keeps what Kubernetes has no place for.

-- The Stripe customer of each tenant, so that a tenant never gets two.
CREATE TABLE billing_customers (
    tenant              text PRIMARY KEY,
    stripe_customer_id  text NOT NULL UNIQUE,
    created_at          timestamptz NOT NULL DEFAULT now()
);

-- Every Stripe event applied, by id: a delivery of an event already here has no effect.
CREATE TABLE stripe_events (
    id           text PRIMARY KEY,
    type         text NOT NULL,
    outcome      text NOT NULL DEFAULT '',
    received_at  timestamptz NOT NULL DEFAULT now()
);

-- Refunds, as Stripe last reported them for each charge.
CREATE TABLE refunds (
    charge_id        text PRIMARY KEY,
    tenant           text NOT NULL,
    amount           bigint NOT NULL,
    amount_refunded  bigint NOT NULL,
    currency         text NOT NULL,
    invoice_id       text,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refunds_tenant ON refunds (tenant);

-- The transactional outbox of billing.* CloudEvents (see saascript_common::event_outbox).
CREATE TABLE event_outbox (
    id            uuid PRIMARY KEY,
    event         jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz
);
CREATE INDEX event_outbox_pending ON event_outbox (created_at) WHERE published_at IS NULL;
