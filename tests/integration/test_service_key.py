"""Open WebUI's service key as doctor, status and the start-up log see it: recognised by value
or by trusted alias, which keys answer to it, and what is wrong when not exactly one.

LiteLLM's key table is written with SQL the way /key/generate would (tests store the sha256 of
a key's value as its token, as LiteLLM does, and the caller as ``created_by``: the master key's
user id unless a test says otherwise); the bridge reads it as its least-privilege role.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from litellm.proxy._types import hash_token

from devtools import litellm_seed as seed
from litellm_bridge_plugin.capture import triggers
from litellm_bridge_plugin.domain import EVERYTHING
from litellm_bridge_plugin.engine import bridge_db, broadcast
from litellm_bridge_plugin.engine.worker import BridgeWorker
from litellm_bridge_plugin.litellm.service_key import (
    CHECKED_ROUTES,
    OPENWEBUI_ROUTES,
    inspect,
    proxy_master_key,
    read,
    startup_line,
    token_hash,
)
from litellm_bridge_plugin.ops.cli import main
from litellm_bridge_plugin.proxy.enforcement import Enforcer
from litellm_bridge_plugin.releases import PROXY_ADMIN_NAME
from litellm_bridge_plugin.settings import Settings, load_settings
from tests.fixtures.support import Databases

only_newest = pytest.mark.parametrize("databases", ["0.12.4"], indirect=True)
ALIAS = "openwebui_global_key"
SERVICE_KEY = "sk-openwebui-service-0123456789"
MASTER_KEY = "sk-master-0123456789abcdef"
ADMIN = PROXY_ADMIN_NAME
RULE = "created by a proxy admin, owned by no ordinary user, in no team or organisation"


def _settings(databases: Databases, service_key: str | None = None) -> Settings:
    return load_settings(
        litellm_database_url=databases.litellm_url,
        openwebui_database_url=databases.openwebui_url,
        openwebui_key_alias=ALIAS,
        openwebui_service_key=service_key,
    )


def _add(
    databases: Databases, value: str, alias: str = ALIAS, user_id: str | None = None, **kwargs: Any
) -> None:
    """A key as /key/generate with the master key makes it (unless ``created_by`` says who
    called), limited to Open WebUI's routes unless told."""
    kwargs.setdefault("allowed_routes", OPENWEBUI_ROUTES)
    kwargs.setdefault("key_name", _masked(value))
    seed.add_key(databases.litellm(), token_hash(value), alias, user_id, **kwargs)


def _masked(value: str) -> str:
    """LiteLLM's key_name for a key (``abbreviate_api_key``)."""
    return f"sk-...{value[-4:]}"


def _named(value: str, alias: str = ALIAS, owner: str = "none", creator: str = ADMIN) -> str:
    """How the bridge names a key: never its value or hash."""
    return f"{_masked(value)} (alias {alias!r}, owner {owner}, created by {creator})"


def _problems(found: Any) -> list[tuple[str, str]]:
    return [(p.severity, p.problem) for p in found.problems]


def test_the_hash_is_litellms() -> None:
    assert token_hash(SERVICE_KEY) == hash_token(SERVICE_KEY)


