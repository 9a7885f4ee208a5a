"""Operator commands on the guide's scenario: verify-user, doctor, grants and the views.

The bridge runs as the least-privilege roles `litellm-bridge grants` describes (conftest);
the tests check what those roles may not do, too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest

from devtools import litellm_seed as seed
from litellm_bridge_plugin.litellm.service_key import OPENWEBUI_ROUTES
from litellm_bridge_plugin.ops.cli import main
from tests.fixtures.databases import on_both
from tests.fixtures.support import (
    Databases,
    owui_add_user,
    owui_edit_access_control,
    owui_refuse_inserts,
    owui_save_setting,
)


@pytest.fixture
def databases(request: pytest.FixtureRequest, both_databases: Databases) -> Databases:
    """Every test here runs on PostgreSQL and on SQLite (Open WebUI's default)."""
    return on_both(request, both_databases)


CONFIG = Path(__file__).resolve().parents[2] / "config" / "litellm_config.yaml"


@pytest.fixture
def scenario(databases: Databases, monkeypatch: pytest.MonkeyPatch) -> Databases:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("BRIDGE_LITELLM_DATABASE_URL", databases.litellm_url)
    monkeypatch.setenv("BRIDGE_OPENWEBUI_DATABASE_URL", databases.openwebui_url)
    monkeypatch.setenv("BRIDGE_LITELLM_CONFIG", str(CONFIG))
    seed.seed_scenario(databases.litellm())
    return databases


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    code, out = _run(capsys, *args, "--json")
    return code, json.loads(out)


def test_verify_user_explains_every_model(
    scenario: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync"]) == 0
    capsys.readouterr()
    code, report = _json(capsys, "verify-user", "BOB@techcompany.com")
    assert code == 0 and report["problems"] == []
    (bob,) = report["litellm"]
    assert [k["alias"] for k in bob["keys"]] == ["bob-basic", "bob-premium-7d"]
    assert report["openwebui"]["managed_by_bridge"] == "created"
    assert report["openwebui"]["groups"] == ["Product Team", "Tech Company Inc"]
    models = {m["model"]: m for m in report["models"]}
    assert models["gpt-4"]["granted"] and "bob-premium-7d" in models["gpt-4"]["why"]
    assert not models["claude-3-sonnet"]["granted"]
    assert "bob-basic is limited" in models["claude-3-sonnet"]["why"]
    assert {m: e["shown_in_openwebui"] for m, e in models.items()} == {
        "gpt-4": True,
        "gpt-3.5-turbo": True,
        "claude-3-sonnet": False,
    }
    text = json.dumps(report)
    assert "hashed-" not in text  # never a key's token
    # Frank may use gpt-3.5 but is over budget; the text says both
    code, out = _run(capsys, "verify-user", "frank@techcompany.com")
    assert code == 0 and "but refused now: user frank is over budget" in out

    # someone revokes Bob's gpt-4 in Open WebUI by hand: the difference is named
    bob_id = report["openwebui"]["id"]
    with scenario.openwebui() as owui:
        if scenario.grants_in_json:
            owui_edit_access_control(owui, "gpt-4", lambda acl: acl["read"].update(user_ids=[]))
        else:
            owui.execute("DELETE FROM access_grant WHERE principal_id = %s", (bob_id,))
    code, out = _run(capsys, "verify-user", "bob@techcompany.com")
    assert code == 1
    assert "gpt-4: LiteLLM grants it but Open WebUI does not show it" in out


def test_verify_user_with_one_side_only_and_hostile_input(
    scenario: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    with scenario.openwebui() as owui:
        owui_add_user(owui, "local-1", "local@owui.test", "Local", version=scenario.version)
    code, report = _json(capsys, "verify-user", "local@owui.test")
    assert code == 1 and report["litellm"] == []
    assert report["openwebui"]["managed_by_bridge"].startswith("no")
    assert "LiteLLM has no user with this email" in report["problems"]
    # not synced yet: LiteLLM has Alice, Open WebUI does not
    code, report = _json(capsys, "verify-user", "alice@techcompany.com")
    assert code == 1 and report["openwebui"] is None
    assert "Open WebUI has no account with this email" in report["problems"]
    for hostile in (
        "' OR 1=1 --@x.test",
        'robert\'); DROP TABLE "LiteLLM_UserTable";--@x.test',
        "zoë@exämple.test",
        "a" * 300 + "@x.test",
    ):
        code, report = _json(capsys, "verify-user", hostile)
        assert code == 1 and report["litellm"] == []
    for invalid in ("not-an-email", "a@" + "x" * 400, "a@x.test\nInjected: yes"):
        code, out = _run(capsys, "verify-user", invalid)
        assert code == 1 and "is not an email address" in out
    with scenario.litellm() as conn:
        assert conn.execute('SELECT count(*) AS n FROM "LiteLLM_UserTable"').fetchone()["n"] == 6


def test_doctor_names_each_failure_and_its_fix(
    scenario: Databases, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, checks = _json(capsys, "doctor")
    by_name = {c["name"]: c for c in checks}
    assert code == 1
    assert by_name["litellm database"]["result"] == "ok"
    assert by_name["openwebui schema"]["result"] == "ok"
    assert by_name["last sweep"]["result"] == "fail"  # never synced
    assert (
        by_name["accounts"]["result"] == "fail"
        and "alice@techcompany.com" in (by_name["accounts"]["detail"])
    )
    assert by_name["service key"]["result"] == "fail"
    assert "openwebui_global_key" in by_name["service key"]["fix"]
    assert by_name["triggers"]["result"] == "skip"
    assert by_name["proxy config"]["result"] == "ok"
    rights = "openwebui file" if scenario.on_sqlite else "openwebui privileges"
    assert by_name[rights]["result"] == "ok"

    assert main(["sync"]) == 0
    assert main(["install-triggers"]) == 0
    seed.add_key(
        scenario.litellm(),
        "hashed-owui",
        "openwebui_global_key",
        None,
        allowed_routes=OPENWEBUI_ROUTES,
    )
    capsys.readouterr()
    code, checks = _json(capsys, "doctor")
    by_name = {c["name"]: c for c in checks}
    assert code == 0, checks
    assert {
        by_name[n]["result"] for n in ("last sweep", "accounts", "service key", "triggers")
    } == {"ok"}
    # a duplicate email and a blocked service key
    seed.add_user(scenario.litellm(), "bob2", "Bob@TechCompany.com")
    scenario.litellm().execute(
        'UPDATE "LiteLLM_VerificationToken" SET blocked = true '
        "WHERE key_alias = 'openwebui_global_key'"
    )
    code, out = _run(capsys, "doctor")
    assert code == 1
    assert "FAIL duplicate emails: 1 email(s) shared" in out and "bob, bob2" in out
    assert "FAIL service key: Open WebUI's service key is blocked" in out
    if scenario.on_sqlite:  # the file's rights: tests/integration/test_sqlite.py
        monkeypatch.setenv("BRIDGE_OPENWEBUI_DATABASE_URL", "sqlite:////nowhere/webui.db")
        code, out = _run(capsys, "doctor")
        assert code == 1 and "FAIL openwebui database" in out and "/nowhere/webui.db" in out
        assert "skip openwebui schema" in out and "ok   triggers" in out
        return
    # an Open WebUI upgrade added a table the role was never given (simulated by a revoke)
    scenario.openwebui().execute("REVOKE INSERT ON model FROM bridge_test_openwebui")
    code, out = _run(capsys, "doctor")
    assert "FAIL openwebui privileges: the bridge's role lacks INSERT on model" in out
    assert "litellm-bridge grants" in out
    # Open WebUI's database unreachable: its checks are skipped, the rest still run
    monkeypatch.setenv(
        "BRIDGE_OPENWEBUI_DATABASE_URL", "postgresql://bridge:hunter2@127.0.0.1:1/openwebui"
    )
    code, out = _run(capsys, "doctor")
    assert code == 1 and "FAIL openwebui database" in out and "hunter2" not in out
    assert "skip openwebui schema" in out and "ok   triggers" in out


def test_doctor_reads_open_webuis_saved_connection(
    scenario: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    """Open WebUI's connection settings, as each release saves them (rows or one document)."""

    def connection() -> dict[str, Any]:
        found: dict[str, Any] = {c["name"]: c for c in _json(capsys, "doctor")[1]}
        return found["openwebui connection"]

    assert connection()["detail"].startswith("no saved connection settings")
    with scenario.openwebui() as owui:
        owui_save_setting(owui, "openai.enable", True)
        owui_save_setting(owui, "openai.api_base_urls", ["http://litellm:8313/v1"])
    check = connection()
    assert check["result"] == "warn"
    assert check["detail"].startswith("connections ['http://litellm:8313/v1']")
    with scenario.openwebui() as owui:
        owui_save_setting(owui, "openai.enable", False)
    check = connection()
    assert check["result"] == "fail" and "no OpenAI-style connection" in check["detail"]


def test_grants_are_least_privilege(
    scenario: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _run(capsys, "grants", "--litellm-role", "bridge_ro")
    assert code == 0
    assert 'GRANT SELECT ON "LiteLLM_UserTable"' in out and '"bridge_ro"' in out
    # the trigger functions run with the role's rights: nobody else may call them
    assert "REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA litellm_bridge FROM PUBLIC;" in out
    assert 'ALTER DEFAULT PRIVILEGES FOR ROLE "bridge_ro" REVOKE EXECUTE ON FUNCTIONS' in out
    if scenario.on_sqlite:  # a file has no roles: the note says what stands in for them
        assert "GRANT %s ON public.%I" not in out and "SQLite has no roles" in out
        assert "'openwebui file'" in out
    else:
        assert "GRANT %s ON public.%I" in out  # Open WebUI tables, those that exist
    code, out = _run(capsys, "grants", "--openwebui-role", 'x"; DROP ROLE postgres; --')
    assert code == 1 and "not a plain role name" in out

    assert main(["sync"]) == 0
    with psycopg.connect(scenario.litellm_url, autocommit=True) as bridge:
        role = bridge.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        assert role.fetchone() == (False,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bridge.execute("UPDATE \"LiteLLM_UserTable\" SET user_role = 'proxy_admin'")
    if scenario.on_sqlite:
        return
    with psycopg.connect(scenario.openwebui_url, autocommit=True) as bridge:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bridge.execute("SELECT count(*) FROM chat")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bridge.execute("DELETE FROM config")


def test_views_answer_the_usual_questions(
    scenario: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    with scenario.openwebui() as owui:  # Open WebUI refuses one account: a FAILED change
        owui_refuse_inserts(owui, "NEW.email = 'erin@techcompany.com'", "no Erin")
    assert main(["sync"]) == 1
    with scenario.litellm() as conn:
        failures = conn.execute("SELECT * FROM litellm_bridge.recent_failures").fetchall()
        assert [(f["operation"], f["entity_id"]) for f in failures] == [("create_user", "erin")]
        assert "no Erin" in failures[0]["error"]
        per_entity = conn.execute(
            "SELECT * FROM litellm_bridge.changes_per_entity WHERE entity_id = 'alice'"
        ).fetchone()
        assert per_entity["applied"] >= 1 and per_entity["failed"] == 0
        lag = conn.execute("SELECT * FROM litellm_bridge.sync_lag").fetchone()
        assert lag["seconds_since_last_good_run"] < 60 and lag["failures_24h"] == 1
        history = conn.execute(
            "SELECT operation, result, openwebui_id FROM litellm_bridge.user_history "
            "WHERE litellm_user_id = 'alice' ORDER BY at"
        ).fetchall()
        assert history[0]["operation"] == "create_user" and history[0]["openwebui_id"]
