-- Reads and writes of Open WebUI's tables. Tables are unqualified: they resolve through the
-- connection's search_path, like Open WebUI's own DATABASE_SCHEMA setting.

-- name: catalog
-- Tables and columns of the schema Open WebUI uses (first on the search_path), for capability
-- detection: (table, column, nullable, has default). pg_catalog, not information_schema:
-- this runs before every reconcile and information_schema is an order of magnitude slower.
SELECT c.relname::text, a.attname::text, NOT a.attnotnull, a.atthasdef OR a.attidentity <> ''
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
WHERE c.relnamespace = current_schema()::regnamespace
  AND c.relkind IN ('r', 'p')
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum;

-- name: alembic_revision
SELECT version_num FROM alembic_version LIMIT 1;

-- name: users
-- Every Open WebUI user with its login row (absent for some OAuth/SCIM users).
SELECT u.id, u.email, u.name, u.role, u.created_at,
       a.id IS NOT NULL AS has_auth, a.active, a.email AS auth_email
FROM "user" u
LEFT JOIN auth a ON a.id = u.id;

-- name: api_key_owners_table
SELECT DISTINCT user_id FROM api_key WHERE user_id IS NOT NULL;

-- name: api_key_owners_column
SELECT id FROM "user" WHERE api_key IS NOT NULL;

-- name: sso_users_oauth
-- Accounts that signed in through SSO: 0.6.41+ keeps {"<provider>": {"sub": ...}} in
-- user.oauth (its migration moved oauth_sub there).
SELECT id FROM "user" WHERE oauth IS NOT NULL AND oauth::text::jsonb NOT IN ('null', '{}');

-- name: sso_users_oauth_sub
-- Before 0.6.41: the provider's subject in user.oauth_sub.
SELECT id FROM "user" WHERE oauth_sub IS NOT NULL AND oauth_sub <> '';

-- name: groups
SELECT id, name, description, user_id FROM "group";

-- name: group_members_table
SELECT group_id, user_id FROM group_member;

-- name: group_user_ids
-- Older layout: members are a JSON array of user ids in the group row.
SELECT id AS group_id, user_ids::text AS user_ids FROM "group";

-- name: insert_user
INSERT INTO "user" (id, name, email, role, profile_image_url, last_active_at, created_at,
                    updated_at)
VALUES (%(id)s, %(name)s, %(email)s, %(role)s, '/user.png', %(now)s, %(now)s, %(now)s);

-- name: insert_auth
INSERT INTO auth (id, email, password, active) VALUES (%(id)s, %(email)s, %(password)s, true);

-- name: insert_auth_stamped
-- 0.12+: a fresh session stamp, as Open WebUI's own sign-up sets.
INSERT INTO auth (id, email, password, active, session_stamp)
VALUES (%(id)s, %(email)s, %(password)s, true, %(stamp)s);

-- name: update_user
-- NULL leaves a field as it is.
UPDATE "user"
SET name = COALESCE(%(name)s, name), email = COALESCE(%(email)s, email),
    role = COALESCE(%(role)s, role), updated_at = %(now)s
WHERE id = %(id)s;

-- name: update_auth_email
UPDATE auth SET email = %(email)s WHERE id = %(id)s;

-- name: set_password
UPDATE auth SET password = %(password)s WHERE id = %(id)s;

-- name: set_auth_active
UPDATE auth SET active = %(active)s WHERE id = %(id)s;

-- name: revoke_sessions
-- 0.12+: tokens carry the stamp; a new one invalidates every session of the user at once.
UPDATE auth SET session_stamp = %(stamp)s WHERE id = %(id)s;

-- name: delete_api_keys_table
DELETE FROM api_key WHERE user_id = %(id)s;

-- name: clear_api_key_column
UPDATE "user" SET api_key = NULL WHERE id = %(id)s AND api_key IS NOT NULL;

-- name: delete_auth
DELETE FROM auth WHERE id = %(id)s;

