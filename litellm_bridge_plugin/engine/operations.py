"""Every kind of change the bridge makes to Open WebUI, in one table.

Each :class:`Operation` entry says, for one kind of :class:`plan.accounts.Change`: how it is
written to Open WebUI, whether its link is recorded before the write, whether it needs a
password hash, what the bridge's bookkeeping records once it succeeded, and how the CLI
describes it. Adding a kind of change means adding its name to ``plan.accounts.Operation``
and one entry here (tests/unit/test_architecture.py checks that every name has one).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import psycopg

from litellm_bridge_plugin.domain import Change
from litellm_bridge_plugin.openwebui.models import ModelWriter
from litellm_bridge_plugin.openwebui.writer import OpenWebUIWriter

Cursor = psycopg.Cursor[Any]


@dataclass
class Target:
    """What a write needs besides the change: Open WebUI's writers and what the run knows."""

    writer: OpenWebUIWriter
    models: ModelWriter
    bridge_group_ids: frozenset[str]
    all_group_ids: set[str]
    hashes: Mapping[str, str] = field(default_factory=dict)
    """Password hashes of this batch, by LiteLLM user id."""
    failed_users: set[str] = field(default_factory=set)
    """Open WebUI ids of accounts whose creation failed in this run: no group or grant
    names them."""

    def adding(self, change: Change) -> frozenset[str]:
        return change.add - self.failed_users


Write = Callable[[Target, Cursor, Change], None]
Bookkeeping = Callable[[Change], tuple[str, dict[str, Any]] | None]


def _key(c: Change) -> dict[str, Any]:
    return {"entity_type": c.entity_type, "litellm_id": c.entity_id}


def _nothing(_: Change) -> None:
    return None


def _never(_: Change) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class Operation:
    write: Write | None
    """How it is written to Open WebUI (None: only the bridge's own tables change)."""
    describe: Callable[[Change], str]
    """One line for the CLI's report."""
    link_before: bool = False
    """Its link is recorded before the write (a crash between the two leaves a link to a row
    that does not exist yet, which the next run creates)."""
    model_row_before: bool = False
    """It makes an Open WebUI model row the bridge's: recorded before the write."""
    password: Callable[[Change], bool] = _never
    """It sets a password (a hash is computed for it, off the transaction)."""
    after: Bookkeeping = _nothing
    """The bridge's bookkeeping once it succeeded: a named query of bridge.sql and its
    parameters."""
    members: bool = False
    """It adds or removes people (a scoped run keeps it when one of them is in scope)."""
    links: bool = False
    """It makes or ends a user's link (the proxy's check re-reads links after it)."""


# --- writes ----------------------------------------------------------------------------------
def _create_user(t: Target, cur: Cursor, c: Change) -> None:
    after = dict(c.after or {})
    t.writer.create_user(
        cur, c.openwebui_id, after["email"], after["name"], after["role"], t.hashes[c.entity_id]
    )


def _update_user(t: Target, cur: Cursor, c: Change) -> None:
    after = dict(c.after or {})
    if after.get("login"):
        t.writer.create_login(cur, c.openwebui_id, after["login"], t.hashes[c.entity_id])
    t.writer.update_user(
        cur,
        c.openwebui_id,
        name=after.get("name"),
        email=after.get("email"),
        role=after.get("role"),
        active=after.get("active"),
    )


def _create_group(t: Target, cur: Cursor, c: Change) -> None:
    after = dict(c.after or {})
    t.writer.create_group(
        cur,
        c.openwebui_id,
        after["owner"],
        after["name"],
        after["description"],
        {"kind": c.entity_type, "litellm_id": c.entity_id},
    )
    t.writer.change_members(cur, c.openwebui_id, t.adding(c), ())


def _update_group(t: Target, cur: Cursor, c: Change) -> None:
    after = dict(c.after or {})
    t.writer.update_group(
        cur,
        c.openwebui_id,
        name=after.get("name"),
        description=after.get("description"),
        owner=after.get("owner"),
    )


def _create_model(t: Target, cur: Cursor, c: Change) -> None:
    after = dict(c.after or {})
    t.models.create(cur, c.openwebui_id, after["name"], after["owner"])
    t.models.set_readers(cur, c.openwebui_id, t.adding(c), ())


