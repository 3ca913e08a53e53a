-- The product data of every tenant. Each table carries tenant_id (the Tenant's uid, which a
-- later Tenant of the same name does not share) and is guarded by row-level security, ENABLEd
-- and FORCEd, so that not even the tables' owner reads across tenants. The policies read
-- `saascript.tenant`, which the service sets with set_config(..., true) inside each
-- transaction; while it is unset, current_setting(..., true) is NULL (or '' once a transaction
-- in the session has set it), and no row matches.
--
-- The same migrations run on the shared (pooled) database and on each siloed tenant's own
-- database, whose owner is the tenant's role: nothing here may need more than owning a schema
-- (the pooled database's app role is set up by the service, see src/app_role.rs).

CREATE TABLE projects (
    tenant_id    text NOT NULL CHECK (tenant_id <> ''),
    id           uuid NOT NULL,
    name         text NOT NULL,
    description  text NOT NULL DEFAULT '',
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE tasks (
    tenant_id    text NOT NULL CHECK (tenant_id <> ''),
    id           uuid NOT NULL,
    project_id   uuid NOT NULL,
    title        text NOT NULL,
    description  text NOT NULL DEFAULT '',
    status       text NOT NULL CHECK (status IN ('todo', 'in_progress', 'done')),
    assignee_id  text,
    due_date     date,
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX tasks_of_project ON tasks (tenant_id, project_id, id);

CREATE TABLE comments (
    tenant_id    text NOT NULL CHECK (tenant_id <> ''),
    id           uuid NOT NULL,
    task_id      uuid NOT NULL,
    author_id    text NOT NULL,
    body         text NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, task_id) REFERENCES tasks (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX comments_of_task ON comments (tenant_id, task_id, id);

-- The tenant's members as auth announced them (auth.membership.created), and the callers seen
-- with a verified token of the tenant: who a task may be assigned to.
CREATE TABLE members (
    tenant_id    text NOT NULL CHECK (tenant_id <> ''),
    user_id      text NOT NULL,
    role         text,
    seen_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id)
);

-- The ids of the events consumed, so that a redelivered event is applied once.
CREATE TABLE consumed_events (
    tenant_id    text NOT NULL CHECK (tenant_id <> ''),
    event_id     text NOT NULL,
    consumed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, event_id)
);

CREATE TABLE exports (
    tenant_id     text NOT NULL CHECK (tenant_id <> ''),
    id            uuid NOT NULL,
    state         text NOT NULL CHECK (state IN ('queued', 'done', 'failed')),
    requested_by  text NOT NULL,
    created_at    timestamptz NOT NULL,
    completed_at  timestamptz,
    expires_at    timestamptz NOT NULL,
    csv           text,
    json          text,
    error         text,
    PRIMARY KEY (tenant_id, id)
);

ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON projects
    USING (tenant_id = current_setting('saascript.tenant', true))
    WITH CHECK (tenant_id = current_setting('saascript.tenant', true));

ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE tasks FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tasks
    USING (tenant_id = current_setting('saascript.tenant', true))
    WITH CHECK (tenant_id = current_setting('saascript.tenant', true));

ALTER TABLE comments ENABLE ROW LEVEL SECURITY;
ALTER TABLE comments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON comments
    USING (tenant_id = current_setting('saascript.tenant', true))
    WITH CHECK (tenant_id = current_setting('saascript.tenant', true));

ALTER TABLE members ENABLE ROW LEVEL SECURITY;
ALTER TABLE members FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON members
    USING (tenant_id = current_setting('saascript.tenant', true))
    WITH CHECK (tenant_id = current_setting('saascript.tenant', true));

ALTER TABLE consumed_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE consumed_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON consumed_events
    USING (tenant_id = current_setting('saascript.tenant', true))
    WITH CHECK (tenant_id = current_setting('saascript.tenant', true));

ALTER TABLE exports ENABLE ROW LEVEL SECURITY;
ALTER TABLE exports FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON exports
    USING (tenant_id = current_setting('saascript.tenant', true))
    WITH CHECK (tenant_id = current_setting('saascript.tenant', true));
