"""Writes to Open WebUI's tables, one adapter per schema generation.

The adapters differ where Open WebUI's layouts differ: group membership (``group.user_ids``
JSON up to 0.6.36, the ``group_member`` table since 0.6.37), API keys (``user.api_key`` column,
then the ``api_key`` table since 0.6.41), session revocation (``auth.session_stamp``, 0.12+)
and access grants (0.8+). Every method takes an open cursor inside the caller's transaction.
"""

from __future__ import annotations

import json
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from typing import Any

import psycopg

from litellm_bridge_plugin.openwebui.schema import OpenWebUISchema
from litellm_bridge_plugin.queries import query

Cursor = psycopg.Cursor[Any]


def _q(name: str) -> Any:
    return query("openwebui.sql", name)


def now() -> int:
    """Open WebUI stores epoch seconds."""
    return int(time.time())


class OpenWebUIWriter(ABC):
    """Writes shared by every generation; subclasses store group members."""

    def __init__(self, schema: OpenWebUISchema) -> None:
        self.schema = schema

    def create_user(
        self, cur: Cursor, openwebui_id: str, email: str, name: str, role: str, password_hash: str
    ) -> None:
        cur.execute(
            _q("insert_user"),
            {"id": openwebui_id, "name": name, "email": email, "role": role, "now": now()},
        )
        self.create_login(cur, openwebui_id, email, password_hash)

    def create_users(self, cur: Cursor, users: Sequence[tuple[str, str, str, str, str]]) -> None:
        """:meth:`create_user` for many (id, email, name, role, password hash) at once: two
        pipelined statements instead of two round trips per person."""
        stamp = now()
        cur.executemany(
            _q("insert_user"),
            [
                {"id": i, "name": name, "email": email, "role": role, "now": stamp}
                for i, email, name, role, _ in users
            ],
        )
        logins = [{"id": i, "email": email, "password": hashed} for i, email, _, _, hashed in users]
        if self.schema.session_stamp:
            cur.executemany(
                _q("insert_auth_stamped"), [p | {"stamp": str(uuid.uuid4())} for p in logins]
            )
        else:
            cur.executemany(_q("insert_auth"), logins)

    def create_login(self, cur: Cursor, openwebui_id: str, email: str, password_hash: str) -> None:
        params = {"id": openwebui_id, "email": email, "password": password_hash}
        if self.schema.session_stamp:
            cur.execute(_q("insert_auth_stamped"), params | {"stamp": str(uuid.uuid4())})
        else:
            cur.execute(_q("insert_auth"), params)

    def set_password(self, cur: Cursor, openwebui_id: str, password_hash: str) -> None:
        cur.execute(_q("set_password"), {"id": openwebui_id, "password": password_hash})

    def update_user(
        self,
        cur: Cursor,
        openwebui_id: str,
        *,
        name: str | None = None,
        email: str | None = None,
        role: str | None = None,
        active: bool | None = None,
    ) -> None:
        if name is not None or email is not None or role is not None:
            cur.execute(
                _q("update_user"),
                {"id": openwebui_id, "name": name, "email": email, "role": role, "now": now()},
            )
        if email is not None:
            cur.execute(_q("update_auth_email"), {"id": openwebui_id, "email": email})
        if active is not None:
            cur.execute(_q("set_auth_active"), {"id": openwebui_id, "active": active})

    def deactivate_user(
        self, cur: Cursor, openwebui_id: str, bridge_groups: Collection[str]
    ) -> None:
        """Refuse login at once, end sessions, drop API keys and bridge-group memberships.

        Chats, settings and the rows themselves stay.
        """
        cur.execute(_q("set_auth_active"), {"id": openwebui_id, "active": False})
        if self.schema.session_stamp:
            cur.execute(_q("revoke_sessions"), {"id": openwebui_id, "stamp": str(uuid.uuid4())})
        else:
            # Before 0.12 a signed-in token stays valid whatever auth.active says, but the role
            # is read on every request: "pending" refuses the user at once. A returning user
            # gets the mapped role back.
            self.update_user(cur, openwebui_id, role="pending")
        self.delete_api_keys(cur, openwebui_id)
        self.remove_user_from_groups(cur, openwebui_id, bridge_groups)

    def delete_user(self, cur: Cursor, openwebui_id: str, all_groups: Collection[str]) -> None:
        """Remove the user, login, API keys and memberships the bridge created."""
        self.delete_api_keys(cur, openwebui_id)
        self.remove_user_from_groups(cur, openwebui_id, all_groups)
        cur.execute(_q("delete_auth"), {"id": openwebui_id})
        cur.execute(_q("delete_user"), {"id": openwebui_id})

    def delete_api_keys(self, cur: Cursor, openwebui_id: str) -> None:
        if self.schema.api_keys == "table":
            cur.execute(_q("delete_api_keys_table"), {"id": openwebui_id})
        elif self.schema.api_keys == "column":
            cur.execute(_q("clear_api_key_column"), {"id": openwebui_id})

    def create_group(
        self,
        cur: Cursor,
        openwebui_id: str,
        owner: str,
        name: str,
        description: str,
        marker: dict[str, str],
    ) -> None:
        cur.execute(
            _q(self.insert_group_query),
            {
                "id": openwebui_id,
                "owner": owner,
                "name": name,
                "description": description,
                "meta": json.dumps({"litellm_bridge": marker}),
                "now": now(),
            },
        )

    def update_group(
        self,
        cur: Cursor,
        openwebui_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        owner: str | None = None,
    ) -> None:
        cur.execute(
            _q("update_group"),
            {
                "id": openwebui_id,
                "name": name,
                "description": description,
                "owner": owner,
                "now": now(),
            },
        )

    def delete_group(self, cur: Cursor, openwebui_id: str) -> None:
        if self.schema.access_grant:
            cur.execute(_q("delete_group_grants"), {"id": openwebui_id})
        self.clear_members(cur, openwebui_id)
        cur.execute(_q("delete_group"), {"id": openwebui_id})

    insert_group_query = ""
    """Named query that inserts a group row in this generation's layout."""

    @abstractmethod
    def change_members(
        self, cur: Cursor, group_id: str, add: Collection[str], remove: Collection[str]
    ) -> None:
        """Add and remove members of one group."""

    @abstractmethod
    def remove_user_from_groups(
        self, cur: Cursor, user_id: str, group_ids: Collection[str]
    ) -> None:
        """Take one user out of the given groups."""

    @abstractmethod
    def clear_members(self, cur: Cursor, group_id: str) -> None:
        """Remove every member of a group that is about to be deleted."""


