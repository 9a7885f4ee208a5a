"""`litellm-bridge grants`: the SQL that gives the bridge only the rights it needs."""

from __future__ import annotations

import re

from psycopg import sql

from litellm_bridge_plugin.queries import read_sql_file

SQLITE_NOTE = (
    "-- ===== Open WebUI's database is a SQLite file (BRIDGE_OPENWEBUI_DATABASE_URL) =====\n"
    "-- SQLite has no roles or grants: whoever can write the file can change any table.\n"
    "-- Run the bridge as the user Open WebUI runs as (or one in its group), with read and\n"
    "-- write on webui.db and on its directory (SQLite creates its journal there);\n"
    "-- `litellm-bridge doctor` checks both ('openwebui file')."
)
ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _part(name: str) -> str:
    text = read_sql_file("grants.sql")
    start = text.index(f"-- name: {name}\n")
    following = text.find("-- name: ", start + 1)
    return text[start : following if following >= 0 else len(text)].strip()


def grants_sql(database: str, role: str) -> str:
    """The statements for ``database`` (``litellm`` or ``openwebui``), for login ``role``."""
    if not ROLE.match(role):
        raise ValueError(
            f"{role[:70]!r} is not a plain role name (lower-case letters, digits, underscore)"
        )
    body = _part(database).split("\n", 1)[1]
    return (
        sql.SQL(body)
        .format(role=sql.Identifier(role), role_literal=sql.Literal(role))
        .as_string(None)
    )
