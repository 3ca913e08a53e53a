-- Single-use, expiring tokens sent by email (verification, password reset), stored hashed.
CREATE TABLE email_tokens (
    token_hash  bytea PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Tasks written in the same transaction as the change that causes them, and relayed to
-- RabbitMQ afterwards: a committed change never loses its task.
CREATE TABLE task_outbox (
    id            uuid PRIMARY KEY,
    queue         text NOT NULL,
    payload       jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz
);
CREATE INDEX task_outbox_pending ON task_outbox (created_at) WHERE published_at IS NULL;
