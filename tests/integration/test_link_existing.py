"""No takeover of an account someone registered first (BRIDGE_LINK_EXISTING).

Open WebUI lets anyone sign up with any email and never checks it; a new account is
`pending`. Carol is a proxy_admin in LiteLLM: whoever registers her email first must not get
her account, her groups, her models or the admin role.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest

from devtools import litellm_seed as seed
from litellm_bridge_plugin.engine import bridge_db
from litellm_bridge_plugin.engine.sync import reconcile
from litellm_bridge_plugin.ops.cli import main
from litellm_bridge_plugin.settings import Settings, load_settings
from tests.fixtures.databases import on_both
from tests.fixtures.roles import BRIDGE_ROLES
from tests.fixtures.support import Databases, owui_add_user, owui_mark_sso, owui_save_signup_role


@pytest.fixture
def databases(request: pytest.FixtureRequest, both_databases: Databases) -> Databases:
    """Every test here runs on PostgreSQL and on SQLite (Open WebUI's default)."""
    return on_both(request, both_databases)


CAROL = "carol@techcompany.com"


def _settings(databases: Databases, **overrides: Any) -> Settings:
    return load_settings(
        litellm_database_url=databases.litellm_url,
        openwebui_database_url=databases.openwebui_url,
        **overrides,
    )


def _register(databases: Databases, role: str = "pending", sso: bool = False) -> None:
    """Someone signs up in Open WebUI with Carol's email before the bridge runs."""
    with databases.openwebui() as owui:
        owui_add_user(owui, "signed-up", "Carol@TechCompany.com", "Not Carol?", role=role)
        if sso:
            owui_mark_sso(owui, "signed-up")
    seed.seed_company(databases.litellm())


def _account(databases: Databases) -> dict[str, Any]:
    with databases.openwebui() as owui:
        row: dict[str, Any] = owui.execute(
            'SELECT u.*, a.password, a.active FROM "user" u JOIN auth a ON a.id = u.id '
            "WHERE lower(u.email) = %s",
            (CAROL,),
        ).fetchone()
    return row


def _links(databases: Databases) -> dict[str, dict[str, Any]]:
    with databases.litellm() as conn:
        rows = conn.execute(
            "SELECT * FROM litellm_bridge.link WHERE entity_type = 'user'"
        ).fetchall()
    return {r["litellm_id"]: r for r in rows}


def _carol_audit(databases: Databases) -> list[tuple[str, str, str | None]]:
    return [
        (r["operation"], r["result"], r["error"])
        for r in databases.audit()
        if r["entity_id"] == "carol"
    ]


def test_a_pending_self_registration_is_held_untouched_and_audited_once(
    databases: Databases, settings: Settings
) -> None:
    _register(databases)
    before = _account(databases)

    first = reconcile(settings)
    assert first.ok

    assert _account(databases) == before  # not linked, not changed: role, name, login
    assert before["role"] == "pending"
    assert "carol" not in _links(databases)
    users = databases.owui_users()
    assert set(users) == {"alice@techcompany.com", "bob@techcompany.com", CAROL}
    assert all(
        "Carol@TechCompany.com" not in g["members"] for g in databases.owui_groups().values()
    )
    ((operation, result, reason),) = _carol_audit(databases)
    assert (operation, result) == ("skip", "SKIPPED")
    assert reason is not None
    assert "is held, not linked" in reason and "'pending'" in reason
    assert "litellm-bridge link carol@techcompany.com" in reason
    assert "delete it in Open WebUI" in reason

    second = reconcile(settings)
    assert second.ok and second.planned == ()
    assert len(_carol_audit(databases)) == 1  # audited once, not at every sweep
    assert _account(databases) == before


def test_an_approved_account_is_linked_but_not_raised_to_admin(
    databases: Databases, settings: Settings
) -> None:
    _register(databases, role="user")
    assert reconcile(settings).ok
    carol = _account(databases)
    assert carol["id"] == "signed-up" and carol["role"] == "user"
    assert _links(databases)["carol"]["linked_by"] == "auto"
    assert databases.owui_groups()["Tech Company Inc"]["members"] >= {"Carol@TechCompany.com"}
    ops = _carol_audit(databases)
    assert ("link_user", "SUCCESS", None) in ops
    (reason,) = [r for op, _, r in ops if op == "skip"]
    assert reason is not None and "stays 'user', not raised to 'admin'" in reason
    assert reconcile(settings).planned == ()
    assert len(_carol_audit(databases)) == len(ops)


def test_an_sso_account_is_linked_but_not_raised_to_admin(
    databases: Databases, settings: Settings
) -> None:
    """Open WebUI's OAUTH_MERGE_ACCOUNTS_BY_EMAIL puts the SSO mark on whatever account had
    the email, a squatter's password account included: the mark links it, never to admin."""
    _register(databases, sso=True)
    assert reconcile(settings).ok
    assert _account(databases)["role"] == "user"
    ops = _carol_audit(databases)
    assert [op for op, _, _ in ops] == ["link_user", "update_user", "skip"]
    after = next(r["after"] for r in databases.audit() if r["operation"] == "link_user")
    assert after["via"] == "sso"
    reason = ops[-1][2]
    assert reason is not None and "stays 'user', not raised to 'admin'" in reason
    assert "even one marked as signed in through SSO" in reason
    assert "litellm-bridge link carol@techcompany.com" in reason
    assert reconcile(settings).planned == ()
    assert _link_and_sync(databases) == "admin"  # on the operator's word


def _link_and_sync(databases: Databases) -> str:
    """``litellm-bridge link`` Carol's account, sync; her account's role then."""
    with pytest.MonkeyPatch.context() as env:
        env.delenv("DATABASE_URL", raising=False)
        env.setenv("BRIDGE_LITELLM_DATABASE_URL", databases.litellm_url)
        env.setenv("BRIDGE_OPENWEBUI_DATABASE_URL", databases.openwebui_url)
        assert main(["link", CAROL]) == 0
        assert main(["sync"]) == 0
    role: str = _account(databases)["role"]
    return role


@pytest.mark.parametrize("saved", ["user", None])
def test_a_user_account_is_held_while_every_sign_up_gets_user(
    databases: Databases, settings: Settings, saved: str | None
) -> None:
    """With Open WebUI's DEFAULT_USER_ROLE=user a sign-up is 'user' at once: that role says
    no admin approved it. The bridge reads the saved default from Open WebUI's database;
    when it is not 'pending' or not saved, a 'user' account is held like a pending one."""
    with databases.openwebui() as owui:
        owui_save_signup_role(owui, saved)
    _register(databases, role="user")
    before = _account(databases)
    assert reconcile(settings).ok

    assert _account(databases) == before  # not linked, not changed
    assert "carol" not in _links(databases)
    assert all(
        "Carol@TechCompany.com" not in g["members"] for g in databases.owui_groups().values()
    )
    ((operation, result, reason),) = _carol_audit(databases)
    assert (operation, result) == ("skip", "SKIPPED")
    assert reason is not None and "is held, not linked: it is 'user'" in reason
    if saved is None:
        assert "default role for new sign-ups is unknown: it is not saved" in reason
    else:
        assert "saved default role for new sign-ups is 'user'" in reason
    assert reconcile(settings).planned == ()

    with databases.openwebui() as owui:  # an admin sets Default User Role to pending
        owui_save_signup_role(owui, "pending")
    assert reconcile(settings).ok
    assert _links(databases)["carol"]["openwebui_id"] == "signed-up"


@pytest.mark.parametrize("databases", ["0.12.4"], indirect=True)
def test_sso_mode_links_only_sso_accounts_and_none_mode_nothing(databases: Databases) -> None:
    with databases.openwebui() as owui:
        owui_add_user(owui, "approved", "alice@techcompany.com", "Alice", role="user")
        owui_add_user(owui, "sso", "carol@techcompany.com", "Carol", role="pending")
        owui_mark_sso(owui, "sso")
    seed.seed_company(databases.litellm())

    none = reconcile(_settings(databases, link_existing="none"))
    assert none.ok and not _links(databases).keys() & {"alice", "carol"}
    assert {s.entity_id for s in none.skips if "BRIDGE_LINK_EXISTING=none" in s.reason} == {
        "alice",
        "carol",
    }
    sso = reconcile(_settings(databases, link_existing="sso"))
    assert sso.ok
    assert _links(databases)["carol"]["openwebui_id"] == "sso"
    assert "alice" not in _links(databases)
    users = databases.owui_users()
    assert users["carol@techcompany.com"]["role"] == "user"  # SSO links, never to admin
    assert users["alice@techcompany.com"]["role"] == "user"  # untouched, as it was
    (held,) = [s.reason for s in sso.skips if s.entity_id == "alice"]
    assert "did not sign in through SSO (BRIDGE_LINK_EXISTING=sso)" in held


def test_a_user_account_is_held_when_the_saved_role_cannot_be_read(
    databases: Databases, settings: Settings
) -> None:
    """Open WebUI's upgrade to per-key settings replaces its `config` table, and the bridge's
    role loses its right to read it: the sync goes on, 'user' accounts wait, and both the skip
    reason and doctor name the fix."""
    if databases.on_sqlite:
        pytest.skip("table rights are PostgreSQL's; on SQLite the file's permissions decide")
    with databases.openwebui() as owui:
        owui.execute(f"REVOKE SELECT ON config FROM {BRIDGE_ROLES['openwebui']}")
    _register(databases, role="user")
    result = reconcile(settings)
    assert result.ok and result.succeeded  # everyone else is synced
    assert "carol" not in _links(databases)
    ((_, _, reason),) = _carol_audit(databases)
    assert reason is not None and "may not read Open WebUI's `config` table" in reason
    assert "`litellm-bridge grants`" in reason


@pytest.fixture
def cli_env(databases: Databases, monkeypatch: pytest.MonkeyPatch) -> Databases:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("BRIDGE_LITELLM_DATABASE_URL", databases.litellm_url)
    monkeypatch.setenv("BRIDGE_OPENWEBUI_DATABASE_URL", databases.openwebui_url)
    return databases


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _register_and_sync(
    env: Databases, capsys: pytest.CaptureFixture[str], role: str = "pending"
) -> None:
    _register(env, role=role)
    assert main(["sync"]) == 0
    capsys.readouterr()


def test_link_on_the_operators_word_then_the_mapped_role_in_full(
    cli_env: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    _register_and_sync(cli_env, capsys)
    password = _account(cli_env)["password"]

    code, out = _run(capsys, "link", "CAROL@techcompany.com")
    assert code == 0, out
    assert "linked Open WebUI account signed-up (carol@techcompany.com)" in out
    assert _links(cli_env)["carol"]["linked_by"] == "operator"
    link_rows = [r for r in cli_env.audit() if r["operation"] == "link_user"]
    assert [(r["entity_id"], r["result"], r["after"]["via"]) for r in link_rows] == [
        ("carol", "SUCCESS", "operator")
    ]
    assert main(["sync"]) == 0
    carol = _account(cli_env)
    assert carol["role"] == "admin" and carol["id"] == "signed-up"
    assert carol["password"] == password  # the account's own password is its owner's
    assert carol["name"] == "Not Carol?"
    assert "Carol@TechCompany.com" in cli_env.owui_groups()["Tech Company Inc"]["members"]
    assert reconcile(_settings(cli_env)).planned == ()
    code, out = _run(capsys, "link", CAROL)
    assert code == 1 and "an operator linked this account" in out


def test_link_with_the_account_id_links_only_that_account(
    cli_env: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    """The operator checked account signed-up; by the time they link, the email may belong to
    another account (the first deleted, the email registered again)."""
    _register_and_sync(cli_env, capsys)
    with cli_env.openwebui() as owui:
        owui.execute("DELETE FROM auth WHERE id = 'signed-up'")
        owui.execute("DELETE FROM \"user\" WHERE id = 'signed-up'")
        owui_add_user(owui, "signed-up-again", CAROL, "Carol!", role="pending")
    code, out = _run(capsys, "link", CAROL, "--account-id", "signed-up")
    assert code == 1
    assert "the Open WebUI account with email 'carol@techcompany.com' is signed-up-again, " in out
    assert "not signed-up; nothing was changed" in out
    assert "carol" not in _links(cli_env)
    assert not [r for r in cli_env.audit() if r["operation"] == "link_user"]

    code, out = _run(capsys, "link", CAROL, "--account-id", "signed-up-again")
    assert code == 0, out
    assert _links(cli_env)["carol"]["openwebui_id"] == "signed-up-again"
    assert _account(cli_env)["role"] == "admin"


def test_link_confirms_an_automatic_link_to_raise_it_to_admin(
    cli_env: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    _register_and_sync(cli_env, capsys, role="user")
    assert _account(cli_env)["role"] == "user"
    code, out = _run(capsys, "link", CAROL)
    assert code == 0 and "confirmed the link of" in out
    assert _account(cli_env)["role"] == "admin"


def test_link_refuses_with_the_reason(
    cli_env: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    _register(cli_env)
    seed.add_user(cli_env.litellm(), "dave", "dave@techcompany.com")
    seed.add_user(cli_env.litellm(), "twin-1", "twin@x.test")
    seed.add_user(cli_env.litellm(), "twin-2", "TWIN@x.test")
    with cli_env.openwebui() as owui:
        owui_add_user(owui, "local", "local@owui.test", "Local", role="user")
    assert main(["sync"]) == 0
    capsys.readouterr()
    for email, words in (
        ("local@owui.test", "no LiteLLM user has email"),
        ("' OR 1=1 --@x", "no LiteLLM user has email"),
        ("twin@x.test", "2 LiteLLM users have email"),
        ("nobody@x.test", "no LiteLLM user has email"),
        ("not-an-email", "is not an email address"),
        ("carol@x.test\nInjected: yes", "is not an email address"),
        ("a" * 400 + "@x.test", "is not an email address"),
        ("alice@techcompany.com", "the bridge created this Open WebUI account"),
    ):
        code, out = _run(capsys, "link", email)
        assert code == 1 and words in out, (email, out)
    with cli_env.litellm() as conn:  # dave has no Open WebUI account: sync creates it
        conn.execute("DELETE FROM litellm_bridge.link WHERE litellm_id = 'dave'")
    with cli_env.openwebui() as owui:
        owui.execute("DELETE FROM auth WHERE email = 'dave@techcompany.com'")
        owui.execute("DELETE FROM \"user\" WHERE email = 'dave@techcompany.com'")
    code, out = _run(capsys, "link", "dave@techcompany.com")
    assert code == 1 and "Open WebUI has no account with email" in out
    assert "carol" not in _links(cli_env)
    assert not [r for r in cli_env.audit() if r["operation"] == "link_user"]


@pytest.mark.parametrize("databases", ["0.6.30"], indirect=True)
def test_link_refuses_several_accounts(
    cli_env: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    """0.6.30 has no unique index on the email: two accounts can share one."""
    _register(cli_env)
    with cli_env.openwebui() as owui:
        owui_add_user(owui, "again", "carol@techcompany.com", "Carol again", role="user")
    code, out = _run(capsys, "link", CAROL)
    assert code == 1 and "Open WebUI has 2 accounts with email" in out


def test_verify_user_and_doctor_show_the_held_account_and_the_fix(
    cli_env: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    _register_and_sync(cli_env, capsys)
    code, out = _run(capsys, "verify-user", CAROL, "--json")
    report = json.loads(out)
    assert code == 1
    assert report["openwebui"]["managed_by_bridge"] == "held: not linked (see problems)"
    assert report["openwebui"]["role"] == "pending" and report["openwebui"]["sso"] is False
    (problem,) = report["problems"]
    assert (
        "is held, not linked" in problem and "litellm-bridge link carol@techcompany.com" in problem
    )
    code, out = _run(capsys, "verify-user", CAROL)
    assert "managed: held" in out and "litellm-bridge link carol@techcompany.com" in out

    code, out = _run(capsys, "doctor", "--json")
    held = {c["name"]: c for c in json.loads(out)}["held accounts"]
    assert held["result"] == "fail"
    assert "carol@techcompany.com (role pending)" in held["detail"]
    assert "litellm-bridge link EMAIL" in held["fix"] and "delete it in Open WebUI" in held["fix"]
    code, out = _run(capsys, "doctor")
    assert "FAIL held accounts" in out and "fix: if an account is that person's" in out

    assert main(["link", CAROL]) == 0
    capsys.readouterr()
    code, out = _run(capsys, "verify-user", CAROL, "--json")
    report = json.loads(out)
    assert report["openwebui"]["managed_by_bridge"] == "linked by an operator"
    assert report["openwebui"]["role"] == "admin" and report["problems"] == []
    code, out = _run(capsys, "doctor", "--json")
    assert {c["name"]: c for c in json.loads(out)}["held accounts"]["result"] == "ok"


@pytest.mark.parametrize("saved", ["user", None, "pending"])
def test_doctor_warns_when_role_user_does_not_mean_approved(
    cli_env: Databases, capsys: pytest.CaptureFixture[str], saved: str | None
) -> None:
    with cli_env.openwebui() as owui:
        owui_save_signup_role(owui, saved)
    _, out = _run(capsys, "doctor", "--json")
    check = {c["name"]: c for c in json.loads(out)}["openwebui sign-up role"]
    if saved == "pending":
        assert check["result"] == "ok" and "is 'pending'" in check["detail"]
        return
    assert check["result"] == "warn"
    assert "may be anyone's sign-up, so the bridge holds it" in check["detail"]
    assert ("unknown" in check["detail"]) == (saved is None)
    assert "set Default User Role to 'pending' in Open WebUI's admin settings" in check["fix"]
    assert "litellm-bridge link EMAIL" in check["fix"] and "SSO" in check["fix"]
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BRIDGE_LINK_EXISTING", "sso")
        _, out = _run(capsys, "doctor", "--json")
    assert {c["name"]: c for c in json.loads(out)}["openwebui sign-up role"]["result"] == "ok"


def test_verify_user_names_an_account_not_raised_to_admin(
    cli_env: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    _register_and_sync(cli_env, capsys, role="user")
    code, out = _run(capsys, "verify-user", CAROL, "--json")
    report = json.loads(out)
    assert code == 1
    assert report["openwebui"]["managed_by_bridge"] == "linked (by email)"
    assert any("not raised to 'admin'" in p for p in report["problems"])


def test_an_installation_made_before_keeps_its_links(databases: Databases) -> None:
    """The column that remembers who linked is added to an existing link table."""
    with psycopg.connect(databases.litellm_url, autocommit=True) as bridge:
        bridge.execute(  # as the bridge made it before (the schema is `grants`' own)
            "CREATE TABLE litellm_bridge.link (entity_type text NOT NULL, litellm_id text NOT "
            "NULL, openwebui_id text NOT NULL, created_by_bridge boolean NOT NULL, "
            "password_placeholder boolean NOT NULL DEFAULT false, deactivated_at timestamptz, "
            "linked_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (entity_type, litellm_id))"
        )
        bridge.execute(
            "INSERT INTO litellm_bridge.link (entity_type, litellm_id, openwebui_id, "
            "created_by_bridge) VALUES ('user', 'made', 'o1', true), ('user', 'found', 'o2', "
            "false), ('team', 't', 'g1', true)"
        )
        bridge_db.ensure_schema(bridge, force=True)
        bridge_db.ensure_schema(bridge, force=True)  # idempotent
        links = {k.litellm_id: k for k in bridge_db.read_links(bridge)}
    assert not any(k.by_operator for k in links.values())
    with databases.litellm() as admin:
        rows = admin.execute("SELECT litellm_id, linked_by FROM litellm_bridge.link").fetchall()
    assert {r["litellm_id"]: r["linked_by"] for r in rows} == {
        "made": "bridge",
        "found": "auto",
        "t": "bridge",
    }
