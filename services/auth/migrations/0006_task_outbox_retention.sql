-- Task payloads are sealed from now on (see task_key.rs), and published tasks are deleted after
-- a retention. The tasks published before held working links in plain text: they go now.
DELETE FROM task_outbox WHERE published_at IS NOT NULL;
CREATE INDEX task_outbox_published ON task_outbox (published_at) WHERE published_at IS NOT NULL;
