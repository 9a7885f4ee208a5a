"""The cases that broke earlier approaches, on real Open WebUI schemas (0.6.30 and 0.12.4)."""

from __future__ import annotations

import json

import bcrypt
import pytest

from devtools import litellm_seed as seed
from litellm_bridge_plugin.domain import Scope
from litellm_bridge_plugin.engine.sync import reconcile
from litellm_bridge_plugin.settings import Settings, load_settings
from tests.fixtures.databases import on_both
from tests.fixtures.support import (
    Databases,
    owui_add_user,
    owui_json,
    owui_json_cast,
    owui_mark_sso,
    owui_refuse_inserts,
)


@pytest.fixture
def databases(request: pytest.FixtureRequest, every_generation: Databases) -> Databases:
    """Every test here runs on each Open WebUI schema generation, on PostgreSQL and on SQLite
    (Open WebUI's default)."""
    return on_both(request, every_generation)


def _audit_ops(databases: Databases) -> list[tuple[str, str, str]]:
    return [(r["operation"], r["entity_id"], r["result"]) for r in databases.audit()]


def test_viewer_admin_is_not_an_open_webui_admin(databases: Databases, settings: Settings) -> None:
    conn = databases.litellm()
    seed.add_user(conn, "viewer", "viewer@x.com", role="proxy_admin_viewer")
    seed.add_user(conn, "admin", "admin@x.com", role="proxy_admin")
    seed.add_user(conn, "iuv", "iuv@x.com", role="internal_user_viewer")
    assert reconcile(settings).ok
    roles = {e: u["role"] for e, u in databases.owui_users().items()}
    assert roles == {"viewer@x.com": "user", "admin@x.com": "admin", "iuv@x.com": "user"}


def test_mixed_case_email_is_stored_lowercase(databases: Databases, settings: Settings) -> None:
    seed.add_user(databases.litellm(), "m", "  Mixed.Case@Example.COM ")
    assert reconcile(settings).ok
    user = databases.owui_users()["mixed.case@example.com"]
    assert user["email"] == user["auth_email"] == "mixed.case@example.com"


def test_user_without_email_is_skipped_and_audited_once(
    databases: Databases, settings: Settings
) -> None:
    conn = databases.litellm()
    seed.add_user(conn, "nomail", None)
    seed.add_user(conn, "bad", "not an email")
    seed.add_user(conn, "ok", "ok@x.com")
    first = reconcile(settings)
    second = reconcile(settings)
    assert first.ok and second.ok
    assert set(databases.owui_users()) == {"ok@x.com"}
    with databases.openwebui() as owui:
        assert (
            owui.execute(
                "SELECT count(*) AS n FROM \"user\" WHERE email IS NULL OR email = ''"
            ).fetchone()["n"]
            == 0
        )
    skips = [r for r in databases.audit() if r["result"] == "SKIPPED"]
    assert sorted(r["entity_id"] for r in skips) == ["bad", "nomail"]
    assert "no email" in next(r["error"] for r in skips if r["entity_id"] == "nomail")


def test_user_in_two_teams_is_in_both_groups(databases: Databases, settings: Settings) -> None:
    conn = databases.litellm()
    seed.add_team(conn, "t1", "Team One")
    seed.add_team(conn, "t2", "Team Two")
    seed.add_user(conn, "u", "u@x.com")
    seed.add_team_member(conn, "u", "t1")
    seed.add_team_member(conn, "u", "t2")
    assert reconcile(settings).ok
    groups = databases.owui_groups()
    assert groups["Team One"]["members"] == groups["Team Two"]["members"] == {"u@x.com"}


def test_non_ascii_and_quote_laden_names(databases: Databases, settings: Settings) -> None:
    conn = databases.litellm()
    name = 'Zoë O\'Brien "The Boss" 日本; DROP TABLE "user";--'
    seed.add_user(conn, "z", "zoe@x.com", alias=name)
    seed.add_team(conn, "t", 'Équipe d\'été "R&D" 🚀')
    seed.add_team_member(conn, "z", "t")
    assert reconcile(settings).ok
    assert databases.owui_users()["zoe@x.com"]["name"] == name
    assert databases.owui_groups()['Équipe d\'été "R&D" 🚀']["members"] == {"zoe@x.com"}


