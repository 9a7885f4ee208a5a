-- Open WebUI's service key in LiteLLM's key table (service_key.py). The key is found by the
-- sha256 of its value, compared here and never read out, or by its alias; only counts and route
-- names leave.

-- name: matching_keys
-- Keys whose token is %(hash)s or whose alias is %(alias)s (pass NULL for the one not used:
-- it matches nothing), counted as live (not blocked, not past `expires`), blocked, and
-- expired but not blocked. `expires` is UTC without a zone, as LiteLLM stores it.
SELECT count(*) FILTER (WHERE NOT blocked AND NOT expired) AS live,
       count(*) FILTER (WHERE blocked) AS blocked,
       count(*) FILTER (WHERE expired AND NOT blocked) AS expired
FROM (
    SELECT coalesce(blocked, false) AS blocked,
           coalesce(expires <= now() AT TIME ZONE 'UTC', false) AS expired
    FROM "LiteLLM_VerificationToken"
    WHERE token = %(hash)s OR key_alias = %(alias)s
) AS matching;

-- name: matching_key_routes
-- The `allowed_routes` of each live key that matches as above (an empty list lets a key call
-- every route): route names only, never a key's token.
SELECT coalesce(allowed_routes, ARRAY[]::text[]) AS allowed_routes
FROM "LiteLLM_VerificationToken"
WHERE (token = %(hash)s OR key_alias = %(alias)s)
  AND NOT coalesce(blocked, false)
  AND NOT coalesce(expires <= now() AT TIME ZONE 'UTC', false);
