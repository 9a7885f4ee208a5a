-- Reads and writes of the bridge's own tables (schema litellm_bridge, made by migrations/).

-- name: lock
-- One reconcile at a time across every proxy worker, replica and CLI run.
SELECT pg_advisory_lock(hashtext('litellm_bridge.reconcile'));

-- name: try_lock
-- The same lock if it is free now (a sweep skips when another process is reconciling).
SELECT pg_try_advisory_lock(hashtext('litellm_bridge.reconcile')) AS taken;

-- name: unlock
SELECT pg_advisory_unlock(hashtext('litellm_bridge.reconcile'));

-- name: links
SELECT entity_type, litellm_id, openwebui_id, created_by_bridge,
       linked_by = 'operator' AS by_operator
FROM litellm_bridge.link;

-- name: upsert_link
INSERT INTO litellm_bridge.link (entity_type, litellm_id, openwebui_id, created_by_bridge,
                                 password_placeholder, linked_by)
VALUES (%(entity_type)s, %(litellm_id)s, %(openwebui_id)s, %(created_by_bridge)s,
        %(password_placeholder)s, %(linked_by)s)
ON CONFLICT (entity_type, litellm_id) DO UPDATE
SET openwebui_id = EXCLUDED.openwebui_id,
    created_by_bridge = EXCLUDED.created_by_bridge,
    password_placeholder = EXCLUDED.password_placeholder,
    linked_by = EXCLUDED.linked_by,
    deactivated_at = NULL,
    linked_at = now();

-- name: delete_link
DELETE FROM litellm_bridge.link WHERE entity_type = %(entity_type)s AND litellm_id = %(litellm_id)s;

-- name: mark_deactivated
UPDATE litellm_bridge.link SET deactivated_at = now()
WHERE entity_type = %(entity_type)s AND litellm_id = %(litellm_id)s;

-- name: mark_active
UPDATE litellm_bridge.link SET deactivated_at = NULL
WHERE entity_type = %(entity_type)s AND litellm_id = %(litellm_id)s AND deactivated_at IS NOT NULL;

-- name: mark_password_set
UPDATE litellm_bridge.link SET password_placeholder = false
WHERE entity_type = %(entity_type)s AND litellm_id = %(litellm_id)s;

-- name: insert_audit
INSERT INTO litellm_bridge.sync_audit (run_id, operation, entity_type, entity_id, result,
                                       before, after, error, duration_ms)
VALUES (%(run_id)s, %(operation)s, %(entity_type)s, %(entity_id)s, %(result)s, %(before)s,
        %(after)s, %(error)s, %(duration_ms)s);

-- name: skipped
SELECT entity_type, entity_id, reason FROM litellm_bridge.skipped;

-- name: upsert_skipped
INSERT INTO litellm_bridge.skipped (entity_type, entity_id, reason)
VALUES (%(entity_type)s, %(entity_id)s, %(reason)s)
ON CONFLICT (entity_type, entity_id) DO UPDATE SET reason = EXCLUDED.reason, since = now();

-- name: delete_skipped
DELETE FROM litellm_bridge.skipped WHERE entity_type = %(entity_type)s AND entity_id = %(entity_id)s;

-- name: start_run
INSERT INTO litellm_bridge.sync_run (id, started_at, trigger, scope)
VALUES (%(id)s, now(), %(trigger)s, %(scope)s);

-- name: finish_run
UPDATE litellm_bridge.sync_run
SET finished_at = now(), openwebui_schema = %(openwebui_schema)s, succeeded = %(succeeded)s,
    failed = %(failed)s, skipped = %(skipped)s, error = %(error)s
WHERE id = %(id)s;

-- name: last_runs
SELECT id, started_at, finished_at, trigger, scope, openwebui_schema, succeeded, failed,
       skipped, error
FROM litellm_bridge.sync_run ORDER BY started_at DESC LIMIT %(limit)s;

-- name: link_counts
SELECT entity_type, created_by_bridge, count(*) AS n, count(deactivated_at) AS deactivated
FROM litellm_bridge.link GROUP BY entity_type, created_by_bridge ORDER BY 1, 2;

-- name: skipped_count
SELECT count(*) AS n FROM litellm_bridge.skipped;

-- name: audit
-- Newest first; optional filters are NULL when unused.
SELECT id, at, run_id, operation, entity_type, entity_id, result, before, after, error,
       duration_ms
FROM litellm_bridge.sync_audit
WHERE (%(failed_only)s IS FALSE OR result = 'FAILED')
  AND (%(since)s::timestamptz IS NULL OR at >= %(since)s::timestamptz)
ORDER BY at DESC, id DESC
LIMIT %(limit)s;

-- name: failures_since
SELECT count(*) AS n FROM litellm_bridge.sync_audit
WHERE result = 'FAILED' AND at >= now() - %(window)s::interval;

-- name: links_scoped
SELECT entity_type, litellm_id, openwebui_id, created_by_bridge,
       linked_by = 'operator' AS by_operator
