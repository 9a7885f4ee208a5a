-- 0004: how far enrolment (BRIDGE_ENROL) has looked through Open WebUI's accounts (epoch
-- seconds, as Open WebUI's own timestamps): every account changed before it was found and
-- handed out or held. A proxy that starts reads only the accounts changed since (and the
-- pending ones), never every account again. One row at most; deleting it makes the next
-- look read every account once.
CREATE TABLE IF NOT EXISTS litellm_bridge.enrol_mark (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    seen_until bigint NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