def test_existing_open_webui_account_is_linked_not_duplicated(
    databases: Databases, settings: Settings
) -> None:
    """An account that signed in through SSO (its email vouched for) is linked, even pending."""
    owui = databases.openwebui()
    password = bcrypt.hashpw(b"her own password", bcrypt.gensalt(4)).decode()
    owui_add_user(
        owui,
        "pre-existing-id",
        "Alice@TechCompany.com",
        "Alice From OWUI",
        role="pending",
        password=password,
    )
    owui_mark_sso(owui, "pre-existing-id")
    seed.seed_company(databases.litellm())

    assert reconcile(settings).ok

    users = databases.owui_users()
    assert len(users) == 3
    alice = users["alice@techcompany.com"]
    assert alice["id"] == "pre-existing-id"
    assert alice["role"] == "user"
    assert alice["name"] == "Alice From OWUI"
    assert alice["password"] == password
    with databases.openwebui() as conn:
        settings_json = conn.execute(
            "SELECT settings FROM \"user\" WHERE id = 'pre-existing-id'"
        ).fetchone()["settings"]
    settings_value = json.loads(settings_json) if isinstance(settings_json, str) else settings_json
    assert settings_value == {"ui": {"theme": "dark"}}
    # a linked account keeps its own email spelling; membership is by id
    assert databases.owui_groups()["AI Research Team"]["members"] == {"Alice@TechCompany.com"}
    assert ("link_user", "alice", "SUCCESS") in _audit_ops(databases)


def test_renames_converge(databases: Databases, settings: Settings) -> None:
    conn = databases.litellm()
    seed.seed_company(conn)
    assert reconcile(settings).ok
    conn.execute(
        "UPDATE \"LiteLLM_UserTable\" SET user_alias = %s, user_email = %s WHERE user_id = 'bob'",
        ("Robert", "Robert@TechCompany.com"),
    )
    conn.execute(
        'UPDATE "LiteLLM_TeamTable" SET team_alias = %s WHERE team_id = %s',
        ("Product & Design", "team-product"),
    )
    conn.execute(
        'UPDATE "LiteLLM_OrganizationTable" SET organization_alias = %s', ("Tech Company GmbH",)
    )
    assert reconcile(settings).ok
    users = databases.owui_users()
    assert "bob@techcompany.com" not in users
    assert users["robert@techcompany.com"]["name"] == "Robert"
    assert users["robert@techcompany.com"]["auth_email"] == "robert@techcompany.com"
    groups = databases.owui_groups()
    assert set(groups) == {"Tech Company GmbH", "AI Research Team", "Product & Design"}
    assert groups["Product & Design"]["members"] == {"robert@techcompany.com"}


def test_team_move(databases: Databases, settings: Settings) -> None:
    conn = databases.litellm()
    seed.seed_company(conn)
    assert reconcile(settings).ok
    seed.remove_team_member(conn, "bob", "team-product")
    seed.add_team_member(conn, "bob", "team-ai-research")
    assert reconcile(settings).ok
    groups = databases.owui_groups()
    assert groups["AI Research Team"]["members"] == {"alice@techcompany.com", "bob@techcompany.com"}
    assert groups["Product Team"]["members"] == set()


def test_role_change(databases: Databases, settings: Settings) -> None:
    conn = databases.litellm()
    seed.seed_company(conn)
    assert reconcile(settings).ok
    conn.execute("UPDATE \"LiteLLM_UserTable\" SET user_role = 'proxy_admin' WHERE user_id = 'bob'")
    assert reconcile(settings).ok
    assert databases.owui_users()["bob@techcompany.com"]["role"] == "admin"


def _give_api_key(databases: Databases, user_id: str) -> None:
    with databases.openwebui() as conn:
        if databases.api_key_in_user:
            conn.execute("UPDATE \"user\" SET api_key = 'sk-0123' WHERE id = %s", (user_id,))
        else:
            conn.execute(
                "INSERT INTO api_key (id, user_id, key, created_at, updated_at) "
                "VALUES (%s, %s, 'sk-0123', 1, 1)",
                (f"key_{user_id}", user_id),
            )


