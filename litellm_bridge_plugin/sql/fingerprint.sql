-- The fingerprint of what a full reconcile reads (engine/fingerprint.py): each of the bridge's
-- own full reads, digested where its rows are, so only a few bytes leave the database.

-- name: digest
-- The braced read is one of the bridge's own named queries (never text from outside); the
-- braced row is its columns but those no grant depends on (fingerprint.VOLATILE: spend moves
-- with every call and the proxy's check reads it on its own). Each row is hashed by value
-- with two seeds (PostgreSQL 14+) and the hashes summed, so the order of the rows does not
-- matter. Key hashes are inside these sums and never leave them.
-- (OFFSET 0 keeps each row built once, not once per hash.)
SELECT count(*) AS n,
       COALESCE(sum(hash_record_extended(r, 0)), 0)::text || '.'
       || COALESCE(sum(hash_record_extended(r, 1)), 0)::text AS total
FROM (
    SELECT {row} AS r FROM (
{read}
    ) q OFFSET 0
) rows;

-- name: columns
-- The columns of the braced read, without running it.
SELECT * FROM (
{read}
) q LIMIT 0;

-- name: proxy_models
-- API-added models as the router takes them (names and model_info: access groups), never
-- litellm_params (secrets). `blocked` is read through to_jsonb (absent before LiteLLM 1.106).
SELECT model_id, model_name, model_info, to_jsonb(p) -> 'blocked' AS blocked
FROM "LiteLLM_ProxyModelTable" p;

-- name: next_expiry
-- The next moment a key stops granting by itself (any key: an early answer costs one read).
SELECT min(expires) AS at FROM "LiteLLM_VerificationToken" WHERE expires > now();

-- name: read
SELECT digest, valid_until > now() AS valid FROM litellm_bridge.fingerprint;

-- name: record
INSERT INTO litellm_bridge.fingerprint (digest, valid_until)
-- LEAST ignores a NULL: no key expires, the longest a fingerprint is trusted decides
VALUES (%(digest)s, LEAST(%(expires)s::timestamptz, now() + %(max_age)s * interval '1 second'))
ON CONFLICT (only_row) DO UPDATE
SET digest = EXCLUDED.digest, valid_until = EXCLUDED.valid_until, recorded_at = now();
