-- Events (facts) written in the same transaction as the change they report, and relayed to
-- Kafka afterwards as CloudEvents. Consumers deduplicate on the event id.
CREATE TABLE event_outbox (
    id            uuid PRIMARY KEY,
    event         jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz
);
CREATE INDEX event_outbox_pending ON event_outbox (created_at) WHERE published_at IS NULL;
