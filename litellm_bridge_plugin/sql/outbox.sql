-- The trigger outbox (created by install-triggers, see triggers.sql). Rows are references;
-- a row is deleted once its entity converged, or retried with backoff, or parked as dead.

-- name: present
SELECT to_regclass('litellm_bridge.outbox') IS NOT NULL AS present;

-- name: claim
-- Rows no other worker holds; the caller keeps them locked until it completes or fails them.
SELECT id, entity_type, entity_id, attempts
FROM litellm_bridge.outbox
WHERE NOT dead AND next_attempt_at <= clock_timestamp()
ORDER BY id
LIMIT %(limit)s
FOR UPDATE SKIP LOCKED;

-- name: complete
-- Each row's age: from the trigger's clock (the change in LiteLLM) to its entity converged.
DELETE FROM litellm_bridge.outbox WHERE id = ANY(%(ids)s)
RETURNING EXTRACT(EPOCH FROM clock_timestamp() - enqueued_at)::float8 AS age;

-- name: fail
-- Capped exponential backoff: 2^attempts seconds, at most %(cap)s; dead after max attempts.
UPDATE litellm_bridge.outbox
SET attempts = attempts + 1,
    last_error = %(error)s,
    next_attempt_at = clock_timestamp()
        + make_interval(secs => least(%(cap)s::float8, power(2, attempts)::float8)),
    dead = attempts + 1 >= %(max_attempts)s
WHERE id = ANY(%(ids)s);

-- name: retry_dead
UPDATE litellm_bridge.outbox
SET dead = false, attempts = 0, next_attempt_at = '-infinity', last_error = NULL
WHERE dead;

-- name: stats
SELECT count(*) FILTER (WHERE NOT dead) AS pending,
       count(*) FILTER (WHERE dead) AS dead,
       EXTRACT(EPOCH FROM clock_timestamp() - min(enqueued_at) FILTER (WHERE NOT dead))
           AS oldest_pending_seconds
FROM litellm_bridge.outbox;

-- name: dead_rows
SELECT entity_type, entity_id, attempts, last_error, enqueued_at
FROM litellm_bridge.outbox WHERE dead ORDER BY id LIMIT %(limit)s;

-- name: listen
LISTEN litellm_bridge;