@only_newest
def test_by_value_present_absent_blocked_expired(databases: Databases) -> None:
    bridge = databases.bridge_litellm()
    settings = _settings(databases, SERVICE_KEY)
    # a key someone named after the alias is not the service key once the value is set
    _add(databases, "sk-someone-elses-key-0123", ALIAS)
    absent = inspect(bridge, settings, MASTER_KEY)
    assert (absent.mode, absent.live, absent.result) == ("value", 0, "fail")
    assert "neither a live LiteLLM key nor the master key" in absent.problems[0].problem
    assert 'POST /key/generate with it as "key"' in absent.problems[0].fix
    # the master key unknown (the CLI without LITELLM_MASTER_KEY): it may be the master key
    unknown = inspect(bridge, settings)
    assert unknown.result == "warn" and "LITELLM_MASTER_KEY" in unknown.problems[0].fix

    _add(databases, SERVICE_KEY, "openwebui-key")
    present = inspect(bridge, settings, MASTER_KEY)
    assert (present.live, present.problems) == (1, ())
    assert present.describe() == (
        "recognised by value (BRIDGE_OPENWEBUI_SERVICE_KEY); 1 live key(s) match: "
        + _named(SERVICE_KEY, "openwebui-key")
    )
    assert startup_line(bridge, settings, MASTER_KEY) == (
        logging.INFO,
        "service key " + present.describe(),
    )

    databases.litellm().execute('UPDATE "LiteLLM_VerificationToken" SET blocked = true')
    blocked = inspect(bridge, settings, MASTER_KEY)
    assert (blocked.live, blocked.blocked) == (0, 1)
    assert _problems(blocked) == [
        ("fail", "Open WebUI's service key is blocked: LiteLLM refuses every Open WebUI call")
    ]
    assert blocked.problems[0].fix == "unblock it: POST /key/unblock"
    level, line = startup_line(bridge, settings, MASTER_KEY)
    assert level == logging.WARNING and "FAIL: Open WebUI's service key is blocked" in line

    databases.litellm().execute(
        'UPDATE "LiteLLM_VerificationToken" SET blocked = NULL, expires = %s',
        (datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=1),),
    )
    expired = inspect(bridge, settings, MASTER_KEY)
    assert (expired.live, expired.expired) == (0, 1)
    assert _problems(expired) == [
        ("fail", "Open WebUI's service key has expired: LiteLLM refuses every Open WebUI call")
    ]
    text = repr(expired.as_dict()) + startup_line(bridge, settings, MASTER_KEY)[1]
    assert SERVICE_KEY not in text and token_hash(SERVICE_KEY) not in text


@only_newest
def test_by_value_the_master_key(databases: Databases) -> None:
    bridge = databases.bridge_litellm()
    found = inspect(bridge, _settings(databases, MASTER_KEY), MASTER_KEY)
    assert (found.mode, found.master_key, found.live) == ("value", True, 1)
    assert found.describe() == (
        "recognised by value (BRIDGE_OPENWEBUI_SERVICE_KEY, the proxy's master key); "
        "1 live key(s) match"
    )
    # it works, but Open WebUI then holds a key that can manage everything
    assert found.result == "warn"
    assert "can manage all of LiteLLM" in found.problems[0].problem
    assert (
        '"allowed_routes": ["/v1/chat/completions", "/v1/models", "/v1/embeddings"]'
        in found.problems[0].fix
    )


@only_newest
def test_by_alias_zero_one_two_live_keys(databases: Databases) -> None:
    bridge = databases.bridge_litellm()
    settings = _settings(databases)
    none = inspect(bridge, settings)
    assert (none.mode, none.live, none.result) == ("alias", 0, "fail")
    assert none.problems[0].problem.startswith(
        f"no trusted live LiteLLM key carries the alias {ALIAS!r} ({RULE})"
    )
    assert "with the master key: POST /key/generate" in none.problems[0].fix

    _add(databases, "sk-openwebui-1-0123456789")
    one = inspect(bridge, settings)
    assert (one.live, one.problems) == (1, ())
    assert one.describe() == (
        f"recognised by trusted alias {ALIAS!r} ({RULE}); 1 live key(s) match: "
        + _named("sk-openwebui-1-0123456789")
    )
    # an expired and a blocked second key do not count
    past = datetime.now(UTC) - timedelta(hours=1)
    _add(databases, "sk-openwebui-2-0123456789", expires=past)
    _add(databases, "sk-openwebui-3-0123456789", blocked=True)
    _add(databases, "sk-openwebui-4-0123456789", expires=datetime.now(UTC) + timedelta(days=1))
    databases.litellm().execute(
        "UPDATE \"LiteLLM_VerificationToken\" SET key_alias = 'renamed' WHERE token = %s",
        (token_hash("sk-openwebui-4-0123456789"),),
    )
    still_one = inspect(bridge, settings)
    assert (still_one.live, still_one.blocked, still_one.expired, still_one.problems) == (
        1,
        1,
        1,
        (),
    )
    assert "1 live key(s) match, 1 blocked, 1 expired: sk-...6789" in still_one.describe()

    _add(databases, "sk-openwebui-5-0123456789", expires=datetime.now(UTC) + timedelta(days=1))
    two = inspect(bridge, settings)
    assert (two.live, two.result) == (2, "fail")
    (problem,) = two.problems
    assert problem.problem.startswith(f"2 trusted live keys carry the service-key alias {ALIAS!r}")
    assert "refused (503)" in problem.problem
    assert problem.fix.startswith("set BRIDGE_OPENWEBUI_SERVICE_KEY to the value")
    # set the value: the alias no longer counts, the duplicate is harmless
    by_value = inspect(bridge, _settings(databases, "sk-openwebui-1-0123456789"), MASTER_KEY)
    assert (by_value.mode, by_value.live, by_value.problems) == ("value", 1, ())