def _chat(databases: Databases, user_id: str) -> None:
    with databases.openwebui() as conn:
        conn.execute(
            "INSERT INTO chat (id, user_id, title, chat, created_at, updated_at, "
            "archived) VALUES ('chat-1', %s, 'kept', '{}', 1, 1, false)",
            (user_id,),
        )


def test_deleted_user_is_deactivated_and_keeps_chats(
    databases: Databases, settings: Settings
) -> None:
    conn = databases.litellm()
    seed.seed_company(conn)
    assert reconcile(settings).ok
    bob = databases.owui_users()["bob@techcompany.com"]
    _give_api_key(databases, bob["id"])
    _chat(databases, bob["id"])
    with databases.openwebui() as owui:
        stamp_before = (
            owui.execute("SELECT session_stamp FROM auth WHERE id = %s", (bob["id"],)).fetchone()[
                "session_stamp"
            ]
            if databases.session_stamp
            else None
        )

    seed.delete_user(conn, "bob")
    result = reconcile(settings)

    assert result.ok
    bob_after = databases.owui_users()["bob@techcompany.com"]
    assert bob_after["active"] is False
    if not databases.session_stamp:  # pending refuses existing tokens
        assert bob_after["role"] == "pending"
    groups = databases.owui_groups()
    assert "bob@techcompany.com" not in groups["Product Team"]["members"]
    assert "bob@techcompany.com" not in groups["Tech Company Inc"]["members"]
    with databases.openwebui() as owui:
        assert (
            owui.execute(
                "SELECT count(*) AS n FROM chat WHERE user_id = %s", (bob["id"],)
            ).fetchone()["n"]
            == 1
        )
        if databases.api_key_in_user:
            key = owui.execute('SELECT api_key FROM "user" WHERE id = %s', (bob["id"],)).fetchone()[
                "api_key"
            ]
            assert key is None
        else:
            assert (
                owui.execute(
                    "SELECT count(*) AS n FROM api_key WHERE user_id = %s", (bob["id"],)
                ).fetchone()["n"]
                == 0
            )
        if databases.session_stamp:
            stamp = owui.execute(
                "SELECT session_stamp FROM auth WHERE id = %s", (bob["id"],)
            ).fetchone()["session_stamp"]
            assert stamp and stamp != stamp_before
    assert reconcile(settings).planned == ()


def test_returning_user_is_reactivated(databases: Databases, settings: Settings) -> None:
    conn = databases.litellm()
    seed.add_user(conn, "u", "u@x.com")
    assert reconcile(settings).ok
    seed.delete_user(conn, "u")
    assert reconcile(settings).ok
    seed.add_user(conn, "u", "u@x.com")
    assert reconcile(settings).ok
    assert databases.owui_users()["u@x.com"]["active"] is True
    assert databases.owui_users()["u@x.com"]["role"] == "user"


def test_delete_policy_removes_created_rows_but_only_deactivates_linked(
    databases: Databases,
) -> None:
    settings = load_settings(
        litellm_database_url=databases.litellm_url,
        openwebui_database_url=databases.openwebui_url,
        on_user_delete="delete",
    )
    owui_add_user(databases.openwebui(), "linked-id", "linked@x.com", "Linked")
    conn = databases.litellm()
    seed.add_team(conn, "t", "T")
    for user_id in ("created", "linked"):
        seed.add_user(conn, user_id, f"{user_id}@x.com")
        seed.add_team_member(conn, user_id, "t")
    assert reconcile(settings).ok
    seed.delete_user(conn, "created")
    seed.delete_user(conn, "linked")
    assert reconcile(settings).ok
    users = databases.owui_users()
    assert "created@x.com" not in users
    assert users["linked@x.com"]["active"] is False
    assert databases.owui_groups()["T"]["members"] == set()
    with databases.openwebui() as owui:
        assert (
            owui.execute("SELECT count(*) AS n FROM auth WHERE email = 'created@x.com'").fetchone()[
                "n"
            ]
            == 0
        )