FROM litellm_bridge.link
WHERE (entity_type = 'user' AND litellm_id = ANY(%(users)s))
   OR (entity_type = 'team' AND litellm_id = ANY(%(teams)s))
   OR (entity_type = 'organization' AND litellm_id = ANY(%(organizations)s))
   OR openwebui_id = ANY(%(openwebui_ids)s);

-- name: group_link_ids
-- Open WebUI ids of every group the bridge owns (names of the others count as foreign).
-- (named, not "not a user": the primary key then finds them without reading every person's)
SELECT openwebui_id FROM litellm_bridge.link WHERE entity_type IN ('team', 'organization');

-- name: model_rows
SELECT openwebui_id, model_name FROM litellm_bridge.model_row;

-- name: upsert_model_row
INSERT INTO litellm_bridge.model_row (openwebui_id, model_name)
VALUES (%(openwebui_id)s, %(model_name)s)
ON CONFLICT (openwebui_id) DO UPDATE SET model_name = EXCLUDED.model_name;

-- name: delete_model_row
DELETE FROM litellm_bridge.model_row WHERE openwebui_id = %(openwebui_id)s;

-- name: sync_lag
SELECT * FROM litellm_bridge.sync_lag;

-- name: schema_versions
SELECT version FROM litellm_bridge.schema_version ORDER BY version;

-- name: record_version
INSERT INTO litellm_bridge.schema_version (version, name) VALUES (%(version)s, %(name)s);

-- name: schema_version_present
SELECT to_regclass('litellm_bridge.schema_version') IS NOT NULL AS present;

-- name: linked_accounts
-- Which of these Open WebUI accounts the bridge links, or linked, to a LiteLLM user.
SELECT openwebui_id FROM litellm_bridge.link
WHERE entity_type = 'user' AND openwebui_id = ANY(%(ids)s);

-- name: enrol_try_lock
-- One process enrols at a time (every proxy worker and replica runs enrolment's looks).
SELECT pg_try_advisory_lock(hashtext('litellm_bridge.enrol')) AS taken;

-- name: enrol_lock
SELECT pg_advisory_lock(hashtext('litellm_bridge.enrol'));

-- name: enrol_unlock
SELECT pg_advisory_unlock(hashtext('litellm_bridge.enrol'));

-- name: enrol_mark
SELECT seen_until FROM litellm_bridge.enrol_mark;

-- name: enrol_mark_save
-- Never backwards: another process may have looked further.
INSERT INTO litellm_bridge.enrol_mark (seen_until) VALUES (%(seen_until)s)
ON CONFLICT (only_row) DO UPDATE
SET seen_until = GREATEST(litellm_bridge.enrol_mark.seen_until, EXCLUDED.seen_until),
    recorded_at = now();

-- name: enrol_reasons_told
-- The reason last audited for each of these Open WebUI accounts enrolment held or could not
-- make (so each is told once per reason, across processes and restarts).
SELECT DISTINCT ON (entity_id) entity_id, error FROM litellm_bridge.sync_audit
WHERE operation = 'enrol' AND entity_type = 'openwebui_account' AND entity_id = ANY(%(ids)s)
ORDER BY entity_id, at DESC, id DESC;

-- name: enrol_counts
SELECT count(*) AS enrolled,
       count(*) FILTER (WHERE at >= now() - interval '24 hours') AS enrolled_24h
FROM litellm_bridge.sync_audit
WHERE operation = 'enrol' AND entity_type = 'user' AND result = 'SUCCESS';

-- name: enrol_held
-- Accounts enrolment holds (or LiteLLM refused) as last audited, unless enrolled since.
SELECT * FROM (
    SELECT DISTINCT ON (entity_id) entity_id AS openwebui_id, result, error AS reason,
           after ->> 'email' AS email, at
    FROM litellm_bridge.sync_audit
    WHERE operation = 'enrol' AND entity_type = 'openwebui_account'
    ORDER BY entity_id, at DESC, id DESC
) last
WHERE NOT EXISTS (
    SELECT FROM litellm_bridge.sync_audit s
    WHERE s.operation = 'enrol' AND s.entity_type = 'user' AND s.result = 'SUCCESS'
      AND s.after ->> 'openwebui_id' = last.openwebui_id
)
ORDER BY at DESC
LIMIT %(limit)s;

-- name: enrol_of_person
-- The latest enrolment row of one person: their Open WebUI account's, or their LiteLLM user's.
SELECT result, error AS reason, after, at FROM litellm_bridge.sync_audit
WHERE operation = 'enrol'
  AND ((entity_type = 'openwebui_account' AND entity_id = %(account)s)
       OR (entity_type = 'user' AND entity_id = ANY(%(users)s)))
ORDER BY at DESC, id DESC
LIMIT 1;

-- name: last_sweep_age
-- Seconds since any process's last full reconcile (sweep or start-up) ended without an error;
-- NULL when none has (a new installation) or before the bridge's tables exist.
SELECT EXTRACT(EPOCH FROM now() - max(finished_at))::float8 AS seconds
FROM litellm_bridge.sync_run
WHERE trigger IN ('sweep', 'startup') AND finished_at IS NOT NULL AND error IS NULL;