@only_newest
def test_only_one_blocked_alias_key(databases: Databases) -> None:
    _add(databases, "sk-openwebui-1-0123456789", blocked=True)
    found = inspect(databases.bridge_litellm(), _settings(databases))
    assert (found.live, found.blocked) == (0, 1)
    assert found.problems[0].problem.startswith("Open WebUI's service key is blocked")


def _people(conn: Any) -> None:
    seed.add_user(conn, "carol", "carol@x.test", role="proxy_admin")
    seed.add_user(conn, "bob", "bob@x.test")  # internal_user
    seed.add_user(conn, "vera", "vera@x.test", role="proxy_admin_viewer")
    seed.add_team(conn, "t-ai", "AI")
    seed.add_organization(conn, "o-corp", "Corp")


SQUATTER = "sk-bobs-own-named-after-it-9999"


@only_newest
@pytest.mark.parametrize(
    ("made", "reasons"),
    [
        ({}, ()),  # the master key made it: created_by is the master key's user id
        ({"created_by": "carol"}, ()),  # a proxy_admin user made it
        ({"created_by": "carol", "user_id": "carol"}, ()),  # and owns it
        # bob named a key of his own after the alias: LiteLLM records him as creator and owner
        (
            {"created_by": "bob", "user_id": "bob"},
            (
                "it was created by bob (role internal_user), not a proxy admin",
                "it is owned by bob (role internal_user), who is not a proxy admin and can "
                "manage it",
            ),
        ),
        (
            {"user_id": "bob"},
            (
                "it is owned by bob (role internal_user), who is not a proxy admin and can "
                "manage it",
            ),
        ),
        (
            {"team_id": "t-ai"},
            ("it belongs to team t-ai, whose admins can regenerate it and so hold its value",),
        ),
        (
            {"organization_id": "o-corp"},
            (
                "it belongs to organisation o-corp, whose admins can regenerate it and so hold "
                "its value",
            ),
        ),
        (
            {"created_by": "vera"},
            ("it was created by vera (role proxy_admin_viewer), not a proxy admin",),
        ),
        ({"created_by": None}, ("it was created by nobody recorded, not a proxy admin",)),
        (
            {"created_by": "ghost"},
            ("it was created by ghost (no LiteLLM user), not a proxy admin",),
        ),
    ],
)
def test_only_a_key_a_proxy_admin_made_and_no_one_else_holds_is_trusted(
    databases: Databases, made: dict[str, Any], reasons: tuple[str, ...]
) -> None:
    _people(databases.litellm())
    _add(databases, SQUATTER, **made)
    found = read(databases.bridge_litellm(), _settings(databases))
    if not reasons:
        assert (found.report.live, found.report.untrusted, found.report.problems) == (1, (), ())
        assert found.tokens == {token_hash(SQUATTER)}
        return
    assert (found.report.live, found.report.keys, found.tokens) == (0, (), frozenset())
    (untrusted,) = found.report.untrusted
    assert untrusted.reasons == reasons
    assert untrusted.key.key_name == _masked(SQUATTER)
    (problem,) = found.report.problems  # it also says there is no trusted key
    assert problem.severity == "fail"
    assert problem.problem.startswith(
        f"key {untrusted.key.describe()} carries the service-key alias {ALIAS!r} but is not "
        f"trusted: {'; '.join(reasons)}. Calls with it are ordinary calls"
    )
    assert problem.fix.startswith("delete it (POST /key/delete")
    assert "have a proxy admin create Open WebUI's key" in problem.fix