def test_deleted_team_removes_only_its_group(databases: Databases, settings: Settings) -> None:
    conn = databases.litellm()
    seed.seed_company(conn)
    assert reconcile(settings).ok
    seed.delete_team(conn, "team-product")
    assert reconcile(settings).ok
    assert set(databases.owui_groups()) == {"Tech Company Inc", "AI Research Team"}


def test_groups_made_in_open_webui_are_left_alone(databases: Databases, settings: Settings) -> None:
    owui = databases.openwebui()
    owui_add_user(owui, "owui-admin", "root@x.com", "Root", role="admin")
    members = '["owui-admin"]'
    if databases.members_in_json:
        owui.execute(
            'INSERT INTO "group" (id, user_id, name, description, user_ids, created_at,'
            " updated_at) VALUES ('g1', 'owui-admin', 'Product Team', 'mine', %s, 1, 1)",
            (members,),
        )
    else:
        owui.execute(
            'INSERT INTO "group" (id, user_id, name, description, created_at,'
            " updated_at) VALUES ('g1', 'owui-admin', 'Product Team', 'mine', 1, 1)"
        )
        owui.execute(
            "INSERT INTO group_member (id, group_id, user_id, created_at, updated_at)"
            " VALUES ('m1', 'g1', 'owui-admin', 1, 1)"
        )
    seed.seed_company(databases.litellm())

    assert reconcile(settings).ok
    assert reconcile(settings).planned == ()

    groups = databases.owui_groups()
    assert groups["Product Team"]["id"] == "g1"
    assert groups["Product Team"]["members"] == {"root@x.com"}
    assert groups["Product Team"]["description"] == "mine"
    assert groups["Product Team (team team-product)"]["members"] == {"bob@techcompany.com"}
    assert groups["Product Team (team team-product)"]["user_id"] == "owui-admin"


def test_people_added_by_hand_to_a_bridge_group_are_removed(
    databases: Databases, settings: Settings
) -> None:
    seed.seed_company(databases.litellm())
    assert reconcile(settings).ok
    owui_add_user(databases.openwebui(), "intruder", "intruder@x.com", "Intruder")
    group = databases.owui_groups()["Product Team"]
    with databases.openwebui() as owui:
        if databases.members_in_json:
            ids = [*owui_json(group["user_ids"]), "intruder"]
            owui.execute(
                f'UPDATE "group" SET user_ids = %s{owui_json_cast(owui)} WHERE id = %s',
                (json.dumps(ids), group["id"]),
            )
        else:
            owui.execute(
                "INSERT INTO group_member (id, group_id, user_id, created_at, updated_at)"
                " VALUES ('m-x', %s, 'intruder', 1, 1)",
                (group["id"],),
            )
    assert reconcile(settings).ok
    assert databases.owui_groups()["Product Team"]["members"] == {"bob@techcompany.com"}


def test_a_failing_change_is_audited_and_the_rest_applied(
    databases: Databases, settings: Settings
) -> None:
    with databases.openwebui() as owui:
        owui_refuse_inserts(owui, "NEW.email = 'mallory@x.com'", "mallory is not welcome")
    conn = databases.litellm()
    seed.add_team(conn, "t", "T")
    for user_id in ("alice", "mallory", "zed"):
        seed.add_user(conn, user_id, f"{user_id}@x.com")
        seed.add_team_member(conn, user_id, "t")

    result = reconcile(settings)

    assert not result.ok and result.failed == 1
    assert set(databases.owui_users()) == {"alice@x.com", "zed@x.com"}
    assert databases.owui_groups()["T"]["members"] == {"alice@x.com", "zed@x.com"}
    failed = [r for r in databases.audit() if r["result"] == "FAILED"]
    assert [(r["operation"], r["entity_id"]) for r in failed] == [("create_user", "mallory")]
    assert "mallory is not welcome" in failed[0]["error"]


