"""The trigger outbox on LiteLLM's real tables: what enqueues, what does not, clean removal."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from psycopg import sql

from devtools import litellm_seed as seed
from litellm_bridge_plugin.capture import triggers
from litellm_bridge_plugin.engine import bridge_db
from tests.fixtures.roles import drop_role, plain_role
from tests.fixtures.support import Databases

only_newest = pytest.mark.parametrize("databases", ["0.12.4"], indirect=True)


def _install(databases: Databases) -> psycopg.Connection[Any]:
    bridge = databases.bridge_litellm()
    bridge_db.ensure_schema(bridge)
    triggers.install(bridge)
    return databases.litellm()  # LiteLLM's own role changes its tables


def _outbox(conn: psycopg.Connection[Any]) -> list[tuple[str, str]]:
    rows = conn.execute(
        "SELECT entity_type, entity_id FROM litellm_bridge.outbox ORDER BY id"
    ).fetchall()
    conn.execute("DELETE FROM litellm_bridge.outbox")
    return [(r["entity_type"], r["entity_id"]) for r in rows]


def _catalog(conn: psycopg.Connection[Any]) -> dict[str, list[str]]:
    return {
        "triggers": [
            r["tgname"]
            for r in conn.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1")
        ],
        "functions": [
            r["proname"]
            for r in conn.execute(
                "SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE nspname = 'litellm_bridge' ORDER BY 1"
            )
        ],
        "tables": [
            r["relname"]
            for r in conn.execute(
                "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE nspname = 'litellm_bridge' ORDER BY 1"
            )
        ],
        "extensions": [r["extname"] for r in conn.execute("SELECT extname FROM pg_extension")],
    }


@only_newest
def test_install_is_idempotent_and_uninstall_leaves_no_trace(databases: Databases) -> None:
    conn = databases.litellm()
    bridge = databases.bridge_litellm()
    bridge_db.ensure_schema(bridge)
    before = _catalog(conn)
    triggers.install(bridge)
    triggers.install(bridge)
    installed = triggers.installed(conn)
    assert len(installed) == 2 * len(triggers.CAPTURED_TABLES)
    assert all(t["enabled"] for t in installed)
    assert _catalog(conn)["extensions"] == before["extensions"] == ["plpgsql"]
    assert triggers.uninstall(bridge) == 2 * len(triggers.CAPTURED_TABLES)
    assert _catalog(conn) == before
    assert triggers.uninstall(bridge) == 0


@only_newest
def test_each_captured_table_enqueues_references(databases: Databases) -> None:
    conn = _install(databases)
    seed.add_organization(conn, "o1", "Org")
    assert _outbox(conn) == [("organization", "o1")]
    seed.add_team(conn, "t1", "Team", "o1")
    assert _outbox(conn) == [("team", "t1")]
    seed.add_user(conn, "u1", "u1@x.com", organization_id="o1")
    assert _outbox(conn) == [("user", "u1")]
    seed.add_team_member(conn, "u1", "t1")
    assert set(_outbox(conn)) == {("team", "t1"), ("user", "u1")}
    seed.add_organization_member(conn, "u1", "o1")
    assert set(_outbox(conn)) == {("organization", "o1"), ("user", "u1")}
    conn.execute(
        'INSERT INTO "LiteLLM_VerificationToken" (token, user_id, team_id, models) '
        "VALUES ('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', "
        "'u1', 't1', '{gpt-4}')"
    )
    refs = _outbox(conn)
    assert set(refs) == {("user", "u1"), ("team", "t1")}
    conn.execute("UPDATE \"LiteLLM_UserTable\" SET user_alias = 'New' WHERE user_id = 'u1'")
    assert _outbox(conn) == [("user", "u1")]
    conn.execute('UPDATE "LiteLLM_VerificationToken" SET user_id = NULL, blocked = true')
    assert set(_outbox(conn)) == {("user", "u1"), ("team", "t1")}
    seed.delete_user(conn, "u1")
    assert set(_outbox(conn)) == {("user", "u1"), ("organization", "o1"), ("team", "t1")}
    with conn.cursor() as cur:
        outbox_text = cur.execute(
            "SELECT count(*) AS n FROM litellm_bridge.outbox WHERE entity_id LIKE '9f86%'"
        ).fetchone()
    assert outbox_text == {"n": 0}


@only_newest
def test_usage_only_updates_enqueue_nothing(databases: Databases) -> None:
    conn = _install(databases)
    seed.seed_company(conn)
    conn.execute(
        'INSERT INTO "LiteLLM_VerificationToken" (token, user_id, team_id, models) '
        "VALUES ('hash-of-alices-key', 'alice', 'team-ai-research', '{}')"
    )
    _outbox(conn)
    statements = [
        'UPDATE "LiteLLM_UserTable" SET spend = spend + 0.01, updated_at = now(), '
        "model_spend = '{\"gpt-4\": 0.01}'",
        'UPDATE "LiteLLM_VerificationToken" SET spend = spend + 0.01, last_active = now(), '
        "updated_at = now(), model_spend = '{\"gpt-4\": 0.01}'",
        'UPDATE "LiteLLM_TeamTable" SET spend = spend + 1, budget_reset_at = now()',
        'UPDATE "LiteLLM_OrganizationTable" SET spend = spend + 1, updated_at = now()',
        'UPDATE "LiteLLM_TeamMembership" SET spend = spend + 1, total_spend = total_spend + 1',
        'UPDATE "LiteLLM_OrganizationMembership" SET spend = spend + 1, updated_at = now()',
        # a real column written with its current value is no change either
        'UPDATE "LiteLLM_UserTable" SET user_alias = user_alias, models = models',
    ]
    for statement in statements:
        conn.execute(statement.encode())
    assert _outbox(conn) == []


@only_newest
def test_install_is_all_or_nothing(databases: Databases) -> None:
    conn = databases.litellm()
    bridge = databases.bridge_litellm()
    bridge_db.ensure_schema(bridge)
    before = _catalog(conn)
    conn.execute('ALTER TABLE "LiteLLM_TeamMembership" RENAME TO "LiteLLM_TeamMembership_x"')
    with pytest.raises(psycopg.Error):
        triggers.install(bridge)
    assert _catalog(conn) == before


@only_newest
def test_only_triggers_and_the_bridge_run_its_functions(databases: Databases) -> None:
    """The functions run with the bridge's rights, so PUBLIC may not call them. A trigger fires
    its function whatever EXECUTE says: a plain role writing LiteLLM's tables, as LiteLLM's
    own does, still enqueues."""
    bridge = databases.bridge_litellm()
    bridge_db.ensure_schema(bridge)
    triggers.install(bridge)
    # an install from before the revoke left EXECUTE to PUBLIC, which CREATE OR REPLACE keeps
    bridge.execute(
        "GRANT EXECUTE ON FUNCTION litellm_bridge.enqueue(text, text, text), "
        "litellm_bridge.capture_change() TO PUBLIC"
    )
    triggers.install(bridge)
    admin = databases.litellm()
    role = f"litellm_app_{uuid.uuid4().hex[:8]}"
    app_url = plain_role(databases.admin_litellm_url, role)
    try:
        admin.execute(
            sql.SQL(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}"
            ).format(sql.Identifier(role))
        )
        # even a role that may see the bridge's schema (a reader of its views) may not call
        bridge.execute(
            sql.SQL("GRANT USAGE ON SCHEMA litellm_bridge TO {}").format(sql.Identifier(role))
        )
        with psycopg.connect(app_url, autocommit=True) as app:
            seed.add_user(app, "zoe", "zoe@x.test")
            app.execute("UPDATE \"LiteLLM_UserTable\" SET user_alias = 'Zoe' WHERE user_id = 'zoe'")
            assert _outbox(admin) == [("user", "zoe"), ("user", "zoe")]
            for call in (
                "SELECT litellm_bridge.enqueue('user', 'mallory', NULL)",
                "SELECT litellm_bridge.capture_change()",
            ):
                with pytest.raises(
                    psycopg.errors.InsufficientPrivilege, match="permission denied for function"
                ):
                    app.execute(call)
        assert _outbox(admin) == []
        # functions the bridge's role makes later start without it too (`litellm-bridge grants`)
        bridge.execute(
            "CREATE FUNCTION litellm_bridge.later() RETURNS int LANGUAGE sql AS 'SELECT 1'"
        )
        executable = admin.execute(
            "SELECT p.proname, p.prosecdef, has_function_privilege('public', p.oid, 'EXECUTE') "
            "AS by_public FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'litellm_bridge' ORDER BY 1"
        ).fetchall()
        assert [(r["proname"], r["prosecdef"], r["by_public"]) for r in executable] == [
            ("capture_change", True, False),
            ("enqueue", True, False),
            ("later", False, False),
        ]
    finally:
        drop_role(databases.admin_litellm_url, role)
