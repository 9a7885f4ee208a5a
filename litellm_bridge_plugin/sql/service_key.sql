-- Open WebUI's service key in LiteLLM's key table (service_key.py). The key is found by the
-- sha256 of its value, compared here and never read out, or by its alias; only counts leave.

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