def test_sole_open_webui_admin_is_not_demoted(databases: Databases, settings: Settings) -> None:
    owui_add_user(databases.openwebui(), "boss", "boss@x.com", "Boss", role="admin")
    seed.add_user(databases.litellm(), "boss", "boss@x.com", role="internal_user")
    result = reconcile(settings)
    assert result.ok
    assert databases.owui_users()["boss@x.com"]["role"] == "admin"
    assert any("only admin" in s.reason for s in result.skips)


def test_scoped_reconcile_touches_only_its_entities(
    databases: Databases, settings: Settings
) -> None:
    conn = databases.litellm()
    seed.seed_company(conn)
    result = reconcile(settings, Scope(users=frozenset({"alice"})))
    assert result.ok
    assert set(databases.owui_users()) == {"alice@techcompany.com"}
    assert reconcile(settings).ok
    assert len(databases.owui_users()) == 3


def test_audit_never_holds_password_hashes(databases: Databases, settings: Settings) -> None:
    seed.seed_company(databases.litellm())
    assert reconcile(settings, passwords={"alice": "Wonderland-2026"}).ok
    alice = databases.owui_users()["alice@techcompany.com"]
    assert bcrypt.checkpw(b"Wonderland-2026", alice["password"].encode())
    with databases.litellm() as conn:
        dump = json.dumps(
            [dict(r) for r in conn.execute("SELECT * FROM litellm_bridge.sync_audit").fetchall()],
            default=str,
        )
        links = json.dumps(
            [dict(r) for r in conn.execute("SELECT * FROM litellm_bridge.link").fetchall()],
            default=str,
        )
    for text in (dump, links):
        assert "$2b$" not in text and "Wonderland" not in text


@pytest.mark.parametrize("databases", ["0.12.4"], indirect=True)
def test_user_without_login_row_gets_one(databases: Databases, settings: Settings) -> None:
    """0.12.x can hold users without an auth row (OAuth/SCIM); a bridge user gets one back."""
    seed.add_user(databases.litellm(), "u", "u@x.com")
    assert reconcile(settings).ok
    user_id = databases.owui_users()["u@x.com"]["id"]
    with databases.openwebui() as owui:
        owui.execute("DELETE FROM auth WHERE id = %s", (user_id,))
    assert reconcile(settings).ok
    assert databases.owui_users()["u@x.com"]["active"] is True


def test_malformed_members_are_audited_and_the_rest_synced(
    databases: Databases, settings: Settings
) -> None:
    conn = databases.litellm()
    seed.add_team(conn, "t-bad", "Broken Team")
    seed.add_team(conn, "t-mixed", "Mixed Team")
    seed.add_user(conn, "u", "u@x.com")
    seed.add_team_member(conn, "u", "t-mixed")
    conn.execute(
        'UPDATE "LiteLLM_TeamTable" SET members_with_roles = \'"garbage"\' '
        "WHERE team_id = 't-bad'"
    )
    conn.execute(
        'UPDATE "LiteLLM_TeamTable" SET members_with_roles = members_with_roles || '
        "'[42, {\"role\": \"user\"}]'::jsonb WHERE team_id = 't-mixed'"
    )
    result = reconcile(settings)
    assert result.ok
    groups = databases.owui_groups()
    assert groups["Broken Team"]["members"] == set()
    assert groups["Mixed Team"]["members"] == {"u@x.com"}
    skipped = {r["entity_id"]: r["error"] for r in databases.audit() if r["result"] == "SKIPPED"}
    assert "members_with_roles is not a JSON list" in skipped["t-bad"]
    assert "without a user_id" in skipped["t-mixed"]


def test_concurrent_reconciles_make_one_account_each(
    databases: Databases, settings: Settings
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    seed.seed_company(databases.litellm())
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: reconcile(settings), range(3)))
    assert all(r.ok for r in results)
    assert sum(r.succeeded for r in results) == 6
    with databases.openwebui() as conn:
        assert conn.execute('SELECT count(*) AS n FROM "user"').fetchone()["n"] == 3
        assert conn.execute('SELECT count(*) AS n FROM "group"').fetchone()["n"] == 3
