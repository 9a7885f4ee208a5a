-- Open WebUI's service key in LiteLLM's key table (service_key.py). By value the key is found by
-- the sha256 of its value, compared here; by alias, every key carrying the alias is read with
-- who created and who owns it, so the bridge can tell the operator's key from one anybody
-- named after the alias. A key's token (its hash) is read only in alias mode, for the proxy's
-- check, which keeps it in memory: never logged or reported.

-- name: matching_keys
-- Keys whose token is %(hash)s or whose alias is %(alias)s (pass NULL for the one not used: it
-- matches nothing): LiteLLM's masked key (`key_name`, such as sk-...abcd), owner, creator,
-- team and organisation; live (not blocked, not past `expires`), blocked, or expired but not
-- blocked; the `allowed_routes` (empty: every route). Owner and creator come with the role of
-- the LiteLLM user of that id, and whether there is one. `expires` is UTC without a zone, as
-- LiteLLM stores it. Oldest first.
SELECT CASE WHEN %(alias)s::text IS NOT NULL THEN v.token END AS token,
       v.key_name,
       v.key_alias,
       v.team_id,
       v.organization_id,
       CASE
           WHEN coalesce(v.blocked, false) THEN 'blocked'
           WHEN coalesce(v.expires <= now() AT TIME ZONE 'UTC', false) THEN 'expired'
           ELSE 'live'
       END AS state,
       coalesce(v.allowed_routes, ARRAY[]::text[]) AS allowed_routes,
       v.user_id AS owner_id,
       owner.user_id IS NOT NULL AS owner_known,
       owner.user_role AS owner_role,
       v.created_by AS creator_id,
       creator.user_id IS NOT NULL AS creator_known,
       creator.user_role AS creator_role
FROM "LiteLLM_VerificationToken" v
LEFT JOIN "LiteLLM_UserTable" owner ON owner.user_id = v.user_id
LEFT JOIN "LiteLLM_UserTable" creator ON creator.user_id = v.created_by
WHERE v.token = %(hash)s OR v.key_alias = %(alias)s
ORDER BY v.created_at NULLS FIRST, v.key_name;
