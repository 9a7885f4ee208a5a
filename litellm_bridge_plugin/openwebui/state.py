"""Read the users and groups an Open WebUI database has now."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any

import psycopg

from litellm_bridge_plugin.domain import OpenWebUIGroup, OpenWebUIState, OpenWebUIUser
from litellm_bridge_plugin.openwebui.config import signup_role
from litellm_bridge_plugin.openwebui.schema import OpenWebUISchema
from litellm_bridge_plugin.queries import dialect_of, fetch


def parse_user_ids(raw: str | None) -> frozenset[str]:
    """Members from the older ``group.user_ids`` JSON; junk yields no members."""
    if not raw:
        return frozenset()
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return frozenset()
    if not isinstance(value, list):
        return frozenset()
    return frozenset(v for v in value if isinstance(v, str))


def _rows(
    conn: psycopg.Connection[Any], name: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    return fetch(conn, "openwebui.sql", name, params)


def _users(
    user_rows: list[dict[str, Any]], key_owners: set[str], sso: set[str]
) -> dict[str, OpenWebUIUser]:
    return {
        row["id"]: OpenWebUIUser(
            id=row["id"],
            email=row["email"],
            name=row["name"],
            role=row["role"],
            created_at=row["created_at"],
            has_auth=bool(row["has_auth"]),
            active=None if row["active"] is None else bool(row["active"]),  # SQLite: 0/1
            auth_email=row["auth_email"],
            has_api_key=row["id"] in key_owners,
            sso=row["id"] in sso,
        )
        for row in user_rows
    }


_NONE: frozenset[str] = frozenset()


def _groups(
    group_rows: list[dict[str, Any]],
    members: dict[str, set[str]],
    among: set[str] | None = None,
) -> dict[str, OpenWebUIGroup]:
    """Groups with their members (only those in ``among``, with the count of all, when
    given)."""
    groups = {}
    for row in group_rows:
        found = members.get(row["id"])
        ids = _NONE if not found else frozenset(found if among is None else found & among)
        groups[row["id"]] = OpenWebUIGroup(
            id=row["id"],
            name=row["name"],
            description=row["description"],
            owner_id=row["user_id"],
            member_ids=ids,
            member_total=None if among is None else len(found or ()),
        )
    return groups


def _json_members(conn: psycopg.Connection[Any]) -> dict[str, set[str]]:
    members: dict[str, set[str]] = defaultdict(set)
    for row in _rows(conn, "group_user_ids"):
        members[row["group_id"]].update(parse_user_ids(row["user_ids"]))
    return members


def _id_set(
    conn: psycopg.Connection[Any], name: str, column: str, ids: list[str] | None
) -> set[str]:
    """``column`` of query ``name``'s rows: all, or among ``ids`` (its ``_scoped`` form)."""
    if ids is None:
        return {r[column] for r in _rows(conn, name)}
    return {r[column] for r in _rows(conn, name + "_scoped", {"ids": ids})}


def _key_owners(
    conn: psycopg.Connection[Any], schema: OpenWebUISchema, ids: list[str] | None
) -> set[str]:
    """Users holding an Open WebUI API key: all of them, or among ``ids``."""
    if schema.api_keys == "table":
        return _id_set(conn, "api_key_owners_table", "user_id", ids)
    if schema.api_keys == "column":
        return _id_set(conn, "api_key_owners_column", "id", ids)
    return set()


def _sso_accounts(
    conn: psycopg.Connection[Any], schema: OpenWebUISchema, ids: list[str] | None
) -> set[str]:
    """Users who signed in through SSO: all of them, or among ``ids``."""
    if schema.sso == "none":
        return set()
    return _id_set(conn, f"sso_users_{schema.sso}", "id", ids)


def _members(
    conn: psycopg.Connection[Any], schema: OpenWebUISchema, group_ids: list[str] | None
) -> dict[str, set[str]]:
    """Members of every group, or of ``group_ids`` (the JSON layout always reads all)."""
    if schema.membership != "group_member":
        return _json_members(conn)
    members: dict[str, set[str]] = defaultdict(set)
    rows = (
        _rows(conn, "group_members_table")
        if group_ids is None
        else _rows(conn, "group_members_table_scoped", {"group_ids": group_ids})
    )
    for row in rows:
        members[row["group_id"]].add(row["user_id"])
    return members


