"""Open WebUI model rows and per-user read grants, for each schema generation.

A bridge row has the id Open WebUI gives the proxy's model (``<prefix>.<name>`` when the
connection has a prefix) and ``base_model_id`` NULL: it does not add a model, it says who
sees the one Open WebUI lists from its connection. Who may read it is stored in
``access_grant`` rows (0.8+) or in ``model.access_control`` JSON (before 0.8, where NULL
would mean public, so bridge rows are never written without it).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

import psycopg

from litellm_bridge_plugin.domain import ModelRow
from litellm_bridge_plugin.openwebui.schema import OpenWebUISchema
from litellm_bridge_plugin.openwebui.state import parse_user_ids
from litellm_bridge_plugin.openwebui.writer import now
from litellm_bridge_plugin.queries import query

Cursor = psycopg.Cursor[Any]

META: dict[str, Any] = {
    "profile_image_url": "/static/favicon.png",
    "description": "Served by LiteLLM; who sees it is decided in LiteLLM (litellm-bridge).",
    "capabilities": None,
    "tags": [],
    "litellm_bridge": {"managed": True},
}


def _q(name: str) -> Any:
    return query("openwebui_models.sql", name)


def _marked(meta: str | None) -> bool:
    try:
        loaded = json.loads(meta) if meta else None
    except ValueError:
        return False
    mark = loaded.get("litellm_bridge") if isinstance(loaded, dict) else None
    return isinstance(mark, dict) and mark.get("managed") is True


def read_rows(conn: psycopg.Connection[Any]) -> dict[str, ModelRow]:
    """Every model row, marked or not."""
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(_q("model_rows"))
        return {
            r["id"]: ModelRow(
                r["id"], r["user_id"], r["name"], bool(r["is_active"]), _marked(r["meta"])
            )
            for r in cur.fetchall()
        }


def read_readers(
    conn: psycopg.Connection[Any],
    schema: OpenWebUISchema,
    models: Collection[str],
    users: Collection[str] | None = None,
) -> dict[str, frozenset[str]]:
    """{model id: Open WebUI user ids with a read grant} (of ``users`` only, when given)."""
    if not models:
        return {}
    found: dict[str, set[str]] = {m: set() for m in models}
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        if schema.access_grant:
            cur.execute(
                _q("grants_table"),
                {"models": sorted(models), "users": sorted(users) if users is not None else None},
            )
            for row in cur.fetchall():
                found[row["model_id"]].add(row["user_id"])
        else:
            cur.execute(_q("grants_json"), {"models": sorted(models)})
            wanted = set(users) if users is not None else None
            for row in cur.fetchall():
                readers = _json_readers(row["access_control"])
                found[row["model_id"]] = readers if wanted is None else readers & wanted
    return {m: frozenset(u) for m, u in found.items()}


def _json_read(raw: str | None) -> dict[str, Any] | None:
    """``access_control.read`` of a model row; None when the row is public (NULL)."""
    try:
        acl = json.loads(raw) if raw else None
    except ValueError:
        return {}
    if acl is None:
        return None
    read = acl.get("read") if isinstance(acl, dict) else None
    return read if isinstance(read, dict) else {}


def _ids(read: dict[str, Any], key: str) -> set[str]:
    return set(parse_user_ids(json.dumps(read.get(key))))


def _json_readers(raw: str | None) -> set[str]:
    read = _json_read(raw)
    return _ids(read, "user_ids") if read is not None else set()


def visible_models(
    conn: psycopg.Connection[Any], schema: OpenWebUISchema, user_id: str, groups: Collection[str]
) -> set[str]:
    """Model rows a user (not an admin: admins see every model) may read, as Open WebUI
    decides: owned, or granted to them, to everyone or to one of their groups."""
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        if schema.access_grant:
            cur.execute(_q("visible_table"), {"user": user_id, "groups": sorted(groups)})
            return {row["id"] for row in cur.fetchall()}
        cur.execute(_q("visible_json"))
        visible = set()
        for row in cur.fetchall():
            read = _json_read(row["access_control"])
            if (
                row["user_id"] == user_id
                or read is None
                or user_id in _ids(read, "user_ids")
                or _ids(read, "group_ids") & set(groups)
            ):
                visible.add(row["id"])
        return visible


class ModelWriter:
    """Writes bridge model rows and their per-user read grants."""

    def __init__(self, schema: OpenWebUISchema) -> None:
        self.schema = schema

    def create(self, cur: Cursor, openwebui_id: str, name: str, owner: str) -> None:
        query = "insert_model" if self.schema.access_grant else "insert_model_private_json"
        cur.execute(
            _q(query),
            {
                "id": openwebui_id,
                "owner": owner,
                "name": name,
                "meta": json.dumps(META),
                "now": now(),
            },
        )

    def set_owner(self, cur: Cursor, openwebui_id: str, owner: str) -> None:
        cur.execute(_q("set_model_owner"), {"id": openwebui_id, "owner": owner, "now": now()})

    def delete(self, cur: Cursor, openwebui_id: str) -> None:
        if self.schema.access_grant:
            cur.execute(_q("delete_model_grants"), {"id": openwebui_id})
        cur.execute(_q("delete_model"), {"id": openwebui_id})

    def set_readers(
        self, cur: Cursor, openwebui_id: str, add: Collection[str], remove: Collection[str]
    ) -> None:
        if not add and not remove:
            return
        if not self.schema.access_grant:
            cur.execute(
                _q("set_readers_json"),
                {"model": openwebui_id, "add": sorted(add), "remove": sorted(remove)},
            )
            return
        if remove:
            cur.execute(_q("revoke_table"), {"model": openwebui_id, "users": sorted(remove)})
        if add:
            cur.execute(
                _q("grant_table"), {"model": openwebui_id, "users": sorted(add), "now": now()}
            )
