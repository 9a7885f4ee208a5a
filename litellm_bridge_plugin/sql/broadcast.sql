-- Access broadcast (broadcast.py): after a change, every process re-reads the grants of the
-- users it names. The payload names users only (ids, never data); "*" means everyone.

-- name: announce
SELECT pg_notify('litellm_bridge_access', %(payload)s);

-- name: listen
LISTEN litellm_bridge_access;
