-- Users, their tenant memberships, the signing keys of access tokens, and refresh tokens.

CREATE TABLE users (
    id              uuid PRIMARY KEY,
    email           text NOT NULL,
    password_hash   text NOT NULL,
    email_verified  boolean NOT NULL DEFAULT false,
    platform_admin  boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now()
);
-- Email addresses are unique without regard to case.
CREATE UNIQUE INDEX users_email_unique ON users (lower(email));

CREATE TABLE memberships (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant      text NOT NULL,
    role        text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, tenant)
);

-- Ed25519 keys that sign access tokens. A retired key still verifies the tokens it signed
-- until they expire, so it stays in the JWKS until `retired_at` + the token lifetime.
CREATE TABLE signing_keys (
    kid          text PRIMARY KEY,
    private_der  bytea NOT NULL,
    public_x     text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    retired_at   timestamptz
);

-- Refresh tokens are opaque; only their SHA-256 is stored. Each use rotates the token within its
-- family; presenting a used one again revokes the whole family.
CREATE TABLE refresh_tokens (
    id           uuid PRIMARY KEY,
    family_id    uuid NOT NULL,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant       text,
    token_hash   bytea NOT NULL UNIQUE,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    revoked_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
