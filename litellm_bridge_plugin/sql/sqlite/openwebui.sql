-- Reads of Open WebUI's SQLite database (its default, DATA_DIR/webui.db): the same query names
-- as ../openwebui.sql, in SQLite's dialect.

-- name: catalog
-- Every column of every table, with whether it may be NULL and whether it has a default.
SELECT m.name AS table_name, p.name AS column_name, p."notnull" = 0 AS nullable,
       p.dflt_value IS NOT NULL AS has_default
FROM sqlite_master m, pragma_table_info(m.name) p
WHERE m.type = 'table'
ORDER BY m.name, p.cid;

-- name: alembic_revision
SELECT version_num FROM alembic_version LIMIT 1;

-- Queries whose PostgreSQL text does not run on SQLite. Lists arrive as JSON text (sqlite.py)
-- and are read with json_each; JSON columns are TEXT.

-- name: sso_users_oauth
SELECT id FROM "user"
WHERE oauth IS NOT NULL AND json_valid(oauth) AND json(oauth) NOT IN ('null', '{}');

-- name: group_user_ids
SELECT id AS group_id, user_ids FROM "group";

-- name: remove_group_members
DELETE FROM group_member
WHERE group_id = %(group_id)s AND user_id IN (SELECT value FROM json_each(%(user_ids)s));

-- name: remove_user_from_groups_table
DELETE FROM group_member
WHERE user_id = %(user_id)s AND group_id IN (SELECT value FROM json_each(%(group_ids)s));

-- name: lock_group_user_ids
-- The write transaction holds SQLite's one writer lock; there is no row lock to take.
SELECT user_ids FROM "group" WHERE id = %(id)s;

-- name: groups_listing_user
SELECT id, user_ids FROM "group" WHERE user_ids LIKE %(pattern)s;

-- name: set_group_user_ids
UPDATE "group" SET user_ids = %(user_ids)s, updated_at = %(now)s WHERE id = %(id)s;

-- name: users_scoped
SELECT u.id, u.email, u.name, u.role, u.created_at,
       a.id IS NOT NULL AS has_auth, a.active, a.email AS auth_email
FROM "user" u
LEFT JOIN auth a ON a.id = u.id
WHERE u.id IN (SELECT value FROM json_each(%(ids)s))
   OR lower(u.email) IN (SELECT value FROM json_each(%(emails)s)) OR u.role = 'admin'
   OR u.id = (SELECT id FROM "user" ORDER BY created_at, id LIMIT 1);

-- name: api_key_owners_table_scoped
SELECT DISTINCT user_id FROM api_key WHERE user_id IN (SELECT value FROM json_each(%(ids)s));

-- name: api_key_owners_column_scoped
SELECT id FROM "user"
WHERE api_key IS NOT NULL AND id IN (SELECT value FROM json_each(%(ids)s));

-- name: sso_users_oauth_scoped
SELECT id FROM "user"
WHERE oauth IS NOT NULL AND json_valid(oauth) AND json(oauth) NOT IN ('null', '{}')
  AND id IN (SELECT value FROM json_each(%(ids)s));

-- name: sso_users_oauth_sub_scoped
SELECT id FROM "user"
WHERE oauth_sub IS NOT NULL AND oauth_sub <> '' AND id IN (SELECT value FROM json_each(%(ids)s));

-- name: group_members_table_scoped
SELECT group_id, user_id FROM group_member
WHERE group_id IN (SELECT value FROM json_each(%(group_ids)s));

-- name: groups_of_members_table
SELECT DISTINCT group_id FROM group_member
WHERE user_id IN (SELECT value FROM json_each(%(ids)s));

-- name: config_readable
-- A file the bridge could open is readable.
SELECT 1 AS readable;

-- name: config_rows
SELECT key, value FROM config
WHERE key = %(key)s OR substr(key, 1, length(%(key)s) + 1) = %(key)s || '.';

-- name: config_document
SELECT data -> ('$.' || (SELECT group_concat(value, '.') FROM json_each(%(path)s))) AS value
FROM config ORDER BY id DESC LIMIT 1;

-- name: missing_privileges
-- SQLite has no privileges: the file's permissions decide (doctor checks them).
SELECT NULL AS name, NULL AS privilege WHERE 0;

-- name: accounts_by_id
SELECT u.id, u.email, u.name, u.role, u.created_at,
       a.id IS NOT NULL AS has_auth, a.active, a.email AS auth_email
FROM "user" u
LEFT JOIN auth a ON a.id = u.id
WHERE u.id IN (SELECT value FROM json_each(%(ids)s));
