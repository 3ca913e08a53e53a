-- A tenant's name can be reused after the tenant is deleted. Billing data belongs to one Tenant
-- (its uid), so that a new tenant of the same name never sees or pays with the old one's.
ALTER TABLE billing_customers ADD COLUMN tenant_uid text NOT NULL DEFAULT '';
ALTER TABLE refunds ADD COLUMN tenant_uid text NOT NULL DEFAULT '';
CREATE INDEX refunds_tenant_uid ON refunds (tenant_uid);
