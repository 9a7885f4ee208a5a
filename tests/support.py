"""Test helpers: connections to the scratch databases and plain-SQL views of Open WebUI.

These queries are written independently of the bridge's own readers, so a test does not
check the bridge against itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row


@dataclass
class Databases:
    """``litellm_url``/``openwebui_url`` log in as the bridge's least-privilege roles (what
    the bridge is given); :meth:`litellm` and :meth:`openwebui` connect as the admin (what
    LiteLLM, Open WebUI and the tests' own checks use)."""

    version: str
    litellm_url: str
    openwebui_url: str
    admin_litellm_url: str = ""
    admin_openwebui_url: str = ""
    _conns: list[psycopg.Connection[Any]] = field(default_factory=list)

    def _open(self, url: str) -> psycopg.Connection[Any]:
        conn = psycopg.connect(url, autocommit=True, row_factory=dict_row)
        self._conns.append(conn)
        return conn

    def litellm(self) -> psycopg.Connection[Any]:
        return self._open(self.admin_litellm_url or self.litellm_url)

    def openwebui(self) -> psycopg.Connection[Any]:
        return self._open(self.admin_openwebui_url or self.openwebui_url)

    def bridge_litellm(self) -> psycopg.Connection[Any]:
        """LiteLLM's database as the bridge's role (to install triggers as it would)."""
        return self._open(self.litellm_url)

    def close(self) -> None:
        for conn in self._conns:
            conn.close()

    # --- Open WebUI as Open WebUI sees it -------------------------------------------------
    def owui_users(self) -> dict[str, dict[str, Any]]:
        """{lower(email): user row + auth columns} for every Open WebUI user."""
        with self.openwebui() as conn:
            rows = conn.execute(
                "SELECT u.id, u.email, u.name, u.role, a.email AS auth_email, a.active, "
                "a.password, u.created_at, u.updated_at, u.last_active_at "
                'FROM "user" u LEFT JOIN auth a ON a.id = u.id'
            ).fetchall()
        return {r["email"].lower(): r for r in rows}

    def owui_groups(self) -> dict[str, dict[str, Any]]:
        """{group name: row + 'members' (set of member emails)}."""
        with self.openwebui() as conn:
            groups = conn.execute('SELECT * FROM "group"').fetchall()
            emails = {r["id"]: r["email"] for r in conn.execute('SELECT id, email FROM "user"')}
            if self.version == "0.6.30":
                members = {g["id"]: set(g["user_ids"] or []) for g in groups}
            else:
                members = {}
                for r in conn.execute("SELECT group_id, user_id FROM group_member"):
                    members.setdefault(r["group_id"], set()).add(r["user_id"])
        found = {}
        for g in groups:
            ids = members.get(g["id"], set())
            found[g["name"]] = g | {"members": {emails.get(i, f"<missing {i}>") for i in ids}}
        return found

    def owui_counts(self) -> dict[str, int]:
        with self.openwebui() as conn:
            stats = conn.execute(
                "SELECT COALESCE(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) AS writes "
                "FROM pg_stat_user_tables"
            ).fetchone()
        return {"writes": int(stats["writes"])}

    def owui_models(self) -> dict[str, dict[str, Any]]:
        """{model id: row + 'readers' (emails of users with a read grant) + parsed meta}."""
        with self.openwebui() as conn:
            rows = conn.execute("SELECT * FROM model").fetchall()
            emails = {r["id"]: r["email"] for r in conn.execute('SELECT id, email FROM "user"')}
            readers: dict[str, set[str]] = {}
            if self.version == "0.6.30":
                for r in rows:
                    acl = r["access_control"]
                    acl = json.loads(acl) if isinstance(acl, str) else acl
                    ids = ((acl or {}).get("read") or {}).get("user_ids") or []
                    readers[r["id"]] = set(ids)
            else:
                for g in conn.execute(
                    "SELECT resource_id, principal_id FROM access_grant WHERE resource_type = "
                    "'model' AND principal_type = 'user' AND permission = 'read'"
                ):
                    readers.setdefault(g["resource_id"], set()).add(g["principal_id"])
        return {
            r["id"]: r
            | {
                "meta": json.loads(r["meta"]),
                "params": json.loads(r["params"]),
                "readers": {emails.get(i, i) for i in readers.get(r["id"], set())},
            }
            for r in rows
        }

    def audit(self) -> list[dict[str, Any]]:
        with self.litellm() as conn:
            return conn.execute("SELECT * FROM litellm_bridge.sync_audit ORDER BY id").fetchall()


def owui_add_user(
    conn: psycopg.Connection[Any],
    user_id: str,
    email: str,
    name: str,
    role: str = "user",
    password: str = "$2b$12$existingexistingexistingexistingexistingexistingexi",
    version: str = "0.12.4",
) -> None:
    """An account made in Open WebUI itself (sign-up), before the bridge existed."""
    conn.execute(
        'INSERT INTO "user" (id, name, email, role, profile_image_url, last_active_at, '
        "created_at, updated_at, settings) VALUES (%s, %s, %s, %s, '/user.png', 1, 1, 1, %s)",
        (user_id, name, email, role, json.dumps({"ui": {"theme": "dark"}})),
    )
    conn.execute(
        "INSERT INTO auth (id, email, password, active) VALUES (%s, %s, %s, true)",
        (user_id, email, password),
    )


def owui_mark_sso(conn: psycopg.Connection[Any], user_id: str, sub: str = "sub-1") -> None:
    """Record that the account signed in through SSO, as Open WebUI does (``user.oauth`` JSON
    since 0.6.41, ``user.oauth_sub`` before)."""
    newer = conn.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = 'user' AND column_name = 'oauth'"
    ).fetchone()
    if newer:
        conn.execute(
            'UPDATE "user" SET oauth = %s::json WHERE id = %s',
            (json.dumps({"oidc": {"sub": sub}}), user_id),
        )
    else:
        conn.execute('UPDATE "user" SET oauth_sub = %s WHERE id = %s', (f"oidc@{sub}", user_id))


def owui_save_setting(conn: psycopg.Connection[Any], key: str, value: Any) -> None:
    """Save an Open WebUI setting (``key`` dotted, as ``ui.default_user_role``) as Open WebUI
    does: a ``config`` row (0.12.4 writes every default there at its first start) or a path in
    its one JSON document (0.6.30, once an admin saves the setting). ``None`` removes it."""
    rows = conn.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = 'config' AND column_name = 'key'"
    ).fetchone()
    if rows:
        conn.execute("DELETE FROM config WHERE key = %s", (key,))
        if value is not None:
            conn.execute(
                "INSERT INTO config (key, value, updated_at) VALUES (%s, %s::json, 1)",
                (key, json.dumps(value)),
            )
        return
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute("SELECT id, data::text AS data FROM config ORDER BY id DESC LIMIT 1")
        latest = row.fetchone()
    data = json.loads(latest["data"]) if latest else {"version": 0, "ui": {}}
    *path, name = key.split(".")
    section = data
    for part in path:
        section = section.setdefault(part, {})
    section.pop(name, None)
    if value is not None:
        section[name] = value
    if latest:
        conn.execute(
            "UPDATE config SET data = %s::json WHERE id = %s", (json.dumps(data), latest["id"])
        )
    else:
        conn.execute("INSERT INTO config (data, version) VALUES (%s::json, 0)", (json.dumps(data),))


def owui_save_signup_role(conn: psycopg.Connection[Any], role: str | None) -> None:
    """Open WebUI's default role for new sign-ups (its DEFAULT_USER_ROLE), saved."""
    owui_save_setting(conn, "ui.default_user_role", role)
