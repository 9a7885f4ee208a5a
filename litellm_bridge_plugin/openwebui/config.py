"""Read the settings Open WebUI saved in its database (its ``config`` table).

Open WebUI 0.12.4 keeps one row per setting (``key``, ``value`` JSON) and writes every
default there at its first start, from its environment; from then on the row wins over the
environment. Open WebUI 0.6.30 keeps one JSON document (``config.data``, newest row) that holds
a setting only once an admin has saved it; until then the environment decides, which the bridge
cannot see. Either way, with ``ENABLE_PERSISTENT_CONFIG=false`` Open WebUI ignores what is
saved and the bridge cannot know its settings.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg

from litellm_bridge_plugin.domain import SignupRole
from litellm_bridge_plugin.openwebui.schema import OpenWebUISchema
from litellm_bridge_plugin.queries import fetch

SIGNUP_ROLE_KEY = "ui.default_user_role"


def _rows(conn: psycopg.Connection[Any], name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return fetch(conn, "openwebui.sql", name, params)


def _why_unreadable(conn: psycopg.Connection[Any], schema: OpenWebUISchema) -> str | None:
    if schema.config == "none":
        return "Open WebUI's database has no settings table (`config`) the bridge knows"
    if not _rows(conn, "config_readable", {})[0]["readable"]:
        return (
            "the bridge's role may not read Open WebUI's `config` table (an Open WebUI upgrade "
            "may have replaced it): run the SQL of `litellm-bridge grants` on Open WebUI's "
            "database again"
        )
    return None


def _read(conn: psycopg.Connection[Any], schema: OpenWebUISchema, key: str) -> dict[str, Any]:
    if schema.config == "rows":
        return {r["key"]: json.loads(r["value"]) for r in _rows(conn, "config_rows", {"key": key})}
    rows = _rows(conn, "config_document", {"path": key.split(".")})
    found = json.loads(rows[0]["value"]) if rows and rows[0]["value"] is not None else None
    if isinstance(found, dict):
        return {f"{key}.{name}": value for name, value in found.items()}
    return {} if found is None else {key: found}


def read_config(
    conn: psycopg.Connection[Any], schema: OpenWebUISchema, key: str
) -> dict[str, Any] | None:
    """Saved settings named ``key`` or below it (``openai`` gives ``openai.enable``, ...), as
    {dotted key: value}, the same for both layouts; None when they cannot be read."""
    if _why_unreadable(conn, schema) is not None:
        return None
    return _read(conn, schema, key)


def signup_role(conn: psycopg.Connection[Any], schema: OpenWebUISchema) -> SignupRole:
    """Open WebUI's saved default role for new sign-ups, or why it is unknown."""
    why = _why_unreadable(conn, schema)
    if why is not None:
        return SignupRole(None, why)
    value = _read(conn, schema, SIGNUP_ROLE_KEY).get(SIGNUP_ROLE_KEY)
    if value is None:
        return SignupRole(
            None,
            "it is not saved in Open WebUI's database (Open WebUI 0.6.x saves it once an admin "
            "saves the sign-up settings; an environment variable alone is not visible here)",
        )
    if not isinstance(value, str):
        return SignupRole(None, f"the saved value {value!r} is not a role")
    return SignupRole(value)
