-- A Tenant's name is taken again once the Tenant is deleted; its uid never is. Memberships,
-- invitations and sessions are bound to the uid of the Tenant they were made for, so nothing of
-- a deleted organisation carries over to a new one of the same name. The uid is NULL only in
-- rows from before this migration, until auth's Tenant sweep binds them (or removes them).
ALTER TABLE memberships ADD COLUMN tenant_uid text;
ALTER TABLE invitations ADD COLUMN tenant_uid text;
ALTER TABLE refresh_tokens ADD COLUMN tenant_uid text;

-- The sweep removes a gone Tenant's rows by name.
CREATE INDEX memberships_tenant ON memberships (tenant);
CREATE INDEX refresh_tokens_tenant ON refresh_tokens (tenant) WHERE tenant IS NOT NULL;
