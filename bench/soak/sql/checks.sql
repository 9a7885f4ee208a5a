-- The soak's end checks. Queries on Open WebUI's database read alike on PostgreSQL and SQLite
-- (no parameters); the rest run on LiteLLM's database.

-- name: committed
-- LiteLLM's users the soak made, with when each row was written (the witness) and whether
-- LiteLLM still has it.
SELECT c.user_id, c.email, c.at,
       EXISTS (SELECT FROM "LiteLLM_UserTable" u WHERE u.user_id = c.user_id) AS alive
FROM soak.committed c
WHERE c.email LIKE 'm-%' OR c.email LIKE 's-%' OR c.email LIKE 'stable-%'
   OR c.email LIKE 'gone-%';

-- name: deleted
-- Users the soak made and deleted since (through the API or by SQL).
SELECT c.email FROM soak.committed c
WHERE NOT EXISTS (SELECT FROM "LiteLLM_UserTable" u WHERE u.user_id = c.user_id);

-- name: accounts
-- Open WebUI's accounts: email, whether it may sign in.
SELECT lower(u.email), a.active FROM "user" u JOIN auth a ON a.id = u.id;

-- name: duplicates
SELECT lower(trim(email)), count(*) FROM "user" GROUP BY 1 HAVING count(*) > 1;

-- name: group_members
SELECT group_id, user_id FROM group_member;

-- name: links
-- The bridge's links: kind, LiteLLM id, Open WebUI id, who made it, deactivated.
SELECT entity_type, litellm_id, openwebui_id, linked_by, deactivated_at IS NOT NULL
FROM litellm_bridge.link;

-- name: audited
-- Per user entity, how many times the audit says each operation succeeded.
SELECT entity_id,
       count(*) FILTER (WHERE operation = 'create_user'),
       count(*) FILTER (WHERE operation = 'delete_user'),
       count(*) FILTER (WHERE operation = 'deactivate_user')
FROM litellm_bridge.sync_audit
WHERE entity_type = 'user' AND result = 'SUCCESS'
GROUP BY 1;

-- name: audit_counts
SELECT operation, result, count(*) FROM litellm_bridge.sync_audit GROUP BY 1, 2 ORDER BY 1, 2;
