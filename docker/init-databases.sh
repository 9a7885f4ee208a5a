#!/bin/sh
# Run once by the postgres image on an empty data directory: one database per product.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" <<'SQL'
CREATE DATABASE litellm;
CREATE DATABASE openwebui;
SQL