# --- descriptions ----------------------------------------------------------------------------
def _fields(c: Change) -> str:
    before = c.before or {}
    return ", ".join(f"{k}: {before.get(k)!r} -> {v!r}" for k, v in (c.after or {}).items())


def _people(c: Change, what: str, prefix: str = "") -> str:
    return f"{prefix} +{len(c.add)} -{len(c.remove)} {what}".strip()


def _removed(c: Change) -> str:
    after = c.after or {}
    return f"{(c.before or {}).get('email')}" + (
        f" ({after['reason']})" if after.get("reason") else ""
    )


def _row(c: Change) -> str:
    return f"row {c.openwebui_id!r}"


def _openwebui_id(c: Change) -> str:
    return f"openwebui id {c.openwebui_id}"


def _sets_login(c: Change) -> bool:
    return bool((c.after or {}).get("login"))


OPERATIONS: Mapping[str, Operation] = {
    "create_user": Operation(
        _create_user,
        lambda c: (
            f"{(c.after or {}).get('email')} (role {(c.after or {}).get('role')}, "
            f"name {(c.after or {}).get('name')!r})"
        ),
        link_before=True,
        password=lambda c: True,
        links=True,
    ),
    "link_user": Operation(
        None,
        lambda c: f"existing Open WebUI account {(c.after or {}).get('email')}",
        link_before=True,
        links=True,
    ),
    "update_user": Operation(
        _update_user,
        _fields,
        password=_sets_login,
        after=lambda c: ("mark_active", _key(c)) if (c.after or {}).get("active") is True else None,
    ),
    "set_password": Operation(
        lambda t, cur, c: t.writer.set_password(cur, c.openwebui_id, t.hashes[c.entity_id]),
        _openwebui_id,
        password=lambda c: True,
        after=lambda c: ("mark_password_set", _key(c)),
    ),
    "deactivate_user": Operation(
        lambda t, cur, c: t.writer.deactivate_user(cur, c.openwebui_id, t.bridge_group_ids),
        _removed,
        after=lambda c: ("mark_deactivated", _key(c)),
    ),
    "delete_user": Operation(
        lambda t, cur, c: t.writer.delete_user(cur, c.openwebui_id, t.all_group_ids),
        _removed,
        after=lambda c: ("delete_link", _key(c)),
        links=True,
    ),
    "unlink": Operation(
        None,
        _openwebui_id,
        after=lambda c: (
            ("delete_model_row", {"openwebui_id": c.openwebui_id})
            if c.entity_type == "model"
            else ("delete_link", _key(c))
        ),
        links=True,
    ),
    "create_group": Operation(
        _create_group,
        lambda c: _people(c, "members", repr((c.after or {}).get("name"))),
        link_before=True,
        members=True,
    ),
    "update_group": Operation(_update_group, _fields),
    "set_members": Operation(
        lambda t, cur, c: t.writer.change_members(cur, c.openwebui_id, t.adding(c), c.remove),
        lambda c: _people(c, "members"),
        members=True,
    ),
    "delete_group": Operation(
        lambda t, cur, c: t.writer.delete_group(cur, c.openwebui_id),
        lambda c: repr((c.before or {}).get("name")),
        after=lambda c: ("delete_link", _key(c)),
    ),
    "create_model": Operation(
        _create_model,
        lambda c: _people(c, "readers", _row(c)),
        model_row_before=True,
        members=True,
    ),
    "link_model": Operation(
        None,
        lambda c: f"{_row(c)} carries the bridge's mark: bookkeeping restored",
        model_row_before=True,
    ),
    "update_model": Operation(
        lambda t, cur, c: t.models.set_owner(cur, c.openwebui_id, (c.after or {})["owner"]),
        lambda c: (
            f"{_row(c)} owner {(c.before or {}).get('owner')} -> {(c.after or {}).get('owner')}"
        ),
    ),
    "set_model_access": Operation(
        lambda t, cur, c: t.models.set_readers(cur, c.openwebui_id, t.adding(c), c.remove),
        lambda c: _people(c, "readers"),
        members=True,
    ),
    "delete_model": Operation(
        lambda t, cur, c: t.models.delete(cur, c.openwebui_id),
        lambda c: f"{_row(c)} ({(c.before or {}).get('reason')})",
        after=lambda c: ("delete_model_row", {"openwebui_id": c.openwebui_id}),
    ),
}


def describe(change: Change) -> str:
    return OPERATIONS[change.operation].describe(change)
