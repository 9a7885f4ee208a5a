-- The soak's witness in LiteLLM's database: when each user row was written (clock time at the
-- insert; LiteLLM's statements run one to a transaction, so this is the commit's time within
-- a millisecond). Only in the soak's own throw-away database.
CREATE SCHEMA IF NOT EXISTS soak;
CREATE TABLE IF NOT EXISTS soak.committed (
    user_id text PRIMARY KEY,
    email text,
    at double precision NOT NULL
);
CREATE OR REPLACE FUNCTION soak.committed_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO soak.committed VALUES
        (NEW.user_id, lower(NEW.user_email), extract(epoch FROM clock_timestamp()))
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS soak_committed ON "LiteLLM_UserTable";
CREATE TRIGGER soak_committed AFTER INSERT ON "LiteLLM_UserTable"
    FOR EACH ROW EXECUTE FUNCTION soak.committed_row();