@only_newest
def test_trust_follows_the_creators_role(databases: Databases) -> None:
    """A key Carol made while a proxy admin stops being trusted when she is demoted; the
    master key's user id counts as an admin whatever row LiteLLM keeps for it (LiteLLM writes
    it as internal_user when the master key creates a team)."""
    conn, bridge, settings = databases.litellm(), databases.bridge_litellm(), _settings(databases)
    _people(conn)
    _add(databases, "sk-carols-0123456789", created_by="carol")
    assert read(bridge, settings).report.live == 1
    conn.execute(
        "UPDATE \"LiteLLM_UserTable\" SET user_role = 'internal_user' WHERE user_id = 'carol'"
    )
    demoted = read(bridge, settings)
    assert (demoted.report.live, demoted.tokens) == (0, frozenset())
    assert demoted.report.untrusted[0].reasons == (
        "it was created by carol (role internal_user), not a proxy admin",
    )
    conn.execute('DELETE FROM "LiteLLM_VerificationToken"')
    _add(databases, "sk-masters-0123456789")
    assert read(bridge, settings).report.live == 1
    seed.add_user(conn, ADMIN, None, role="proxy_admin")  # LiteLLM's UI login writes this row
    assert read(bridge, settings).report.live == 1
    conn.execute(
        "UPDATE \"LiteLLM_UserTable\" SET user_role = 'internal_user' WHERE user_id = %s", (ADMIN,)
    )
    assert read(bridge, settings).report.live == 1
    # the admin's id is the running proxy's, passed in (never written into the SQL)
    assert read(bridge, settings, admin_name="someone-else").report.live == 0


def _soon(check: Callable[[], bool], what: str) -> None:
    """Wait for ``check``: the worker polls every minute and does not sweep here, so only the
    change's own signal can make it true in time (10 s: a ceiling for a loaded machine; the
    path takes milliseconds)."""
    deadline = time.monotonic() + 10
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"not within 10 s: {what}")
        time.sleep(0.05)


def _worker(settings: Settings, enforcer: Enforcer, **extra: Any) -> BridgeWorker:
    return BridgeWorker(
        settings,
        sweeps=False,
        on_access=enforcer.load,
        on_service_key=enforcer.service_key_seen,
        **extra,
    )


def _listening(conn: Any) -> bool:
    """A worker has subscribed to the notifications (its last statement on that connection)."""
    row = conn.execute(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() "
        "AND query LIKE 'LISTEN litellm_bridge_access%'"
    ).fetchone()
    return bool(row and row["n"])


@only_newest
def test_the_worker_reads_a_new_service_key_at_once(databases: Databases) -> None:
    """Nothing is the service key before the worker has read it; the operator's new key counts
    as soon as its change is signalled, and a deleted one stops counting as fast: a key made by
    SQL that names no user or team enqueues nothing, but its trigger wakes the worker."""
    bridge = databases.bridge_litellm()
    bridge_db.ensure_schema(bridge)
    triggers.install(bridge)
    settings = _settings(databases).model_copy(update={"poll_interval": 60.0})
    enforcer = Enforcer(settings)
    hashed = token_hash(SERVICE_KEY)
    _add(databases, SERVICE_KEY)
    assert not enforcer.is_service_key(hashed)  # not read yet
    conn = databases.litellm()
    worker = _worker(settings, enforcer)
    worker.start()
    try:
        _soon(lambda: _listening(conn), "the worker listening")
        conn.execute('DELETE FROM "LiteLLM_VerificationToken"')
        _soon(lambda: worker._service_key_line is not None, "the deletion read")
        assert not enforcer.is_service_key(hashed)
        _add(databases, SERVICE_KEY)
        _soon(lambda: enforcer.is_service_key(hashed), "the new key recognised")
        conn.execute("UPDATE \"LiteLLM_VerificationToken\" SET user_id = 'bob', created_by = 'bob'")
        _soon(lambda: not enforcer.is_service_key(hashed), "the key no longer trusted")
    finally:
        worker.stop()


