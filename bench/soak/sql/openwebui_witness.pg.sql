-- The soak's witness in Open WebUI's database (PostgreSQL): when each account row was
-- inserted, clock time. Only in the soak's own throw-away database.
CREATE SCHEMA IF NOT EXISTS soak;
CREATE TABLE IF NOT EXISTS soak.arrived (
    id text PRIMARY KEY,
    email text,
    at double precision NOT NULL
);
CREATE OR REPLACE FUNCTION soak.arrived_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO soak.arrived VALUES
        (NEW.id, lower(NEW.email), extract(epoch FROM clock_timestamp()))
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS soak_arrived ON "user";
CREATE TRIGGER soak_arrived AFTER INSERT ON "user"
    FOR EACH ROW EXECUTE FUNCTION soak.arrived_row();