-- name: delete_user
DELETE FROM "user" WHERE id = %(id)s;

-- name: insert_group_member_table
INSERT INTO "group" (id, user_id, name, description, meta, created_at, updated_at)
VALUES (%(id)s, %(owner)s, %(name)s, %(description)s, %(meta)s, %(now)s, %(now)s);

-- name: insert_group_user_ids
INSERT INTO "group" (id, user_id, name, description, meta, user_ids, created_at, updated_at)
VALUES (%(id)s, %(owner)s, %(name)s, %(description)s, %(meta)s, '[]', %(now)s, %(now)s);

-- name: update_group
-- NULL leaves a field as it is.
UPDATE "group"
SET name = COALESCE(%(name)s, name), description = COALESCE(%(description)s, description),
    user_id = COALESCE(%(owner)s, user_id), updated_at = %(now)s
WHERE id = %(id)s;

-- name: touch_group
UPDATE "group" SET updated_at = %(now)s WHERE id = %(id)s;

-- name: delete_group
DELETE FROM "group" WHERE id = %(id)s;

-- name: delete_group_grants
-- 0.8+: grants naming a deleted group would point at nothing.
DELETE FROM access_grant WHERE principal_type = 'group' AND principal_id = %(id)s;

-- name: add_group_member
INSERT INTO group_member (id, group_id, user_id, created_at, updated_at)
SELECT %(id)s, %(group_id)s, %(user_id)s, %(now)s, %(now)s
WHERE NOT EXISTS (
    SELECT 1 FROM group_member WHERE group_id = %(group_id)s AND user_id = %(user_id)s
);

-- name: remove_group_members
DELETE FROM group_member WHERE group_id = %(group_id)s AND user_id = ANY(%(user_ids)s);

-- name: clear_group_members
DELETE FROM group_member WHERE group_id = %(group_id)s;

-- name: remove_user_from_groups_table
DELETE FROM group_member WHERE user_id = %(user_id)s AND group_id = ANY(%(group_ids)s);

-- name: lock_group_user_ids
SELECT user_ids::text AS user_ids FROM "group" WHERE id = %(id)s FOR UPDATE;

-- name: groups_listing_user
-- Older layout: groups whose user_ids JSON names the user, locked for rewrite.
SELECT id, user_ids::text AS user_ids FROM "group"
WHERE user_ids::text LIKE %(pattern)s
FOR UPDATE;

-- name: set_group_user_ids
UPDATE "group" SET user_ids = %(user_ids)s::json, updated_at = %(now)s WHERE id = %(id)s;

-- name: counts
SELECT (SELECT count(*) FROM "user") AS users,
       (SELECT count(*) FROM auth WHERE active) AS active_logins,
       (SELECT count(*) FROM "group") AS groups;

-- Scoped reads.

-- name: users_scoped
-- Users by id or lower-cased email, every admin (owner choice, the only-admin rule) and the
-- oldest user (owner of last resort).
-- Each part on its own, so the ids and emails use their indexes (Open WebUI indexes neither
-- role nor created_at: those two parts read the table, comparing one column each).
SELECT u.id, u.email, u.name, u.role, u.created_at,
       a.id IS NOT NULL AS has_auth, a.active, a.email AS auth_email
FROM "user" u
LEFT JOIN auth a ON a.id = u.id
WHERE u.id IN (SELECT id FROM "user" WHERE id = ANY(%(ids)s)
               UNION SELECT id FROM "user" WHERE lower(email) = ANY(%(emails)s)
               UNION SELECT id FROM "user" WHERE role = 'admin'
               UNION (SELECT id FROM "user" ORDER BY created_at, id LIMIT 1));

-- name: api_key_owners_table_scoped
SELECT DISTINCT user_id FROM api_key WHERE user_id = ANY(%(ids)s);

-- name: api_key_owners_column_scoped
SELECT id FROM "user" WHERE api_key IS NOT NULL AND id = ANY(%(ids)s);