@only_newest
def test_signals_and_announcements_reread_the_service_key(databases: Databases) -> None:
    """Without triggers: a management call's signal reads the service key with its reconcile,
    and still when that reconcile fails (Open WebUI unreachable); another proxy process hears
    the announcement and reads it too."""
    hashed = token_hash(SERVICE_KEY)
    _add(databases, SERVICE_KEY)
    unreachable = _settings(databases).model_copy(
        update={"openwebui_database_url": "postgresql://nobody@127.0.0.1:9/none"}
    )
    for settings in (_settings(databases), unreachable):
        enforcer = Enforcer(settings)
        worker = _worker(settings, enforcer)
        worker.start()
        try:
            worker.submit([EVERYTHING])  # what the tap sends after /key/generate
            _soon(partial(enforcer.is_service_key, hashed), "the key read after the signal")
        finally:
            worker.stop()
    # a proxy process (it keeps the check fresh on a thread of its own) told by another
    enforcer = Enforcer(_settings(databases))
    worker = _worker(_settings(databases), enforcer, on_spend=lambda figures: None)
    conn = databases.litellm()
    worker.start()
    try:
        _soon(lambda: _listening(conn), "the worker listening")
        broadcast.announce(conn, None)
        _soon(lambda: enforcer.is_service_key(hashed), "the key read after the announcement")
    finally:
        worker.stop()


