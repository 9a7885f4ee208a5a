-- Open WebUI model rows and who may read them (openwebui/models.py).
-- A bridge row has base_model_id NULL: it sets who sees the model of the same id that Open
-- WebUI lists from its connection to the proxy.

-- name: model_rows
-- Every model row (a few hundred at most); meta tells the bridge's rows from people's.
SELECT id, user_id, name, is_active, meta::text AS meta FROM model;

-- name: set_model_owner
UPDATE model SET user_id = %(owner)s, updated_at = %(now)s WHERE id = %(id)s;

-- name: insert_model
-- 0.6.30-0.6.x keep read grants in access_control (NULL would mean public: never written).
INSERT INTO model (id, user_id, base_model_id, name, meta, params, created_at, updated_at,
                   is_active)
VALUES (%(id)s, %(owner)s, NULL, %(name)s, %(meta)s, '{}', %(now)s, %(now)s, true);

-- name: insert_model_private_json
INSERT INTO model (id, user_id, base_model_id, name, meta, params, created_at, updated_at,
                   is_active, access_control)
VALUES (%(id)s, %(owner)s, NULL, %(name)s, %(meta)s, '{}', %(now)s, %(now)s, true,
        '{"read": {"group_ids": [], "user_ids": []}, "write": {"group_ids": [], "user_ids": []}}');

-- name: delete_model
DELETE FROM model WHERE id = %(id)s;

-- name: delete_model_grants
DELETE FROM access_grant WHERE resource_type = 'model' AND resource_id = %(id)s;

-- name: grants_table
-- 0.8+: per-user read grants on the given models (for the given users, or all when NULL).
SELECT resource_id AS model_id, principal_id AS user_id FROM access_grant
WHERE resource_type = 'model' AND principal_type = 'user' AND permission = 'read'
  AND resource_id = ANY(%(models)s)
  AND (%(users)s::text[] IS NULL OR principal_id = ANY(%(users)s));

-- name: grants_json
-- Before 0.8: access_control.read.user_ids of each model.
SELECT id AS model_id, access_control::text AS access_control FROM model
WHERE id = ANY(%(models)s);

-- name: grant_table
INSERT INTO access_grant (id, resource_type, resource_id, principal_type, principal_id,
                          permission, created_at)
SELECT gen_random_uuid()::text, 'model', %(model)s, 'user', u, 'read', %(now)s
FROM unnest(%(users)s::text[]) u
ON CONFLICT DO NOTHING;

-- name: revoke_table
DELETE FROM access_grant
WHERE resource_type = 'model' AND resource_id = %(model)s AND principal_type = 'user'
  AND permission = 'read' AND principal_id = ANY(%(users)s);

-- name: set_readers_json
-- Rewrites read.user_ids only: read.group_ids, write and anything else stay as they are.
-- Anything that is not the expected JSON shape is replaced by the private default.
WITH current AS (
    SELECT id,
           CASE WHEN jsonb_typeof(access_control::jsonb) = 'object' THEN access_control::jsonb
                ELSE '{"write": {"group_ids": [], "user_ids": []}}'::jsonb END AS acl
    FROM model WHERE id = %(model)s
), parts AS (
    SELECT id, acl,
           CASE WHEN jsonb_typeof(acl -> 'read') = 'object' THEN acl -> 'read'
                ELSE '{"group_ids": []}'::jsonb END AS read,
           CASE WHEN jsonb_typeof(acl #> '{read,user_ids}') = 'array' THEN acl #> '{read,user_ids}'
                ELSE '[]'::jsonb END AS readers
    FROM current
)
UPDATE model m
SET access_control = (
    p.acl || jsonb_build_object('read', p.read || jsonb_build_object('user_ids', (
        SELECT COALESCE(jsonb_agg(u ORDER BY u), '[]'::jsonb) FROM (
            SELECT u FROM jsonb_array_elements_text(p.readers) u
            WHERE u <> ALL(%(remove)s::text[])
            UNION
            SELECT unnest(%(add)s::text[])) r)))
)::json
FROM parts p
WHERE m.id = p.id;

-- name: visible_table
-- 0.8+: models a (non-admin) user sees: owned, or read-granted to them, to everyone or to
-- one of their groups.
SELECT m.id FROM model m
WHERE m.is_active AND (m.user_id = %(user)s OR EXISTS (
    SELECT 1 FROM access_grant g
    WHERE g.resource_type = 'model' AND g.resource_id = m.id AND g.permission = 'read'
      AND ((g.principal_type = 'user' AND g.principal_id IN (%(user)s, '*'))
           OR (g.principal_type = 'group' AND g.principal_id = ANY(%(groups)s)))))
ORDER BY m.id;

-- name: visible_json
-- Before 0.8: decided in Python from access_control (NULL: public).
SELECT id, user_id, access_control::text AS access_control FROM model WHERE is_active
ORDER BY id;
