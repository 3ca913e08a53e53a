-- Invitations to join a tenant: a single-use, expiring token sent by email, stored hashed.
CREATE TABLE invitations (
    token_hash   bytea PRIMARY KEY,
    tenant       text NOT NULL,
    email        text NOT NULL,
    role         text NOT NULL CHECK (role IN ('admin', 'member')),
    invited_by   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at   timestamptz NOT NULL,
    accepted_at  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invitations_tenant ON invitations (tenant);
