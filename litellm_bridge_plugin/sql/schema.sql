-- Before the numbered migrations (sql/migrations/NNNN_name.sql): the schema and the table that
-- records which migrations were applied. Run at every start, in the migrations' transaction.

-- Several workers start at once; one applies the migrations, the others then find them done.
SELECT pg_advisory_xact_lock(hashtext('litellm_bridge.schema'));

-- Created here when the bridge may create schemas; under least privilege the database's owner
-- created it for the bridge's role (`litellm-bridge grants`), and CREATE SCHEMA IF NOT EXISTS
-- would still ask for the right to create one.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = 'litellm_bridge') THEN
        CREATE SCHEMA litellm_bridge;
    END IF;
END $$;

-- One row per migration applied: the bridge's schema version is the highest.
CREATE TABLE IF NOT EXISTS litellm_bridge.schema_version (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
