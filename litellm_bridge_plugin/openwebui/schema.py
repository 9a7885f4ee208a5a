"""Detect which Open WebUI schema generation a live database has.

The bridge never guesses: it reads the tables and columns that exist and refuses to write
when the layout is missing something it needs or requires something it does not know how to
fill.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import psycopg

from litellm_bridge_plugin.errors import SchemaError
from litellm_bridge_plugin.queries import dialect_of, query

# Columns the bridge writes or reads; every generation since 0.6.30 has them.
REQUIRED: dict[str, frozenset[str]] = {
    "user": frozenset(
        {
            "id",
            "name",
            "email",
            "role",
            "profile_image_url",
            "created_at",
            "updated_at",
            "last_active_at",
        }
    ),
    "auth": frozenset({"id", "email", "password", "active"}),
    "group": frozenset({"id", "user_id", "name", "description", "created_at", "updated_at"}),
}
GROUP_MEMBER_COLUMNS = frozenset({"id", "group_id", "user_id", "created_at", "updated_at"})

# Columns the bridge fills when it inserts into each table; any other NOT NULL column
# without a default is a layout the bridge does not know, so it refuses to insert.
FILLED: dict[str, frozenset[str]] = {
    "user": REQUIRED["user"],
    "auth": REQUIRED["auth"] | {"session_stamp"},
    "group": REQUIRED["group"] | {"user_ids", "meta"},
    "group_member": GROUP_MEMBER_COLUMNS,
}

HOW_TO_MIGRATE = (
    "start Open WebUI (0.6.30 or newer) once against this database so its own migrations "
    "create its tables, then run the bridge again"
)


@dataclass(frozen=True, slots=True)
class OpenWebUISchema:
    """What the live Open WebUI database can hold, read from its catalog."""

    revision: str | None
    """Alembic revision (``alembic_version``), for messages and logs."""
    membership: Literal["group_member", "user_ids"]
    """``group_member`` table (0.6.37+) or ``group.user_ids`` JSON (0.6.30-0.6.36)."""
    api_keys: Literal["table", "column", "none"]
    """``api_key`` table (0.6.41+) or ``user.api_key`` column (older)."""
    session_stamp: bool
    """``auth.session_stamp`` exists (0.12+): changing it signs the user out everywhere."""
    access_grant: bool
    """``access_grant`` table exists (0.8+)."""
    sso: Literal["oauth", "oauth_sub", "none"] = "none"
    """Where an account's SSO identity is: ``user.oauth`` JSON (0.6.41+), ``user.oauth_sub``
    (older) or nowhere the bridge knows."""
    config: Literal["rows", "document", "none"] = "none"
    """Where Open WebUI keeps its saved settings: a ``config`` row per key (``key``, ``value``
    JSON; 0.12.4 has it), one JSON document in ``config.data`` (0.6.30), or nowhere."""

    @property
    def generation(self) -> str:
        """The oldest Open WebUI release line with this layout."""
        if self.session_stamp:
            return "0.12"
        if self.access_grant:
            return "0.8"
        if self.api_keys == "table":
            return "0.6.41"
        if self.membership == "group_member":
            return "0.6.37"
        return "0.6.30"

    def describe(self) -> str:
        return (
            f"Open WebUI schema generation {self.generation}+ (alembic revision "
            f"{self.revision or 'unknown'}; members in {self.membership}, api keys in "
            f"{self.api_keys}, session revocation {'yes' if self.session_stamp else 'no'})"
        )


def _catalog(conn: psycopg.Connection[Any]) -> dict[str, dict[str, tuple[bool, bool]]]:
    """{table: {column: (nullable, has_default)}} for the public schema."""
    tables: dict[str, dict[str, tuple[bool, bool]]] = {}
    with conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
        cur.execute(query("openwebui.sql", "catalog", dialect_of(conn)))
        for table, column, nullable, has_default in cur.fetchall():
            tables.setdefault(table, {})[column] = (nullable, has_default)
    return tables


def _revision(conn: psycopg.Connection[Any], tables: dict[str, Any]) -> str | None:
    if "alembic_version" not in tables:
        return None
    with conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
        cur.execute(query("openwebui.sql", "alembic_revision", dialect_of(conn)))
        row = cur.fetchone()
    return str(row[0]) if row else None


def _refuse_unknown_required(table: str, columns: dict[str, tuple[bool, bool]]) -> None:
    unknown = sorted(
        name
        for name, (nullable, has_default) in columns.items()
        if not nullable and not has_default and name not in FILLED[table]
    )
    if unknown:
        raise SchemaError(
            f"Open WebUI table {table!r} requires column(s) {', '.join(unknown)} that this "
            "bridge version does not know how to fill; this Open WebUI release is newer than "
            "the bridge supports, so nothing was written. Upgrade litellm-bridge."
        )


def detect(conn: psycopg.Connection[Any]) -> OpenWebUISchema:
    """Read the live catalog and return the layout, or raise :class:`SchemaError`."""
    tables = _catalog(conn)
    revision = _revision(conn, tables)
    if tables and not tables.keys() & {"alembic_version", "migratehistory", *REQUIRED}:
        raise SchemaError(
            "this is not an Open WebUI database: it has none of Open WebUI's tables "
            f"({len(tables)} other table(s)); point the URL at the database Open WebUI uses"
        )
    for table, needed in REQUIRED.items():
        if table not in tables:
            raise SchemaError(
                f"the Open WebUI database has no table {table!r} (alembic revision "
                f"{revision or 'none'}); {HOW_TO_MIGRATE}"
            )
        missing = sorted(needed - tables[table].keys())
        if missing:
            raise SchemaError(
                f"Open WebUI table {table!r} lacks column(s) {', '.join(missing)} (alembic "
                f"revision {revision or 'none'}); {HOW_TO_MIGRATE}"
            )
    membership: Literal["group_member", "user_ids"]
    if "group_member" in tables and tables["group_member"].keys() >= GROUP_MEMBER_COLUMNS:
        membership = "group_member"
        _refuse_unknown_required("group_member", tables["group_member"])
    elif "user_ids" in tables["group"]:
        membership = "user_ids"
    else:
        raise SchemaError(
            "the Open WebUI database records group members neither in a 'group_member' table "
            f"nor in 'group.user_ids' (alembic revision {revision or 'none'}); {HOW_TO_MIGRATE}"
        )
    for table in ("user", "auth", "group"):
        _refuse_unknown_required(table, tables[table])
    api_keys: Literal["table", "column", "none"] = "none"
    if "api_key" in tables:
        api_keys = "table"
    elif "api_key" in tables["user"]:
        api_keys = "column"
    sso: Literal["oauth", "oauth_sub", "none"] = "none"
    if "oauth" in tables["user"]:
        sso = "oauth"
    elif "oauth_sub" in tables["user"]:
        sso = "oauth_sub"
    config: Literal["rows", "document", "none"] = "none"
    if tables.get("config", {}).keys() >= {"key", "value"}:
        config = "rows"
    elif "data" in tables.get("config", {}):
        config = "document"
    return OpenWebUISchema(
        revision=revision,
        membership=membership,
        api_keys=api_keys,
        session_stamp="session_stamp" in tables["auth"],
        access_grant="access_grant" in tables,
        sso=sso,
        config=config,
    )