-- name: sso_users_oauth_scoped
SELECT id FROM "user"
WHERE oauth IS NOT NULL AND oauth::text::jsonb NOT IN ('null', '{}') AND id = ANY(%(ids)s);

-- name: sso_users_oauth_sub_scoped
SELECT id FROM "user" WHERE oauth_sub IS NOT NULL AND oauth_sub <> '' AND id = ANY(%(ids)s);

-- name: group_members_table_scoped
SELECT group_id, user_id FROM group_member WHERE group_id = ANY(%(group_ids)s);

-- name: groups_of_members_table
SELECT DISTINCT group_id FROM group_member WHERE user_id = ANY(%(ids)s);

-- name: account_emails
SELECT id, lower(email) AS email, role FROM "user";

-- Open WebUI's saved settings (openwebui/config.py).

-- name: config_readable
SELECT has_table_privilege('config', 'SELECT') AS readable;

-- name: config_rows
-- One row per setting (0.12.4): the setting %(key)s and those below it (%(key)s.*).
SELECT key, value::text AS value FROM config
WHERE key = %(key)s OR starts_with(key, %(key)s || '.');

-- name: config_document
-- One JSON document (0.6.30), the newest row: the value at %(path)s (a text[] path).
SELECT (data::jsonb #> %(path)s)::text AS value FROM config ORDER BY id DESC LIMIT 1;

-- name: missing_privileges
-- What the bridge's role lacks on the tables it reads and writes (sql/grants.sql gives it);
-- an Open WebUI upgrade that adds a table needs `litellm-bridge grants` run again.
SELECT w.name, w.privilege
FROM (VALUES ('user', 'SELECT'), ('user', 'INSERT'), ('user', 'UPDATE'), ('user', 'DELETE'),
             ('auth', 'SELECT'), ('auth', 'INSERT'), ('auth', 'UPDATE'), ('auth', 'DELETE'),
             ('group', 'SELECT'), ('group', 'INSERT'), ('group', 'UPDATE'), ('group', 'DELETE'),
             ('group_member', 'SELECT'), ('group_member', 'INSERT'),
             ('group_member', 'DELETE'), ('model', 'SELECT'), ('model', 'INSERT'),
             ('model', 'UPDATE'), ('model', 'DELETE'), ('access_grant', 'SELECT'),
             ('access_grant', 'INSERT'), ('access_grant', 'DELETE'), ('api_key', 'SELECT'),
             ('api_key', 'DELETE'), ('config', 'SELECT')) AS w(name, privilege)
WHERE to_regclass(format('public.%%I', w.name)) IS NOT NULL
  AND NOT has_table_privilege(format('public.%%I', w.name), w.privilege)
ORDER BY 1, 2;

-- name: accounts_changed_since
-- Enrolment (BRIDGE_ENROL): accounts made, changed or used since a moment (epoch seconds),
-- with their login rows. Open WebUI indexes none of these columns: one pass over the table,
-- comparing three integers per row, and only the changed rows come back.
SELECT u.id, u.email, u.name, u.role, u.created_at,
       a.id IS NOT NULL AS has_auth, a.active, a.email AS auth_email
FROM "user" u
LEFT JOIN auth a ON a.id = u.id
WHERE u.created_at >= %(since)s OR u.updated_at >= %(since)s OR u.last_active_at >= %(since)s;

-- name: pending_account_ids
-- Enrolment's first look in a process: the accounts waiting for an admin's approval (Open
-- WebUI approves without touching a timestamp), the newest first.
SELECT id FROM "user" WHERE role = 'pending' ORDER BY created_at DESC LIMIT %(limit)s;

-- name: accounts_by_id
SELECT u.id, u.email, u.name, u.role, u.created_at,
       a.id IS NOT NULL AS has_auth, a.active, a.email AS auth_email
FROM "user" u
LEFT JOIN auth a ON a.id = u.id
WHERE u.id = ANY(%(ids)s);