class GroupMemberTableWriter(OpenWebUIWriter):
    """Open WebUI 0.6.37 and newer: members are rows of ``group_member``."""

    insert_group_query = "insert_group_member_table"

    def change_members(
        self, cur: Cursor, group_id: str, add: Collection[str], remove: Collection[str]
    ) -> None:
        stamp = now()
        if remove:
            cur.execute(
                _q("remove_group_members"), {"group_id": group_id, "user_ids": list(remove)}
            )
        if add:
            cur.executemany(
                _q("add_group_member"),
                [
                    {
                        "id": str(uuid.uuid4()),
                        "group_id": group_id,
                        "user_id": user_id,
                        "now": stamp,
                    }
                    for user_id in sorted(add)
                ],
            )
        cur.execute(_q("touch_group"), {"id": group_id, "now": stamp})

    def remove_user_from_groups(
        self, cur: Cursor, user_id: str, group_ids: Collection[str]
    ) -> None:
        if group_ids:
            cur.execute(
                _q("remove_user_from_groups_table"),
                {"user_id": user_id, "group_ids": list(group_ids)},
            )

    def clear_members(self, cur: Cursor, group_id: str) -> None:
        cur.execute(_q("clear_group_members"), {"group_id": group_id})


class UserIdsWriter(OpenWebUIWriter):
    """Open WebUI 0.6.30 to 0.6.36: members are a JSON array in ``group.user_ids``."""

    insert_group_query = "insert_group_user_ids"

    def change_members(
        self, cur: Cursor, group_id: str, add: Collection[str], remove: Collection[str]
    ) -> None:
        cur.execute(_q("lock_group_user_ids"), {"id": group_id})
        row = cur.fetchone()
        if row is None:
            return
        current = row["user_ids"] if isinstance(row, dict) else row[0]
        self._write_ids(cur, group_id, current, add, remove)

    def _write_ids(
        self,
        cur: Cursor,
        group_id: str,
        raw: str | None,
        add: Collection[str],
        remove: Collection[str],
    ) -> None:
        members = [m for m in self._ordered(raw) if m not in remove]
        members += sorted(set(add) - set(members))
        cur.execute(
            _q("set_group_user_ids"),
            {"id": group_id, "user_ids": json.dumps(members), "now": now()},
        )

    @staticmethod
    def _ordered(raw: str | None) -> list[str]:
        """Open WebUI's order kept; junk entries and duplicates dropped."""
        try:
            listed = json.loads(raw) if raw else []
        except json.JSONDecodeError:
            listed = []
        if not isinstance(listed, list):
            return []
        return list(dict.fromkeys(m for m in listed if isinstance(m, str)))

    def remove_user_from_groups(
        self, cur: Cursor, user_id: str, group_ids: Collection[str]
    ) -> None:
        pattern = (
            '%"' + user_id.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + '"%'
        )
        cur.execute(_q("groups_listing_user"), {"pattern": pattern})
        for row in cur.fetchall():
            group_id = row["id"] if isinstance(row, dict) else row[0]
            raw = row["user_ids"] if isinstance(row, dict) else row[1]
            if group_id in group_ids:
                self._write_ids(cur, group_id, raw, (), {user_id})

    def clear_members(self, cur: Cursor, group_id: str) -> None:
        """Members live in the group row itself, which is being deleted."""


def writer_for(schema: OpenWebUISchema) -> OpenWebUIWriter:
    """The adapter for the detected generation."""
    if schema.membership == "group_member":
        return GroupMemberTableWriter(schema)
    return UserIdsWriter(schema)
