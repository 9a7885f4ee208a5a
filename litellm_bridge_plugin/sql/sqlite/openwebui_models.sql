-- Open WebUI model rows and read grants on SQLite: the queries of ../openwebui_models.sql whose
-- PostgreSQL text does not run here. Lists arrive as JSON text (sqlite.py).

-- name: model_rows
SELECT id, user_id, name, is_active, meta FROM model;

-- name: grants_table
SELECT resource_id AS model_id, principal_id AS user_id FROM access_grant
WHERE resource_type = 'model' AND principal_type = 'user' AND permission = 'read'
  AND resource_id IN (SELECT value FROM json_each(%(models)s))
  AND (%(users)s IS NULL OR principal_id IN (SELECT value FROM json_each(%(users)s)));

-- name: grants_json
SELECT id AS model_id, access_control FROM model
WHERE id IN (SELECT value FROM json_each(%(models)s));

-- name: grant_table
INSERT INTO access_grant (id, resource_type, resource_id, principal_type, principal_id,
                          permission, created_at)
SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' ||
             substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(2)) || '-' ||
             hex(randomblob(6))),
       'model', %(model)s, 'user', value, 'read', %(now)s
FROM json_each(%(users)s) WHERE true
ON CONFLICT DO NOTHING;

-- name: revoke_table
DELETE FROM access_grant
WHERE resource_type = 'model' AND resource_id = %(model)s AND principal_type = 'user'
  AND permission = 'read' AND principal_id IN (SELECT value FROM json_each(%(users)s));

-- name: set_readers_json
-- Rewrites read.user_ids only, as the PostgreSQL version does.
UPDATE model
SET access_control = (
    WITH acl AS (
        SELECT CASE WHEN json_valid(access_control) AND json_type(access_control) = 'object'
                    THEN access_control
                    ELSE '{"write": {"group_ids": [], "user_ids": []}}' END AS doc
    ), parts AS (
        SELECT doc,
               CASE WHEN json_type(doc, '$.read') = 'object' THEN json_extract(doc, '$.read')
                    ELSE '{"group_ids": []}' END AS read,
               CASE WHEN json_type(doc, '$.read.user_ids') = 'array'
                    THEN json_extract(doc, '$.read.user_ids') ELSE '[]' END AS readers
        FROM acl
    )
    SELECT json_set(doc, '$.read', json_set(json(read), '$.user_ids', json((
        SELECT COALESCE(json_group_array(u), '[]') FROM (
            SELECT value AS u FROM json_each(readers)
            WHERE value NOT IN (SELECT value FROM json_each(%(remove)s))
            UNION
            SELECT value FROM json_each(%(add)s)
            ORDER BY 1)))))
    FROM parts
)
WHERE id = %(model)s;

-- name: visible_table
SELECT m.id FROM model m
WHERE m.is_active AND (m.user_id = %(user)s OR EXISTS (
    SELECT 1 FROM access_grant g
    WHERE g.resource_type = 'model' AND g.resource_id = m.id AND g.permission = 'read'
      AND ((g.principal_type = 'user' AND g.principal_id IN (%(user)s, '*'))
           OR (g.principal_type = 'group'
               AND g.principal_id IN (SELECT value FROM json_each(%(groups)s))))))
ORDER BY m.id;

-- name: visible_json
SELECT id, user_id, access_control FROM model WHERE is_active ORDER BY id;