def _snapshot(conn: psycopg.Connection[Any]) -> None:
    """One consistent view for the reads of this transaction (a SQLite transaction is one
    already)."""
    if dialect_of(conn) == "postgresql":
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


def read_state(conn: psycopg.Connection[Any], schema: OpenWebUISchema) -> OpenWebUIState:
    """Read users, logins, API-key owners, groups, members and the sign-up role in one
    snapshot."""
    with conn.transaction():
        _snapshot(conn)
        user_rows = _rows(conn, "users")
        key_owners = _key_owners(conn, schema, None)
        sso = _sso_accounts(conn, schema, None)
        group_rows = _rows(conn, "groups")
        members = _members(conn, schema, None)
        signup = signup_role(conn, schema)
    return OpenWebUIState(
        users=_users(user_rows, key_owners, sso),
        groups=_groups(group_rows, members),
        signup_role=signup,
    )


def asked_for(
    accounts: Iterable[tuple[str, str | None]], ids: Collection[str], emails: Collection[str]
) -> set[str]:
    """The ids of ``accounts`` (id, email) asked for by id or email (not read only as an
    admin or the oldest account)."""
    return {i for i, email in accounts if i in ids or (email or "").lower() in emails}


def groups_of_members(
    conn: psycopg.Connection[Any], schema: OpenWebUISchema, user_ids: set[str]
) -> set[str]:
    """Ids of the groups any of the given users is a member of now."""
    if not user_ids:
        return set()
    if schema.membership == "group_member":
        rows = _rows(conn, "groups_of_members_table", {"ids": sorted(user_ids)})
        return {r["group_id"] for r in rows}
    return {g for g, members in _json_members(conn).items() if members & user_ids}


def read_scope(
    conn: psycopg.Connection[Any],
    schema: OpenWebUISchema,
    user_ids: set[str],
    emails: set[str],
    group_ids: set[str],
    *,
    members_read_only: bool = False,
) -> OpenWebUIState:
    """Users by id or email (plus every admin and the oldest user), every group row, and the
    members of the given groups: what a reconcile of a few entities needs.
    ``members_read_only``: of those members, only the accounts asked for by id or email
    (with each group's count): a reconcile of a few people changes only their memberships."""
    with conn.transaction():
        _snapshot(conn)
        user_rows = _rows(conn, "users_scoped", {"ids": sorted(user_ids), "emails": sorted(emails)})
        found = sorted(r["id"] for r in user_rows)
        key_owners = _key_owners(conn, schema, found)
        sso = _sso_accounts(conn, schema, found)
        group_rows = _rows(conn, "groups")
        members = _members(conn, schema, sorted(group_ids))
        signup = signup_role(conn, schema)
    return OpenWebUIState(
        users=_users(user_rows, key_owners, sso),
        groups=_groups(
            group_rows,
            members,
            asked_for(((r["id"], r["email"]) for r in user_rows), user_ids, emails),
        )
        if members_read_only
        else _groups(group_rows, members),
        signup_role=signup,
    )


def pending_ids(conn: psycopg.Connection[Any], limit: int) -> list[str]:
    """The accounts waiting for an admin's approval, the newest first (at most ``limit``)."""
    return [r["id"] for r in _rows(conn, "pending_account_ids", {"limit": limit})]


def accounts(
    conn: psycopg.Connection[Any], schema: OpenWebUISchema, since: int | None, ids: set[str]
) -> dict[str, OpenWebUIUser]:
    """Enrolment's read: the accounts made, changed or used since ``since`` (epoch seconds;
    None: none that way) and those in ``ids``, with their SSO marks."""
    with conn.transaction():
        rows = _rows(conn, "accounts_changed_since", {"since": since}) if since is not None else []
        known = {r["id"] for r in rows}
        wanted = sorted(ids - known)
        if wanted:
            rows += _rows(conn, "accounts_by_id", {"ids": wanted})
        sso = _sso_accounts(conn, schema, sorted(r["id"] for r in rows)) if rows else set()
    return _users(rows, set(), sso)
