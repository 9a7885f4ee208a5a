-- 0003: the fingerprint of the last full read that found nothing to do (engine/fingerprint.py).
-- A sweep that computes the same fingerprint, before valid_until, skips reading and planning:
-- nothing it reads has changed since. One row at most; deleting it forces the next full read.
CREATE TABLE IF NOT EXISTS litellm_bridge.fingerprint (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    digest text NOT NULL,
    -- the earliest moment a decision changes by itself (a key expires), or the longest a
    -- fingerprint is trusted: a full read then runs whatever the fingerprint says
    valid_until timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