def test_the_master_key_as_the_proxy_finds_it(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("general_settings:\n  master_key: os.environ/MY_MASTER\n")
    assert proxy_master_key(config, {"MY_MASTER": "sk-a", "LITELLM_MASTER_KEY": "sk-b"}) == "sk-a"
    assert proxy_master_key(config, {"LITELLM_MASTER_KEY": "sk-b"}) == "sk-b"
    config.write_text("general_settings:\n  master_key: sk-literal\n")
    assert proxy_master_key(config, {}) == "sk-literal"
    config.write_text("model_list: []\n")
    assert proxy_master_key(config, {"LITELLM_MASTER_KEY": "sk-b"}) == "sk-b"
    assert proxy_master_key(None, {}) is None
    config.write_text(": not yaml [")
    assert proxy_master_key(config, {}) is None


@only_newest
def test_doctor_and_status_name_the_service_key(
    databases: Databases, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("BRIDGE_OPENWEBUI_SERVICE_KEY", raising=False)
    monkeypatch.delenv("BRIDGE_LITELLM_CONFIG", raising=False)
    monkeypatch.delenv("LITELLM_MASTER_KEY", raising=False)
    monkeypatch.setenv("BRIDGE_LITELLM_DATABASE_URL", databases.litellm_url)
    monkeypatch.setenv("BRIDGE_OPENWEBUI_DATABASE_URL", databases.openwebui_url)
    _add(databases, "sk-openwebui-1-0123456789")
    _add(databases, "sk-openwebui-2-0123456789")

    main(["doctor"])
    out = capsys.readouterr().out
    assert (
        "FAIL service key: 2 trusted live keys carry the service-key alias 'openwebui_global_key'"
        in out
    )
    assert "fix: set BRIDGE_OPENWEBUI_SERVICE_KEY to the value of Open WebUI's key" in out
    main(["status"])
    out = capsys.readouterr().out
    assert (
        f"service key: recognised by trusted alias 'openwebui_global_key' ({RULE}); "
        f"2 live key(s) match: {_named('sk-openwebui-1-0123456789')}; "
        f"{_named('sk-openwebui-2-0123456789')}" in out
    )
    assert "  fail:     2 trusted live keys carry" in out

    # the value set, and the master key known from the environment as LiteLLM reads it
    monkeypatch.setenv("BRIDGE_OPENWEBUI_SERVICE_KEY", MASTER_KEY)
    monkeypatch.setenv("LITELLM_MASTER_KEY", MASTER_KEY)
    main(["status", "--json"])
    out = capsys.readouterr().out
    assert '"master_key": true' in out and '"live": 1' in out and MASTER_KEY not in out
    main(["doctor"])
    out = capsys.readouterr().out
    assert "warn service key: Open WebUI holds the proxy's master key" in out
    assert "FAIL service key" not in out


@only_newest
def test_doctor_fails_on_a_key_named_after_the_alias_by_someone_else(
    databases: Databases, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bob, an internal_user, made a key of his own and named it after the alias (LiteLLM lets
    anyone name their keys): doctor and status name it (masked key, owner, creator), say why it
    is not Open WebUI's and how to fix it, and print neither its value nor its hash."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("BRIDGE_OPENWEBUI_SERVICE_KEY", raising=False)
    monkeypatch.delenv("BRIDGE_LITELLM_CONFIG", raising=False)
    monkeypatch.setenv("BRIDGE_LITELLM_DATABASE_URL", databases.litellm_url)
    monkeypatch.setenv("BRIDGE_OPENWEBUI_DATABASE_URL", databases.openwebui_url)
    _people(databases.litellm())
    _add(databases, SQUATTER, user_id="bob", created_by="bob")

    main(["doctor"])
    out = capsys.readouterr().out
    assert (
        f"FAIL service key: key {_named(SQUATTER, owner='bob', creator='bob')} carries the "
        f"service-key alias {ALIAS!r} but is not trusted: it was created by bob (role "
        "internal_user), not a proxy admin; it is owned by bob (role internal_user)" in out
    )
    assert "X-OpenWebUI-User-* headers are ignored" in out
    assert "fix: delete it (POST /key/delete" in out
    assert "have a proxy admin create Open WebUI's key (with the master key" in out
    assert "BRIDGE_OPENWEBUI_SERVICE_KEY" in out
    assert (
        f"1 untrusted key(s) carry the alias: {_named(SQUATTER, owner='bob', creator='bob')}" in out
    )
    main(["status", "--json"])
    status = capsys.readouterr().out
    assert '"untrusted": [' in status and '"reasons": [' in status
    for text in (out, status):
        assert SQUATTER not in text and token_hash(SQUATTER) not in text

    # Open WebUI's own key beside it (LiteLLM refuses a second alias; SQL does not): the
    # operator's key is the service key, and doctor still fails on Bob's
    _add(databases, SERVICE_KEY)
    both = inspect(databases.bridge_litellm(), _settings(databases))
    assert (both.live, both.result, len(both.problems)) == (1, "fail", 1)
    assert both.problems[0].problem.startswith(
        f"key {_named(SQUATTER, owner='bob', creator='bob')}"
    )
    # the operator deletes it: ok
    databases.litellm().execute(
        'DELETE FROM "LiteLLM_VerificationToken" WHERE token = %s', (token_hash(SQUATTER),)
    )
    main(["doctor"])
    out = capsys.readouterr().out
    assert (
        f"ok   service key: recognised by trusted alias {ALIAS!r} ({RULE}); 1 live key(s) " in out
    )
    assert f"match: {_named(SERVICE_KEY)}" in out and token_hash(SERVICE_KEY) not in out


@only_newest
@pytest.mark.parametrize(
    ("routes", "warned"),
    [
        (list(OPENWEBUI_ROUTES), None),
        (["/v1/chat/completions", "/chat/completions", "/v1/images/generations"], None),
        ([], "may call every LiteLLM route (its allowed_routes is empty)"),
        (["llm_api_routes"], "include llm_api_routes, which admit routes"),
        (["/v1/chat/completions", "openai_routes"], "include openai_routes, which"),
        (["/v1/models", "/models"], "include /models, which"),  # prefix: Google's routes
        (["/openai/*", "/v1/threads"], "include /openai/*, /v1/threads, which"),
    ],
)
def test_routes_that_skip_the_check_are_warned_about(
    databases: Databases,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    routes: list[str],
    warned: str | None,
) -> None:
    """The service key's allowed_routes are read from LiteLLM's key table, by value or
    alias: a key that may reach a route LiteLLM runs without the bridge's check is named."""
    _add(databases, SERVICE_KEY, allowed_routes=routes)
    bridge = databases.bridge_litellm()
    for settings in (_settings(databases, SERVICE_KEY), _settings(databases)):
        found = inspect(bridge, settings, MASTER_KEY)
        assert found.live == 1 and found.allowed_routes == (tuple(routes),)
        if warned is None:
            assert found.problems == ()
            continue
        (problem,) = found.problems
        assert problem.severity == "warn" and warned in problem.problem
        assert "whoever holds" in problem.problem and "not checked" in problem.problem
        assert problem.fix.startswith("limit it to the routes Open WebUI calls: POST /key/update")
        assert '["/v1/chat/completions", "/v1/models", "/v1/embeddings"]' in problem.fix
        text = repr(found.as_dict()) + startup_line(bridge, settings, MASTER_KEY)[1]
        assert SERVICE_KEY not in text and token_hash(SERVICE_KEY) not in text
    if warned is None:
        return
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("BRIDGE_OPENWEBUI_SERVICE_KEY", raising=False)
    monkeypatch.setenv("BRIDGE_LITELLM_DATABASE_URL", databases.litellm_url)
    monkeypatch.setenv("BRIDGE_OPENWEBUI_DATABASE_URL", databases.openwebui_url)
    main(["doctor"])
    assert f"warn service key: {found.problems[0].problem}" in capsys.readouterr().out


UNCHECKED = (
    "/openai/v1/chat/completions",  # pass-through: no pre-call hook
    "/anthropic/v1/messages",
    "/bedrock/model/x/invoke",
    "/vertex_ai/v1/projects/p/locations/l/publishers/google/models/m:generateContent",
    "/v1/threads/thread_x/runs",
    "/v1/threads",
    "/v1/assistants",
    "/a2a/agent-1",
    "/mcp/tools/call",
    "/v1/rag/ingest",
    "/utils/token_counter",
    "/models/gemini-pro:generateContent",
    "/v1/responses/resp_1",
    "/v1/files",
    "/key/generate",
)


def test_litellm_admits_exactly_the_routes_the_bridge_calls_checked() -> None:
    """LiteLLM's own route check (the gate user_api_key_auth runs on every call) with a key
    limited to the checked routes: those pass, every route the check never sees is refused."""
    from fastapi import HTTPException
    from litellm.proxy._types import UserAPIKeyAuth
    from litellm.proxy.auth.route_checks import RouteChecks

    holder = UserAPIKeyAuth(api_key="hashed", allowed_routes=sorted(CHECKED_ROUTES))
    for route in CHECKED_ROUTES:
        assert RouteChecks.is_virtual_key_allowed_to_call_route(route, holder), route
    # the paths below an entry (/v1/models/{id}) are admitted by 1.106+ and refused by 1.77.3,
    # which matches entries exactly: stricter, and nothing unchecked either way
    for route in UNCHECKED:
        # refused: a 403 (1.77.3 raises a plain Exception, which the proxy answers with 401)
        with pytest.raises(Exception) as refused:
            RouteChecks.is_virtual_key_allowed_to_call_route(route, holder)
        assert "not allowed to call" in str(refused.value) or (
            isinstance(refused.value, HTTPException) and refused.value.status_code == 403
        ), route
    # what the checked list guards against: the group admits routes the check never sees
    # (1.106+ every one of them, 1.77.3 those its group had then)
    group = UserAPIKeyAuth(api_key="hashed", allowed_routes=["llm_api_routes"])

    def admits(route: str) -> bool:
        try:
            return bool(RouteChecks.is_virtual_key_allowed_to_call_route(route, group))
        except Exception:
            return False

    admitted = [r for r in UNCHECKED if r != "/key/generate" and admits(r)]
    assert len(admitted) >= 3, admitted
