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
