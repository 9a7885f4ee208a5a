"""Install and remove the change-capture triggers on LiteLLM's tables (no extensions).

INSERT and DELETE always enqueue. UPDATE triggers are ``AFTER UPDATE OF <columns>`` with a
``WHEN (old IS DISTINCT FROM new)`` guard over the same columns, where the columns are every
column of the table except the usage counters LiteLLM rewrites on each request batch: a spend
update does not even call the trigger function.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from litellm_bridge_plugin.queries import query

CAPTURED_TABLES = (
    "LiteLLM_UserTable",
    "LiteLLM_TeamTable",
    "LiteLLM_OrganizationTable",
    "LiteLLM_TeamMembership",
    "LiteLLM_OrganizationMembership",
    "LiteLLM_VerificationToken",
)
# Written by LiteLLM on every request batch or by its own housekeeping, never by a person;
# `password` is a scrypt hash the bridge cannot use.
IGNORED_COLUMNS = frozenset(
    {
        "spend",
        "model_spend",
        "total_spend",
        "updated_at",
        "last_active",
        "budget_reset_at",
        "soft_budget_cooldown",
        "last_breach_check_at",
        "key_rotation_at",
        "last_rotation_at",
        "rotation_count",
        "password",
    }
)
TRIGGER_PREFIX = "litellm_bridge_"


def _q(name: str) -> Any:
    return query("triggers.sql", name)


def _update_trigger(conn: psycopg.Connection[Any], table: str) -> sql.Composed:
    with conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
        cur.execute(_q("columns"), {"table": table})
        columns = [(name, kind) for name, kind in cur.fetchall() if name not in IGNORED_COLUMNS]

    def value(row: str, name: str, kind: str) -> sql.Composable:
        ref = sql.SQL("{}.{}").format(sql.SQL(row), sql.Identifier(name))
        # json has no equality operator; compare it as jsonb
        return sql.SQL("{}::jsonb").format(ref) if kind == "json" else ref

    return sql.SQL(
        "CREATE TRIGGER {name} AFTER UPDATE OF {columns} ON {table} FOR EACH ROW "
        "WHEN (ROW({old}) IS DISTINCT FROM ROW({new})) "
        "EXECUTE FUNCTION litellm_bridge.capture_change()"
    ).format(
        name=sql.Identifier(TRIGGER_PREFIX + "update"),
        columns=sql.SQL(", ").join(sql.Identifier(name) for name, _ in columns),
        table=sql.Identifier(table),
        old=sql.SQL(", ").join(value("OLD", name, kind) for name, kind in columns),
        new=sql.SQL(", ").join(value("NEW", name, kind) for name, kind in columns),
    )


def install(conn: psycopg.Connection[Any]) -> list[str]:
    """Create the outbox, the trigger function and the triggers, replacing old ones.

    One transaction: either everything is installed or nothing changed. Returns the tables.
    """
    with conn.transaction():
        conn.execute(_q("install"))  # drops the old triggers with the old function
        for table in CAPTURED_TABLES:
            conn.execute(
                sql.SQL(
                    "CREATE TRIGGER {} AFTER INSERT OR DELETE ON {} FOR EACH ROW "
                    "EXECUTE FUNCTION litellm_bridge.capture_change()"
                ).format(sql.Identifier(TRIGGER_PREFIX + "insert_delete"), sql.Identifier(table))
            )
            conn.execute(_update_trigger(conn, table))
    return list(CAPTURED_TABLES)


def uninstall(conn: psycopg.Connection[Any]) -> int:
    """Remove triggers, function and outbox; returns how many triggers were dropped."""
    with conn.transaction():
        dropped = len(installed(conn))
        conn.execute(_q("uninstall"))  # the triggers go with the function (CASCADE)
    return dropped


def installed(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """The bridge's triggers now on LiteLLM's tables (table, name, enabled)."""
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(_q("trigger_names"))
        return cur.fetchall()
