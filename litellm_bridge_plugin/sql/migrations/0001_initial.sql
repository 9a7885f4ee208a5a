-- 0001: the bridge's own tables and views as first released (links, audit, skips, runs,
-- model rows). Written idempotently (IF NOT EXISTS, CREATE OR REPLACE): installations made
-- before migrations were numbered already hold them and are taken over by this file.

-- Which Open WebUI row stands for which LiteLLM entity, and whether the bridge created it
-- (it may then remove it) or linked a row that already existed (it never removes those).
CREATE TABLE IF NOT EXISTS litellm_bridge.link (
    entity_type text NOT NULL CHECK (entity_type IN ('user', 'team', 'organization')),
    litellm_id text NOT NULL,
    openwebui_id text NOT NULL,
    created_by_bridge boolean NOT NULL,
    -- true while the Open WebUI password is the random one the bridge set at creation
    password_placeholder boolean NOT NULL DEFAULT false,
    deactivated_at timestamptz,
    linked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entity_type, litellm_id)
);
CREATE INDEX IF NOT EXISTS link_openwebui_id ON litellm_bridge.link (openwebui_id);

-- One row per change applied, refused or skipped. Never holds passwords, hashes or keys.
CREATE TABLE IF NOT EXISTS litellm_bridge.sync_audit (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    run_id uuid,
    operation text NOT NULL,
    entity_type text NOT NULL,
    entity_id text NOT NULL,
    result text NOT NULL CHECK (result IN ('SUCCESS', 'FAILED', 'SKIPPED')),
    before jsonb,
    after jsonb,
    error text,
    duration_ms double precision
);
CREATE INDEX IF NOT EXISTS sync_audit_at ON litellm_bridge.sync_audit (at DESC);
CREATE INDEX IF NOT EXISTS sync_audit_entity
    ON litellm_bridge.sync_audit (entity_type, entity_id, at DESC);
CREATE INDEX IF NOT EXISTS sync_audit_failed
    ON litellm_bridge.sync_audit (at DESC) WHERE result = 'FAILED';

-- LiteLLM entities the bridge cannot map right now, so a skip is audited once, not per sweep.
CREATE TABLE IF NOT EXISTS litellm_bridge.skipped (
    entity_type text NOT NULL,
    entity_id text NOT NULL,
    reason text NOT NULL,
    since timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entity_type, entity_id)
);

-- One row per reconcile run, for `litellm-bridge status`.
CREATE TABLE IF NOT EXISTS litellm_bridge.sync_run (
    id uuid PRIMARY KEY,
    started_at timestamptz NOT NULL,
    finished_at timestamptz,
    trigger text NOT NULL,
    scope text NOT NULL,
    openwebui_schema text,
    succeeded integer NOT NULL DEFAULT 0,
    failed integer NOT NULL DEFAULT 0,
    skipped integer NOT NULL DEFAULT 0,
    error text
);
CREATE INDEX IF NOT EXISTS sync_run_started ON litellm_bridge.sync_run (started_at DESC);

-- Open WebUI model rows the bridge created (it updates and removes only these).
CREATE TABLE IF NOT EXISTS litellm_bridge.model_row (
    openwebui_id text PRIMARY KEY,
    model_name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Views for the questions operators ask (docs/operations.md has example queries).
-- What failed in the last 7 days, newest first.
CREATE OR REPLACE VIEW litellm_bridge.recent_failures AS
SELECT at, run_id, operation, entity_type, entity_id, error, before, after
FROM litellm_bridge.sync_audit
WHERE result = 'FAILED' AND at > now() - interval '7 days'
ORDER BY at DESC;

-- How often each entity changed, failed or was skipped, and when last.
CREATE OR REPLACE VIEW litellm_bridge.changes_per_entity AS
SELECT entity_type, entity_id,
       count(*) FILTER (WHERE result = 'SUCCESS') AS applied,
       count(*) FILTER (WHERE result = 'FAILED') AS failed,
       count(*) FILTER (WHERE result = 'SKIPPED') AS skipped,
       min(at) AS first_at, max(at) AS last_at
FROM litellm_bridge.sync_audit
GROUP BY entity_type, entity_id;

-- How far behind the bridge may be: the last full reconcile (start-up, sweep or CLI).
CREATE OR REPLACE VIEW litellm_bridge.sync_lag AS
SELECT max(finished_at) FILTER (WHERE error IS NULL) AS last_good_run_at,
       extract(epoch FROM now() - max(finished_at) FILTER (WHERE error IS NULL))
           AS seconds_since_last_good_run,
       (SELECT error FROM litellm_bridge.sync_run r
        WHERE r.error IS NOT NULL AND r.started_at > coalesce(
            (SELECT max(finished_at) FROM litellm_bridge.sync_run WHERE error IS NULL),
            '-infinity')
        ORDER BY started_at DESC LIMIT 1) AS error_since,
       (SELECT count(*) FROM litellm_bridge.sync_audit
        WHERE result = 'FAILED' AND at > now() - interval '24 hours') AS failures_24h
FROM litellm_bridge.sync_run;

-- Everything the bridge did for each LiteLLM user, with the Open WebUI account it manages.
CREATE OR REPLACE VIEW litellm_bridge.user_history AS
SELECT a.entity_id AS litellm_user_id, l.openwebui_id, l.created_by_bridge, a.at, a.operation,
       a.result, a.before, a.after, a.error, a.run_id
FROM litellm_bridge.sync_audit a
LEFT JOIN litellm_bridge.link l ON l.entity_type = 'user' AND l.litellm_id = a.entity_id
WHERE a.entity_type = 'user';
