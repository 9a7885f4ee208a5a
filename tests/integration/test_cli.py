"""The litellm-bridge command: output, JSON and exit codes."""

from __future__ import annotations

import json
import re

import pytest

from devtools import litellm_seed as seed
from litellm_bridge_plugin.ops.cli import main
from tests.fixtures.databases import on_both
from tests.fixtures.support import Databases, owui_refuse_inserts


@pytest.fixture
def databases(request: pytest.FixtureRequest, both_databases: Databases) -> Databases:
    """Every test here runs on PostgreSQL and on SQLite (Open WebUI's default)."""
    return on_both(request, both_databases)


@pytest.fixture
def env(databases: Databases, monkeypatch: pytest.MonkeyPatch) -> Databases:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("BRIDGE_LITELLM_DATABASE_URL", databases.litellm_url)
    monkeypatch.setenv("BRIDGE_OPENWEBUI_DATABASE_URL", databases.openwebui_url)
    seed.seed_company(databases.litellm())
    seed.add_user(databases.litellm(), "ghost", None)
    return databases


def test_dry_run_plans_and_writes_nothing(
    env: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "--dry-run", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dry_run"] is True
    ops = sorted((c["operation"], c["entity_id"]) for c in out["changes"])
    assert ("create_user", "alice") in ops and ("create_group", "team-product") in ops
    assert out["skipped"][0]["entity_id"] == "ghost"
    assert env.owui_users() == {}
    assert env.audit() == []


def test_sync_then_in_sync(env: Databases, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync"]) == 0
    first = capsys.readouterr().out
    assert "ok   create_user user alice: alice@techcompany.com" in first
    assert "skip user ghost: user has no email" in first
    assert main(["sync"]) == 0
    assert "in sync: nothing to change" in capsys.readouterr().out


def test_sync_shows_its_progress_on_stderr_and_quiet_hides_it(
    env: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync"]) == 0
    said = capsys.readouterr()
    assert "reading LiteLLM and Open WebUI" in said.err and "planning" in said.err
    written = re.search(r"writing (\d+) change\(s\)", said.err)
    assert written and int(written.group(1)) > 0, said.err
    assert f"wrote {written.group(1)} of {written.group(1)} (" in said.err
    assert "reading LiteLLM" not in said.out  # stdout keeps the result alone
    seed.add_user(env.litellm(), "late", "late@techcompany.com")
    assert main(["sync", "--quiet"]) == 0
    said = capsys.readouterr()
    assert "reading LiteLLM" not in said.err and "writing" not in said.err
    assert "late@techcompany.com" in said.out


def test_status_and_audit(env: Databases, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync"]) == 0
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["litellm"]["users"] == 4
    assert status["openwebui"]["users"] == 3
    assert status["skipped"] == 1
    assert status["last_run"]["succeeded"] == 6
    assert main(["status"]) == 0
    assert "last sync:" in capsys.readouterr().out
    assert main(["audit", "--since", "1h", "--limit", "3", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3
    assert main(["audit", "--failed"]) == 0
    assert capsys.readouterr().out.strip() == "no audit rows match"


def test_failures_exit_1(env: Databases, capsys: pytest.CaptureFixture[str]) -> None:
    with env.openwebui() as conn:
        owui_refuse_inserts(conn, "NEW.email LIKE 'bob@%'", "no bob")
    assert main(["sync"]) == 1
    assert "FAIL create_user user bob" in capsys.readouterr().out
    assert main(["audit", "--failed", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["entity_id"] for r in rows] == ["bob"]
    assert main(["status"]) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["audit", "--since", "yesterday'; DROP TABLE x;--"], "neither a duration"),
        (["audit", "--limit", "0"], "between 1 and"),
        (["audit", "--limit", "lots"], "not a whole number"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_arguments_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert message in capsys.readouterr().err


def test_unreachable_database_exits_2(
    env: Databases, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(
        "BRIDGE_OPENWEBUI_DATABASE_URL", "postgresql://bridge:hunter2@127.0.0.1:1/openwebui"
    )
    assert main(["sync"]) == 2
    err = capsys.readouterr().err
    assert "cannot connect to the Open WebUI database" in err
    assert "hunter2" not in err and "bridge:***@" in err


def test_missing_settings_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("BRIDGE_OPENWEBUI_DATABASE_URL", raising=False)
    assert main(["status"]) == 2
    assert "BRIDGE_OPENWEBUI_DATABASE_URL is not set" in capsys.readouterr().err


def test_capture_commands(env: Databases, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["retry-failed"]) == 0
    assert "triggers are not installed" in capsys.readouterr().out
    assert main(["install-triggers"]) == 0
    assert "installed change capture on 6 tables" in capsys.readouterr().out
    assert main(["install-triggers"]) == 0  # idempotent
    capsys.readouterr()
    seed.add_user(env.litellm(), "late", "late@x.com")
    with env.litellm() as conn:
        conn.execute(
            "UPDATE litellm_bridge.outbox SET dead = true, attempts = 10, "
            "last_error = 'Open WebUI was down'"
        )
    assert main(["status"]) == 1
    out = capsys.readouterr().out
    assert "capture:    12 triggers; outbox 0 pending, 1 dead" in out
    assert "dead:     user late after 10 attempts: Open WebUI was down" in out
    assert main(["retry-failed"]) == 0
    assert "1 parked change(s) will be retried" in capsys.readouterr().out
    assert main(["status", "--json"]) == 0
    capture = json.loads(capsys.readouterr().out)["capture"]
    assert capture["outbox"]["pending"] == 1 and capture["outbox"]["dead"] == 0
    assert main(["uninstall-triggers"]) == 0
    assert "removed 12 trigger(s)" in capsys.readouterr().out
    assert main(["status"]) == 0
    assert "capture:    no triggers" in capsys.readouterr().out


def _password_of(databases: Databases, email: str) -> str:
    return str(databases.owui_users()[email]["password"])


def test_set_password(
    env: Databases, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    import bcrypt

    from tests.fixtures.support import owui_add_user

    assert main(["sync"]) == 0
    with env.openwebui() as owui:  # an account that existed before the bridge: Bob's
        owui.execute("DELETE FROM auth WHERE email = 'bob@techcompany.com'")
        owui.execute("DELETE FROM \"user\" WHERE email = 'bob@techcompany.com'")
        owui_add_user(owui, "bob-own", "bob@techcompany.com", "Bob", version=env.version)
        owui_add_user(owui, "local", "local@owui.test", "Local", version=env.version)
    assert main(["sync"]) == 0
    capsys.readouterr()

    def run(email: str, stdin: str) -> tuple[int, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(["set-password", email])
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    secret = "Correct-Horse-9"
    code, out = run("ALICE@techcompany.com", secret + "\n")
    assert code == 0 and "password set for" in out and secret not in out
    assert bcrypt.checkpw(secret.encode(), _password_of(env, "alice@techcompany.com").encode())
    bob_before = _password_of(env, "bob@techcompany.com")
    code, out = run("bob@techcompany.com", secret + "\n")
    assert code == 1 and "existed before" in out
    assert _password_of(env, "bob@techcompany.com") == bob_before
    for email, stdin, words in (
        ("local@owui.test", secret, "no LiteLLM user has email"),
        ("' OR 1=1 --@x", secret, "no LiteLLM user has email"),
        ("not-an-email", secret, "is not an email address"),
        ("alice@techcompany.com", "short\n", "shorter than 8"),
        ("alice@techcompany.com", "é" * 40 + "\n", "longer than 72 bytes"),
        ("alice@techcompany.com", "tab\there-and-more\n", "control characters"),
    ):
        code, out = run(email, stdin)
        assert code == 1 and words in out, (email, out)
    audit = json.dumps([dict(a) for a in env.audit()], default=str)
    assert secret not in audit and "set_password" in audit
