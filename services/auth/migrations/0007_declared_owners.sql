-- Owners are declared in one place, Tenant.spec.owners (by an admin, by GitOps or by sign-up).
-- Auth keeps its owner memberships equal to it for users with a verified email (owners.rs).

-- The owners each live Tenant declares, as auth's watch last saw them (emails in lower case). A
-- user whose address is verified later finds here the Tenants that declare it; the Tenant sweep
-- removes the rows of a Tenant that is gone, as it does memberships.
CREATE TABLE declared_owners (
    tenant      text NOT NULL,
    tenant_uid  text NOT NULL,
    email       text NOT NULL CHECK (email = lower(email)),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_uid, email)
);
CREATE INDEX declared_owners_email ON declared_owners (email);
CREATE INDEX declared_owners_tenant ON declared_owners (tenant);

-- Whether the membership's owner role comes from the Tenant's declared owners: only such a role
-- is taken away when the address leaves the list. `role_before_owner` is the role an invitation
-- had given before the address was declared an owner; it is what remains when the owner role goes
-- (without one, the membership goes).
ALTER TABLE memberships ADD COLUMN owner_declared boolean NOT NULL DEFAULT false;
ALTER TABLE memberships ADD COLUMN role_before_owner text
    CHECK (role_before_owner IN ('admin', 'member'));
-- Every owner so far was one because a Tenant declared it: from now on the list decides.
UPDATE memberships SET owner_declared = true WHERE role = 'owner';
