-- Change capture for deployments where LiteLLM's tables change behind the proxy's back.
-- Plain PL/pgSQL, no extensions. Installed and removed by `litellm-bridge install-triggers`
-- / `uninstall-triggers`; the CREATE TRIGGER statements are generated from the live catalog
-- (triggers.py) so usage-only columns never fire them.

-- name: install
CREATE TABLE IF NOT EXISTS litellm_bridge.outbox (
    id bigserial PRIMARY KEY,
    -- references only, never row data: 'user' | 'team' | 'organization'
    entity_type text NOT NULL,
    entity_id text NOT NULL,
    enqueued_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT '-infinity',
    last_error text,
    dead boolean NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS outbox_ready ON litellm_bridge.outbox (next_attempt_at, id)
    WHERE NOT dead;

-- How far the outbox consumer is behind: pending and parked rows, the oldest waiting one.
CREATE OR REPLACE VIEW litellm_bridge.outbox_lag AS
SELECT count(*) FILTER (WHERE NOT dead) AS pending,
       count(*) FILTER (WHERE dead) AS dead,
       extract(epoch FROM now() - min(enqueued_at) FILTER (WHERE NOT dead))
           AS oldest_pending_seconds
FROM litellm_bridge.outbox;

-- Enqueue the entity a row referred to before the change and the one it refers to after
-- (once when they are the same). OLD is NULL on INSERT and NEW on DELETE.
-- Both functions run as their owner (the bridge's role), so whichever role changes
-- LiteLLM's tables needs no rights on the bridge's schema; search_path is pinned.
CREATE OR REPLACE FUNCTION litellm_bridge.enqueue(kind text, old_id text, new_id text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF old_id IS NOT NULL THEN
        INSERT INTO litellm_bridge.outbox (entity_type, entity_id) VALUES (kind, old_id);
    END IF;
    IF new_id IS NOT NULL AND new_id IS DISTINCT FROM old_id THEN
        INSERT INTO litellm_bridge.outbox (entity_type, entity_id) VALUES (kind, new_id);
    END IF;
END $$;

-- Row trigger: enqueue the entities the row refers to, then wake listeners. NOTIFY is
-- delivered at commit and folded to one per transaction; it carries nothing.
-- Dropping the function drops the old triggers with it (a role that may create triggers on
-- a table it does not own may not DROP TRIGGER, but may drop its own function CASCADE).
DROP FUNCTION IF EXISTS litellm_bridge.capture_change() CASCADE;
CREATE OR REPLACE FUNCTION litellm_bridge.capture_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    CASE TG_TABLE_NAME
        WHEN 'LiteLLM_UserTable' THEN
            PERFORM litellm_bridge.enqueue('user', OLD.user_id, NEW.user_id);
        WHEN 'LiteLLM_TeamTable' THEN
            PERFORM litellm_bridge.enqueue('team', OLD.team_id, NEW.team_id);
        WHEN 'LiteLLM_OrganizationTable' THEN
            PERFORM litellm_bridge.enqueue('organization', OLD.organization_id,
                                           NEW.organization_id);
        WHEN 'LiteLLM_TeamMembership' THEN
            PERFORM litellm_bridge.enqueue('team', OLD.team_id, NEW.team_id);
            PERFORM litellm_bridge.enqueue('user', OLD.user_id, NEW.user_id);
        WHEN 'LiteLLM_OrganizationMembership' THEN
            PERFORM litellm_bridge.enqueue('organization', OLD.organization_id,
                                           NEW.organization_id);
            PERFORM litellm_bridge.enqueue('user', OLD.user_id, NEW.user_id);
        WHEN 'LiteLLM_VerificationToken' THEN
            -- the key's owners, never the key's hash
            PERFORM litellm_bridge.enqueue('user', OLD.user_id, NEW.user_id);
            PERFORM litellm_bridge.enqueue('team', OLD.team_id, NEW.team_id);
        ELSE
            RAISE WARNING 'litellm_bridge.capture_change: unexpected table %', TG_TABLE_NAME;
    END CASE;
    PERFORM pg_notify('litellm_bridge', '');
    RETURN NULL;
END $$;

-- Both run with the bridge's rights, so nobody else may call them (functions are executable
-- by PUBLIC by default). A trigger fires its function whatever EXECUTE says, so LiteLLM's
-- role still fires them; capture_change calls enqueue as the owner. Revoked on every install:
-- CREATE OR REPLACE keeps the privileges an older install left.
REVOKE EXECUTE ON FUNCTION litellm_bridge.enqueue(text, text, text),
    litellm_bridge.capture_change() FROM PUBLIC;

-- name: trigger_names
-- The bridge's triggers on LiteLLM's tables, for uninstall and status.
SELECT c.relname AS table_name, t.tgname AS trigger_name, t.tgenabled <> 'D' AS enabled
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND t.tgname LIKE 'litellm\_bridge\_%' AND n.nspname = current_schema()
ORDER BY 1, 2;

-- name: columns
-- Columns and types of one captured table, to build its UPDATE OF list.
SELECT column_name::text, data_type::text
FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = %(table)s
ORDER BY ordinal_position;

-- name: uninstall
DROP VIEW IF EXISTS litellm_bridge.outbox_lag;
DROP FUNCTION IF EXISTS litellm_bridge.capture_change() CASCADE;
DROP FUNCTION IF EXISTS litellm_bridge.enqueue(text, text, text);
DROP TABLE IF EXISTS litellm_bridge.outbox;
