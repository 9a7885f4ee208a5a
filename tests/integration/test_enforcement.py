"""The proxy's check, without the proxy: identity headers, the service key, grants, budgets.

The grants are read from LiteLLM's real tables (the guide's scenario); the hook is called
with LiteLLM's own ``UserAPIKeyAuth`` objects. The same check inside the running proxy is in
tests/integration/test_enforcement_proxy.py.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi import HTTPException
from litellm.proxy._types import UserAPIKeyAuth, hash_token

from devtools import litellm_seed as seed
from litellm_bridge_plugin.litellm import service_key
from litellm_bridge_plugin.litellm.access_reads import read_access
from litellm_bridge_plugin.proxy.enforcement import MASTER_KEY_ALIAS, Enforcer, attribute
from litellm_bridge_plugin.proxy.identity import IdentityError, identity_of
from litellm_bridge_plugin.proxy.plugin import BridgePlugin
from litellm_bridge_plugin.settings import Settings, load_settings
from tests.fixtures.support import Databases

only_newest = pytest.mark.parametrize("databases", ["0.12.4"], indirect=True)
SERVICE_KEY = "sk-openwebui-service"
S = "a-jwt-secret-of-at-least-32-bytes!"
OWUI = {"iss": "open-webui"}


def _settings(databases: Databases, **extra: object) -> Settings:
    return load_settings(
        litellm_database_url=databases.litellm_url,
        openwebui_database_url=databases.openwebui_url,
        openwebui_service_key=SERVICE_KEY,
        **extra,
    )


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _loaded(databases: Databases, clock: Clock | None = None, **extra: object) -> Enforcer:
    seed.seed_scenario(databases.litellm())
    enforcer = Enforcer(_settings(databases, **extra), clock=clock or Clock())
    enforcer.load(read_access(databases.litellm()))
    return enforcer


@pytest.mark.parametrize(
    ("headers", "secret", "expected"),
    [
        ({}, None, None),
        ({"x-openwebui-user-email": "  "}, None, None),
        ({"x-openwebui-user-email": "Alice@X.test"}, None, ("alice@x.test", None)),
        ({"x-openwebui-user-id": "u-1"}, None, (None, "u-1")),
        (
            {"x-openwebui-user-email": "a@x.test", "x-openwebui-user-id": "u"},
            None,
            ("a@x.test", "u"),
        ),
        ({}, S, None),
    ],
)
def test_identity_from_headers(
    headers: dict[str, str], secret: str | None, expected: tuple[str | None, str | None] | None
) -> None:
    found = identity_of(headers, secret)
    assert (None if found is None else (found.email, found.openwebui_id)) == expected


@pytest.mark.parametrize(
    ("headers", "status", "words"),
    [
        ({"x-openwebui-user-email": "no-at-sign"}, 400, "not an email"),
        ({"x-openwebui-user-email": "a@" + "x" * 400}, 400, "too long"),
        ({"x-openwebui-user-email": "a@x.test\r\nX-Evil: 1"}, 400, "control characters"),
        ({"x-openwebui-user-id": "id\x00"}, 400, "control characters"),
        ({"x-openwebui-user-email": "a@x.test"}, 401, "signed x-openwebui-user-jwt is required"),
        ({"x-openwebui-user-jwt": "a.b.c"}, 401, "not valid"),
        ({"x-openwebui-user-jwt": "x" * 9000}, 400, "too long"),
    ],
)
def test_hostile_identity_headers(headers: dict[str, str], status: int, words: str) -> None:
    secret = S if "jwt" in words or "x-openwebui-user-jwt" in headers else None
    with pytest.raises(IdentityError) as caught:
        identity_of(headers, secret)
    assert caught.value.status == status and words in caught.value.message


def test_signed_identity_claims() -> None:
    now = datetime.now(UTC)
    exp = now + timedelta(minutes=5)
    # Open WebUI 0.12's own token: sub, email, name, role, iss, iat, exp
    token = jwt.encode(
        {"sub": "u-1", "email": "Bob@X.test", "name": "Bob", "role": "user", "iat": now}
        | OWUI
        | {"exp": exp},
        S,
    )
    found = identity_of({"x-openwebui-user-jwt": token}, S)
    assert found is not None and (found.email, found.openwebui_id, found.signed) == (
        "bob@x.test",
        "u-1",
        True,
    )
    for claims, words in (
        ({"email": "b@x.test"} | OWUI, "not valid"),  # no exp
        ({"email": "b@x.test", "exp": exp}, "not valid"),  # no iss
        ({"email": "b@x.test", "exp": exp, "iss": "someone"}, "not issued by Open WebUI"),
        ({"exp": exp} | OWUI, "names no email and no id"),
        ({"exp": exp, "email": 7} | OWUI, "not an email"),
        # minted for a year: a leaked one would be good for a year
        (
            {"email": "b@x.test", "iat": now, "exp": now + timedelta(days=365)} | OWUI,
            "lives longer than BRIDGE_OPENWEBUI_JWT_MAX_AGE",
        ),
        ({"email": "b@x.test", "exp": now + timedelta(days=2)} | OWUI, "lives longer"),
        ({"email": "b@x.test", "iat": "yesterday", "exp": exp} | OWUI, "iat"),
    ):
        with pytest.raises(IdentityError) as caught:
            identity_of({"x-openwebui-user-jwt": jwt.encode(claims, S)}, S)
        assert caught.value.status in (400, 401) and words in caught.value.message, claims
    long_lived = jwt.encode(
        {"email": "b@x.test", "iat": now, "exp": now + timedelta(hours=5)} | OWUI, S
    )
    assert identity_of({"x-openwebui-user-jwt": long_lived}, S, max_age=6 * 3600) is not None
    none_alg = jwt.encode({"email": "b@x.test", "exp": exp} | OWUI, None, algorithm="none")
    with pytest.raises(IdentityError):
        identity_of({"x-openwebui-user-jwt": none_alg}, S)


def test_short_jwt_secrets_are_a_settings_error() -> None:
    from litellm_bridge_plugin.errors import SettingsError

    with pytest.raises(SettingsError) as caught:
        load_settings(
            litellm_database_url="postgresql://x@h/l",
            openwebui_database_url="postgresql://x@h/o",
            openwebui_jwt_secret="short-secret",
        )
    assert "BRIDGE_OPENWEBUI_JWT_SECRET: must be at least 32 bytes" in str(caught.value)


@only_newest
def test_service_key_by_hash_or_master_key(databases: Databases) -> None:
    enforcer = Enforcer(_settings(databases), master_key=lambda: SERVICE_KEY)
    assert not enforcer.is_service_key("whatever")  # value set: only it
    assert enforcer.is_service_key(hash_token(SERVICE_KEY))
    assert enforcer.is_service_key(MASTER_KEY_ALIAS)  # the service key is the master key
    assert not enforcer.is_service_key(hash_token("sk-other"))
    assert not enforcer.is_service_key(None)
    other_master = Enforcer(_settings(databases), master_key=lambda: "sk-master")
    assert not other_master.is_service_key(MASTER_KEY_ALIAS)
    # 1.77.3 passes a master key that does not start with sk- on as it is: that value is the
    # service key only when it is the master key and the master key is the service key
    assert enforcer.is_service_key(SERVICE_KEY)
    assert not other_master.is_service_key("sk-master")
    assert not other_master.is_service_key(SERVICE_KEY)


@only_newest
def test_verdicts_on_the_guides_scenario(databases: Databases) -> None:
    enforcer = _loaded(databases)

    def check(email: str | None, model: str | None = "gpt-4") -> tuple[int, str]:
        headers = {"x-openwebui-user-email": email} if email else {}
        verdict = enforcer.check(headers, [model] if model else [])
        return verdict.status, verdict.message + " | " + verdict.detail

    assert check("alice@techcompany.com") == (200, " | ")
    assert check("bob@techcompany.com", "gpt-3.5-turbo") == (200, " | ")
    status, message = check("alice@techcompany.com", None)
    assert status == 400 and "must name a model" in message
    status, message = check("bob@techcompany.com", "claude-3-sonnet")
    said, logged = message.split(" | ")
    assert status == 403 and said == "model claude-3-sonnet: LiteLLM does not grant it to you"
    assert "LiteLLM user bob" in logged and "key bob-basic is limited to" in logged
    assert check("frank@techcompany.com", "gpt-3.5-turbo")[0] == 400
    assert check("nobody@techcompany.com")[0] == 403
    assert check(None)[0] == 401
    # two LiteLLM users with one email cannot be told apart
    seed.add_user(databases.litellm(), "alice2", "ALICE@techcompany.com")
    enforcer.load(read_access(databases.litellm()))
    status, message = check("alice@techcompany.com")
    said, logged = message.split(" | ")
    assert status == 403 and "cannot be told apart" in said and "alice2" not in said
    assert "2 LiteLLM users have email" in logged


@only_newest
def test_open_webui_ids_resolve_through_the_bridges_links(databases: Databases) -> None:
    from litellm_bridge_plugin.engine.sync import reconcile

    seed.seed_scenario(databases.litellm())
    settings = _settings(databases)
    reconcile(settings)
    alice_id = databases.owui_users()["alice@techcompany.com"]["id"]
    bob_id = databases.owui_users()["bob@techcompany.com"]["id"]
    enforcer = Enforcer(settings)
    enforcer.load(read_access(databases.litellm()))
    assert enforcer.check({"x-openwebui-user-id": alice_id}, ["gpt-4"]).user_id == "alice"
    mixed = {"x-openwebui-user-id": bob_id, "x-openwebui-user-email": "alice@techcompany.com"}
    verdict = enforcer.check(mixed, ["gpt-4"])
    assert verdict.status == 403 and "do not belong together" in verdict.message
    assert "is linked to bob" in verdict.detail
    # an Open WebUI account the bridge never linked (someone's own sign-up) cannot borrow a
    # LiteLLM user's email, even when the email alone would be allowed
    unlinked = {
        "x-openwebui-user-id": "self-made",
        "x-openwebui-user-email": "alice@techcompany.com",
    }
    assert enforcer.check(unlinked, ["gpt-4"]).status == 403
    # LiteLLM's email with stray spaces and capitals is the same person everywhere
    databases.litellm().execute(
        'UPDATE "LiteLLM_UserTable" SET user_email = %s WHERE user_id = %s',
        (" Alice@TechCompany.com ", "alice"),
    )
    enforcer.load(read_access(databases.litellm()))
    both = {"x-openwebui-user-id": alice_id, "x-openwebui-user-email": "alice@techcompany.com"}
    assert enforcer.check(both, ["gpt-4"]).user_id == "alice"


@only_newest
def test_anonymous_calls_not_loaded_and_stale_grants(databases: Databases) -> None:
    clock = Clock()
    enforcer = Enforcer(_settings(databases), clock=clock)
    assert enforcer.check({"x-openwebui-user-email": "a@x.test"}, ["gpt-4"]).status == 503
    enforcer = _loaded(databases, clock, allow_anonymous_service_calls=True)
    assert enforcer.check({}, ["gpt-4"]).allowed
    assert enforcer.check({"x-openwebui-user-email": "who@x.test"}, ["gpt-4"]).allowed
    refused = enforcer.check({"x-openwebui-user-email": "bob@techcompany.com"}, ["claude-3-sonnet"])
    assert refused.status == 403  # a known person is still held to their grant
    # contradictory or ambiguous identities are never waved through as "anonymous"
    contradicting = {"x-openwebui-user-email": "who@x.test", "x-openwebui-user-id": "u-1"}
    assert enforcer.check(contradicting, ["gpt-4"]).allowed  # neither is anyone: a stranger
    seed.add_user(databases.litellm(), "bob2", "BOB@techcompany.com")
    enforcer.load(read_access(databases.litellm()))
    assert (
        enforcer.check({"x-openwebui-user-email": "bob@techcompany.com"}, ["gpt-4"]).status == 403
    )
    clock.now += enforcer.stale_after + 1
    stale = enforcer.check({"x-openwebui-user-email": "bob@techcompany.com"}, ["gpt-4"])
    assert stale.status == 503 and "old" in stale.message


@only_newest
def test_scoped_loads_merge_and_deleted_users_go(databases: Databases) -> None:
    enforcer = _loaded(databases)
    conn = databases.litellm()
    assert (
        enforcer.check({"x-openwebui-user-email": "dave@techcompany.com"}, ["gpt-4"]).status == 403
    )
    seed.add_key(conn, "hashed-dave", "dave-4", "dave", ["gpt-4"])
    seed.delete_user(conn, "erin")
    # what the worker hands over after a reconcile scoped to Dave and Erin
    enforcer.load(read_access(conn, {"dave", "erin"}), frozenset({"dave", "erin"}))
    assert enforcer.check({"x-openwebui-user-email": "dave@techcompany.com"}, ["gpt-4"]).allowed
    assert (
        enforcer.check({"x-openwebui-user-email": "erin@techcompany.com"}, ["gpt-4"]).status == 403
    )
    assert enforcer.check({"x-openwebui-user-email": "alice@techcompany.com"}, ["gpt-4"]).allowed


@only_newest
def test_a_read_for_a_few_users_reads_only_the_teams_they_touch(databases: Databases) -> None:
    """An access refresh after one change reads that person's teams and organisations, not
    the organisation's; the merge keeps the rest, and a team asked for and gone is gone."""
    enforcer = _loaded(databases)
    conn = databases.litellm()
    alice = {"x-openwebui-user-email": "alice@techcompany.com"}
    assert enforcer.check(alice, ["gpt-4"]).allowed
    dave = read_access(conn, {"dave"})
    assert dave.read_teams is not None and "team-ai-research" not in dave.read_teams
    assert set(dave.teams) == set(dave.read_teams) and set(dave.organizations) <= {
        "org-tech-company"
    }
    conn.execute(
        "UPDATE \"LiteLLM_TeamTable\" SET blocked = true WHERE team_id = 'team-ai-research'"
    )
    enforcer.load(read_access(conn, {"dave"}), frozenset({"dave"}))
    assert enforcer.check(alice, ["gpt-4"]).allowed  # not Dave's team: kept as it was read
    enforcer.load(read_access(conn, {"alice"}), frozenset({"alice"}))
    assert enforcer.check(alice, ["gpt-4"]).status == 403  # Alice's read saw the block
    conn.execute("DELETE FROM \"LiteLLM_TeamTable\" WHERE team_id = 'team-ai-research'")
    enforcer.load(read_access(conn, {"alice"}), frozenset({"alice"}))
    assert enforcer._loaded is not None
    assert "team-ai-research" not in enforcer._loaded.state.teams  # asked for, gone
    assert "team-product" in enforcer._loaded.state.teams  # not asked for, kept


@only_newest
def test_a_cached_decision_ends_when_a_key_expires(databases: Databases) -> None:
    enforcer = _loaded(databases)
    conn = databases.litellm()
    conn.execute(
        "UPDATE \"LiteLLM_VerificationToken\" SET expires = (now() AT TIME ZONE 'UTC') "
        "+ interval '1 second' WHERE key_alias = 'bob-premium-7d'"
    )
    enforcer.load(read_access(conn))
    bob = {"x-openwebui-user-email": "bob@techcompany.com"}
    assert enforcer.check(bob, ["gpt-4"]).allowed
    import time

    time.sleep(1.2)
    verdict = enforcer.check(bob, ["gpt-4"])
    assert verdict.message == "model gpt-4: the LiteLLM key that granted it to you has expired"
    assert "key bob-premium-7d expired at" in verdict.detail
    # a model no key of his ever granted is "not granted", not "expired"
    assert "does not grant" in enforcer.check(bob, ["claude-3-sonnet"]).message


def _hook(plugin: BridgePlugin, auth: UserAPIKeyAuth, data: dict[str, Any]) -> dict[str, Any]:
    return asyncio.run(plugin.async_pre_call_hook(auth, None, data, "acompletion"))


@only_newest
def test_the_hook_attributes_and_leaves_other_keys_alone(databases: Databases) -> None:
    seed.seed_scenario(databases.litellm())
    plugin = BridgePlugin(_settings(databases), start=False)
    plugin.enforcer.load(read_access(databases.litellm()))
    headers = {"X-OpenWebUI-User-Email": "alice@techcompany.com"}
    service = UserAPIKeyAuth(api_key=hash_token(SERVICE_KEY), user_id="svc")
    data = {
        "model": "gpt-4",
        "proxy_server_request": {"headers": headers},
        "metadata": {"user_api_key_user_id": "svc", "user_api_key_user_email": None},
    }
    out = _hook(plugin, service, data)
    assert out["metadata"]["user_api_key_user_id"] == "alice"
    assert out["metadata"]["user_api_key_user_email"] == "alice@techcompany.com"
    with pytest.raises(HTTPException) as refused:
        _hook(plugin, service, data | {"model": "gpt-3.5-turbo"})
    assert refused.value.status_code == 403
    # any other key: untouched, even when it sends the headers and asks for anything
    other = UserAPIKeyAuth(api_key=hash_token("sk-bobs-own"), key_alias="bob-basic")
    untouched = {"model": "claude-3-sonnet", "proxy_server_request": {"headers": headers}}
    assert _hook(plugin, other, dict(untouched)) == untouched


def test_attribution_without_metadata() -> None:
    from litellm_bridge_plugin.proxy.enforcement import Verdict

    data: dict[str, Any] = {"metadata": None}
    attribute(data, Verdict(True, user_id="bob", email="bob@x.test"))
    assert data["metadata"] == {
        "user_api_key_user_id": "bob",
        "user_api_key_user_email": "bob@x.test",
    }
    data = {"litellm_metadata": {"user_api_key_user_id": "svc"}}
    attribute(data, Verdict(True, user_id="bob", email=None))
    assert data["litellm_metadata"]["user_api_key_user_id"] == "bob" and "metadata" not in data
    data = {}
    attribute(data, Verdict(True))
    assert data == {}


class _LogLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _refusal(plugin: BridgePlugin, email: str, model: str) -> str | None:
    """What the person reads when the hook refuses the call (None: allowed)."""
    service = UserAPIKeyAuth(api_key=hash_token(SERVICE_KEY), user_id="svc")
    data = {
        "model": model,
        "proxy_server_request": {"headers": {"X-OpenWebUI-User-Email": email}},
        "metadata": {"user_api_key_user_id": "svc"},
    }
    try:
        _hook(plugin, service, data)
    except HTTPException as exc:
        assert exc.status_code == 400, exc.detail
        return str(exc.detail["error"])
    return None


@only_newest
def test_every_budget_on_the_way_is_named(databases: Databases) -> None:
    """Each budget of the granting key is applied by LiteLLM's own check (its key, team and
    team-member budget functions, run by the hook with the person's key object): so LiteLLM's
    rules hold, e.g. a team is refused only once spend passes its budget, and a member's
    temporary budget increase counts. The user's own budget (LiteLLM checks it inside
    common_checks only) and the organisation's are the bridge's, by LiteLLM's rule."""
    seed.seed_scenario(databases.litellm())
    conn = databases.litellm()
    plugin = BridgePlugin(_settings(databases), start=False)

    def refusal(email: str, model: str) -> str | None:
        plugin.enforcer.load(read_access(conn))
        return _refusal(plugin, email, model)

    logged = _LogLines()
    logging.getLogger("litellm_bridge").addHandler(logged)
    conn.execute(
        'UPDATE "LiteLLM_VerificationToken" SET spend = 5, max_budget = 5 '
        "WHERE key_alias = 'bob-basic'"
    )
    said = refusal("bob@techcompany.com", "gpt-3.5-turbo")
    assert said == "model gpt-3.5-turbo: your key's LiteLLM budget of $5.00 is used up"
    assert "the key budget on the way of key bob-basic is used up" in str(logged.lines)
    assert refusal("bob@techcompany.com", "gpt-4") is None  # his other key is within budget
    team = 'UPDATE "LiteLLM_TeamTable" SET spend = %s, max_budget = 50 WHERE team_id = %s'
    conn.execute(team, (50, "team-ai-research"))
    assert refusal("alice@techcompany.com", "gpt-4") is None  # LiteLLM: spend must pass it
    conn.execute(team, (80, "team-ai-research"))
    said = refusal("alice@techcompany.com", "gpt-4")
    assert said == "model gpt-4: your team's LiteLLM budget of $50.00 is used up"
    conn.execute(team, (0, "team-ai-research"))
    # Alice's own budget within the team, with a temporary increase while it lasts (on
    # releases whose schema has temporary increases: 1.77.3's has not)
    temporary = conn.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_name = 'LiteLLM_BudgetTable' "
        "AND column_name = 'temp_budget_increase'"
    ).fetchone()
    conn.execute(
        'INSERT INTO "LiteLLM_BudgetTable" (budget_id, max_budget, budget_reset_at, created_by, '
        "updated_by) VALUES ('alice-in-research', 20, '2026-12-01', 'test', 'test')"
    )
    conn.execute(
        'UPDATE "LiteLLM_TeamMembership" SET spend = 25, budget_id = %s '
        "WHERE user_id = 'alice' AND team_id = 'team-ai-research'",
        ("alice-in-research",),
    )
    if temporary:
        conn.execute(
            'UPDATE "LiteLLM_BudgetTable" SET temp_budget_increase = 10, '
            "temp_budget_expiry = now() + interval '1 day' WHERE budget_id = 'alice-in-research'"
        )
        assert refusal("alice@techcompany.com", "gpt-4") is None  # 25 < 20 + 10
        conn.execute(
            "UPDATE \"LiteLLM_BudgetTable\" SET temp_budget_expiry = now() - interval '1 second' "
            "WHERE budget_id = 'alice-in-research'"
        )
    said = refusal("alice@techcompany.com", "gpt-4")
    assert said == (
        "model gpt-4: your LiteLLM budget in your team of $20.00 is used up; "
        "it resets on 2026-12-01 00:00 UTC"
    )
    conn.execute('UPDATE "LiteLLM_TeamMembership" SET spend = 0')
    # the user's own budget: on a personal key always, on a team key only when the proxy
    # sets general_settings.apply_user_budget_to_team_keys (LiteLLM's rule)
    conn.execute(
        'UPDATE "LiteLLM_UserTable" SET spend = 3, max_budget = 2.5, '
        "budget_reset_at = '2026-12-01 00:00:00' WHERE user_id IN ('dave', 'alice')"
    )
    seed.add_key(conn, "hashed-dave-4", "dave-4", "dave", ["gpt-4"])
    assert refusal("dave@techcompany.com", "gpt-4") == (
        "model gpt-4: your LiteLLM budget of $2.50 is used up; it resets on 2026-12-01 00:00 UTC"
    )
    assert refusal("alice@techcompany.com", "gpt-4") is None
    plugin.enforcer._general = lambda: {"apply_user_budget_to_team_keys": True}
    assert refusal("alice@techcompany.com", "gpt-4") == (
        "model gpt-4: your LiteLLM budget of $2.50 is used up; it resets on 2026-12-01 00:00 UTC"
    )
    conn.execute(
        'UPDATE "LiteLLM_OrganizationTable" SET spend = 1000 '
        "WHERE organization_id = 'org-tech-company'"
    )
    said = refusal("carol@techcompany.com", "gpt-4")
    assert said is not None and said.startswith("model gpt-4: your organisation's LiteLLM budget")
    logging.getLogger("litellm_bridge").removeHandler(logged)
    assert logged.lines and not [line for line in logged.lines if "hashed-" in line]


@only_newest
def test_access_source_user(databases: Databases) -> None:
    enforcer = _loaded(databases, access_source="user")
    dave = {"x-openwebui-user-email": "dave@techcompany.com"}
    assert enforcer.check(dave, ["gpt-4"]).allowed  # no key needed: the user's own models
    bob = {"x-openwebui-user-email": "bob@techcompany.com"}
    assert enforcer.check(bob, ["gpt-3.5-turbo"]).allowed
    assert enforcer.check(bob, ["gpt-4"]).status == 403  # Bob's user models say gpt-3.5 only
    frank = {"x-openwebui-user-email": "frank@techcompany.com"}
    assert enforcer.check(frank, ["gpt-4"]).status == 400


@pytest.mark.parametrize(
    ("body", "reached"),
    [
        ({"model": "gpt-4"}, ["gpt-4"]),
        ({"model": "gpt-4, claude-3-sonnet"}, ["gpt-4", "claude-3-sonnet"]),
        (
            {
                "model": "gpt-4",
                "fallbacks": ["claude-3-sonnet", {"model": "o1", "messages": [{"role": "user"}]}],
                "context_window_fallbacks": [{"gpt-4": ["gpt-4-32k"]}],
                "content_policy_fallbacks": ["gpt-3.5-turbo"],
                "target_model_names": "a,b",
            },
            ["gpt-4", "a", "b", "claude-3-sonnet", "o1", "gpt-4-32k", "gpt-3.5-turbo"],
        ),
        # a fallback nested inside a dict target (the walk used to stop at "model")
        (
            {
                "model": "gpt-3.5-turbo",
                "fallbacks": [{"model": "gpt-3.5-turbo", "fallbacks": ["gpt-4"]}],
            },
            ["gpt-3.5-turbo", "gpt-4"],
        ),
        (
            {
                "model": "m0",
                "fallbacks": [
                    {"model": "m1", "context_window_fallbacks": [{"m1": [{"model": "m2"}]}]}
                ],
            },
            ["m0", "m1", "m2"],
        ),
        # the router follows a body-level router_settings_override too
        (
            {
                "model": "gpt-3.5-turbo",
                "mock_testing_fallbacks": True,
                "router_settings_override": {"fallbacks": [{"gpt-3.5-turbo": ["gpt-4"]}]},
            },
            ["gpt-3.5-turbo", "gpt-4"],
        ),
        (
            {
                "model": "a",
                "router_settings_override": {
                    "content_policy_fallbacks": [{"a": ["b"]}],
                    "context_window_fallbacks": [{"a": ["c"]}],
                    "num_retries": 3,
                },
            },
            ["a", "c", "b"],
        ),
        ({"model": "a", "fallbacks": None, "router_settings_override": None}, ["a"]),
        ({}, []),
    ],
)
def test_every_model_a_request_may_reach_is_checked(
    body: dict[str, Any], reached: list[str]
) -> None:
    from litellm_bridge_plugin.proxy.enforcement import (
        FALLBACK_FIELDS,
        OVERRIDE,
        RequestError,
        requested_models,
    )
    from litellm_bridge_plugin.releases import fallback_walker

    override = body.get(OVERRIDE) or {}
    if fallback_walker() is None and any(
        source.get(name) is not None for source in (body, override) for name in FALLBACK_FIELDS
    ):
        # a release without LiteLLM's walker (1.77.3): the fields are refused, not guessed
        with pytest.raises(RequestError):
            requested_models(body)
        return
    assert sorted(requested_models(body)) == sorted(reached)


def _deep(levels: int) -> list[object]:
    """Fallbacks nested ``levels`` deep (LiteLLM refuses past its validation depth)."""
    chain: list[object] = ["m"]
    for n in range(levels):
        chain = [{"model": f"m{n}", "fallbacks": chain}]
    return chain


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"model": 7}, "model"),
        ({"model": {"name": "gpt-4"}}, "model"),
        ({"model": ["gpt-4", 3]}, "model"),
        ({"model": "a", "target_model_names": {"x": 1}}, "target_model_names"),
        ({"model": "a", "fallbacks": "gpt-4"}, "fallbacks"),
        ({"model": "a", "fallbacks": {"a": ["gpt-4"]}}, "fallbacks"),
        ({"model": "a", "fallbacks": [1]}, "fallbacks"),
        ({"model": "a", "fallbacks": [{"a": "gpt-4"}]}, "fallbacks"),
        ({"model": "a", "fallbacks": [{}]}, "fallbacks"),
        ({"model": "a", "fallbacks": [{"model": ["gpt-4"]}]}, "fallbacks"),
        (
            {"model": "a", "fallbacks": [{"model": "b", "fallbacks": "gpt-4"}]},
            "fallbacks[].fallbacks",
        ),
        ({"model": "a", "router_settings_override": "fallbacks"}, "router_settings_override"),
        (
            {"model": "a", "router_settings_override": {"fallbacks": [{"a": [None]}]}},
            "router_settings_override.fallbacks",
        ),
        ({"model": "a", "user_config": {"model_list": []}}, "user_config"),
        ({"model": "a", "fallbacks": _deep(60)}, "fallbacks"),
    ],
)
def test_fields_the_bridge_cannot_check_are_refused(body: dict[str, Any], field: str) -> None:
    from litellm_bridge_plugin.proxy.enforcement import RequestError, requested_models

    with pytest.raises(RequestError) as caught:
        requested_models(body)
    assert caught.value.message.startswith(f"field {field}")


@only_newest
def test_smuggled_models_and_sessions_are_refused(databases: Databases) -> None:
    enforcer = _loaded(databases)
    alice = {"x-openwebui-user-email": "alice@techcompany.com"}
    assert enforcer.check(alice, ["gpt-4", "claude-3-sonnet"]).allowed
    refused = enforcer.check(alice, ["gpt-4", "gpt-3.5-turbo"])  # a fallback outside the grant
    assert refused.status == 403 and "gpt-3.5-turbo" in refused.message
    # a LiteLLM UI sign-in creates a session key in the pseudo team litellm-dashboard; it
    # grants Dave nothing
    seed.add_key(
        databases.litellm(), "hashed-ui", "ui-session", "dave", team_id="litellm-dashboard"
    )
    enforcer.load(read_access(databases.litellm()))
    dave = {"x-openwebui-user-email": "dave@techcompany.com"}
    assert enforcer.check(dave, ["gpt-4"]).status == 403


@only_newest
def test_the_alias_is_ignored_once_the_key_value_is_set(databases: Databases) -> None:
    seed.add_key(databases.litellm(), hash_token("sk-someone-else"), "openwebui_global_key", None)
    by_value = Enforcer(_settings(databases))
    by_value.service_key_seen(service_key.read(databases.litellm(), by_value.settings))
    assert not by_value.is_service_key(hash_token("sk-someone-else"))


def _alias_settings(databases: Databases) -> Settings:
    return load_settings(
        litellm_database_url=databases.litellm_url,
        openwebui_database_url=databases.openwebui_url,
    )


@only_newest
def test_by_alias_only_a_key_the_worker_read_as_trusted_is_the_service_key(
    databases: Databases,
) -> None:
    """Fail closed: before the worker has read the trusted keys nothing is the service key; then
    only the hash of a key a proxy admin made is, whatever alias another key carries."""
    conn = databases.litellm()
    seed.seed_scenario(conn)
    seed.add_key(conn, hash_token("sk-owui"), "openwebui_global_key", None)  # the master key's
    enforcer = Enforcer(_alias_settings(databases))
    assert not enforcer.is_service_key(hash_token("sk-owui"))  # nothing read yet
    enforcer.service_key_seen(service_key.read(databases.bridge_litellm(), enforcer.settings))
    assert enforcer.is_service_key(hash_token("sk-owui"))
    assert not enforcer.is_service_key(hash_token("sk-anything"))
    assert not enforcer.is_service_key(None)
    # the key renamed away from the alias: no longer the service key after the next read
    conn.execute(
        "UPDATE \"LiteLLM_VerificationToken\" SET key_alias = 'renamed' WHERE key_alias = %s",
        ("openwebui_global_key",),
    )
    enforcer.service_key_seen(service_key.read(databases.bridge_litellm(), enforcer.settings))
    assert not enforcer.is_service_key(hash_token("sk-owui"))


@only_newest
def test_a_key_someone_named_after_the_alias_is_an_ordinary_key(databases: Databases) -> None:
    """Bob (internal_user) names a key of his own after the alias and sends Alice's email: the
    hook returns the call as it came (LiteLLM then serves it as Bob's key), naming nobody."""
    conn = databases.litellm()
    seed.seed_scenario(conn)
    seed.add_key(conn, hash_token("sk-bobs-squat"), "openwebui_global_key", "bob", created_by="bob")
    plugin = BridgePlugin(_alias_settings(databases), start=False)
    plugin.enforcer.load(read_access(databases.litellm()))
    squatter = UserAPIKeyAuth(
        api_key=hash_token("sk-bobs-squat"), key_alias="openwebui_global_key", user_id="bob"
    )
    data = {
        "model": "gpt-4",
        "proxy_server_request": {"headers": {"X-OpenWebUI-User-Email": "alice@techcompany.com"}},
        "metadata": {"user_api_key_user_id": "bob", "user_api_key_alias": "openwebui_global_key"},
    }
    before = repr(data)
    # the proxy starting: which key is Open WebUI's is not read yet, a key with the alias waits
    with pytest.raises(HTTPException) as waiting:
        _hook(plugin, squatter, data)
    assert waiting.value.status_code == 503 and repr(data) == before
    plugin.enforcer.service_key_seen(service_key.read(databases.bridge_litellm(), plugin.settings))
    assert repr(_hook(plugin, squatter, data)) == before
    # the operator deletes it and makes Open WebUI's key with the master key: Alice is named
    conn.execute(
        'DELETE FROM "LiteLLM_VerificationToken" WHERE token = %s', (hash_token("sk-bobs-squat"),)
    )
    seed.add_key(conn, hash_token("sk-owui"), "openwebui_global_key", None)
    plugin.enforcer.service_key_seen(service_key.read(databases.bridge_litellm(), plugin.settings))
    service = UserAPIKeyAuth(api_key=hash_token("sk-owui"), key_alias="openwebui_global_key")
    out = _hook(plugin, service, dict(data, metadata={"user_api_key_user_id": None}))
    assert out["metadata"]["user_api_key_user_id"] == "alice"


def test_signed_tokens_tolerate_small_clock_skew() -> None:
    now = datetime.now(UTC)
    token = jwt.encode(
        {"email": "b@x.test", "iat": now + timedelta(seconds=5), "exp": now} | OWUI, S
    )
    found = identity_of({"x-openwebui-user-jwt": token}, S)
    assert found is not None and found.email == "b@x.test"


@only_newest
def test_the_signed_token_does_not_reach_logs_or_providers(databases: Databases) -> None:
    seed.seed_scenario(databases.litellm())
    plugin = BridgePlugin(_settings(databases, openwebui_jwt_secret=S), start=False)
    plugin.enforcer.load(read_access(databases.litellm()))
    token = jwt.encode(
        {"email": "alice@techcompany.com", "exp": datetime.now(UTC) + timedelta(minutes=1)} | OWUI,
        S,
    )
    # every copy of the headers LiteLLM 1.106 keeps before the pre-call hook runs
    data = {
        "model": "gpt-4",
        "proxy_server_request": {"headers": {"X-OpenWebUI-User-Jwt": token}},
        "metadata": {"user_api_key_user_id": "svc", "headers": {"x-openwebui-user-jwt": token}},
        "headers": {"X-OpenWebUI-User-Jwt": token, "x-other": "kept"},  # forwarded to provider
        "secret_fields": {"raw_headers": {"x-openwebui-user-jwt": token}},
    }
    out = _hook(plugin, UserAPIKeyAuth(api_key=hash_token(SERVICE_KEY)), data)
    assert out["metadata"]["user_api_key_user_id"] == "alice"
    assert token not in repr(out)
    assert out["headers"] == {"x-other": "kept"}
    refused = dict(data, model="gpt-3.5-turbo", headers={"X-OpenWebUI-User-Jwt": token})
    with pytest.raises(HTTPException):
        _hook(plugin, UserAPIKeyAuth(api_key=hash_token(SERVICE_KEY)), refused)
    assert token not in repr(refused)


@only_newest
def test_several_keys_with_the_service_alias_stop_open_webui_calls(databases: Databases) -> None:
    """While more than one trusted live key carries the alias, no call with any of them is
    believed; a key someone else named after it does not count (it is an ordinary key)."""
    from litellm_bridge_plugin.engine.worker import BridgeWorker

    seed.seed_scenario(databases.litellm())
    settings = _alias_settings(databases)
    plugin = BridgePlugin(settings, start=False)
    worker = BridgeWorker(
        settings,
        on_access=plugin.enforcer.load,
        on_service_key=plugin.enforcer.service_key_seen,
    )
    conn = databases.litellm()
    seed.add_key(conn, "hashed-svc", "openwebui_global_key", None)
    worker._refresh_access()  # what a sweep does when Open WebUI cannot be reached
    alice = {"x-openwebui-user-email": "alice@techcompany.com"}
    assert plugin.enforcer.check(alice, ["gpt-4"]).allowed
    seed.add_key(conn, "hashed-mallory", "openwebui_global_key", "bob", created_by="bob")
    worker._refresh_access()
    assert plugin.enforcer.check(alice, ["gpt-4"]).allowed
    assert not plugin.enforcer.is_service_key("hashed-mallory")
    seed.add_key(conn, "hashed-second", "openwebui_global_key", None, created_by="carol")
    worker._refresh_access()
    refused = plugin.enforcer.check(alice, ["gpt-4"])
    assert refused.status == 503
    assert "2 trusted live keys carry the service-key alias" in refused.detail
    assert "BRIDGE_OPENWEBUI_SERVICE_KEY" in refused.detail
    assert "hashed" not in refused.detail + refused.message
    conn.execute(
        "UPDATE \"LiteLLM_VerificationToken\" SET blocked = true WHERE token = 'hashed-second'"
    )
    worker._refresh_access()
    assert plugin.enforcer.check(alice, ["gpt-4"]).allowed


@only_newest
def test_pass_through_routes_are_not_open_to_the_service_key(databases: Databases) -> None:
    """A pass-through body is the provider's own JSON: the person and the model the bridge
    would read from it are the caller's to write."""
    seed.seed_scenario(databases.litellm())
    plugin = BridgePlugin(_settings(databases), start=False)
    plugin.enforcer.load(read_access(databases.litellm()))
    forged = {
        "model": "gpt-4",
        "proxy_server_request": {"headers": {"x-openwebui-user-email": "alice@techcompany.com"}},
    }
    service = UserAPIKeyAuth(api_key=hash_token(SERVICE_KEY))
    with pytest.raises(HTTPException) as refused:
        asyncio.run(plugin.async_pre_call_hook(service, None, forged, "pass_through_endpoint"))
    assert refused.value.status_code == 400 and "pass_through_endpoint" in str(refused.value.detail)


def test_the_token_vault_takes_the_header_out_of_the_request() -> None:
    from litellm_bridge_plugin.proxy.token_vault import TokenVault, signed_token

    seen: list[tuple[list[tuple[bytes, bytes]], str | None]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append((list(scope.get("headers", [])), signed_token()))

    vault = TokenVault(app)
    headers = [(b"x-openwebui-user-jwt", b"tok.en.one"), (b"x-other", b"1")]
    asyncio.run(vault({"type": "http", "headers": headers}, None, None))
    assert seen[-1] == ([(b"x-other", b"1")], "tok.en.one")
    assert signed_token() is None  # only for the request's duration
    twice = [(b"X-OpenWebUI-User-Jwt", b"a.b.c"), (b"x-openwebui-user-jwt", b"d.e.f")]
    asyncio.run(vault({"type": "http", "headers": twice}, None, None))
    assert seen[-1] == ([], "a.b.c,d.e.f")  # two tokens: neither is believed
    asyncio.run(vault({"type": "lifespan"}, None, None))
    assert seen[-1] == ([], None)


def test_without_litellms_fallback_walker_fallback_fields_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A LiteLLM release without ``request_fallback_model_names`` (1.77.3): the bridge cannot
    tell which models a call's fallbacks reach, so it refuses them, and drops the router's own
    targets it cannot read rather than let them through."""
    from litellm_bridge_plugin.proxy import enforcement
    from litellm_bridge_plugin.proxy.enforcement import RequestError, requested_models

    monkeypatch.setattr(enforcement, "fallback_walker", lambda: None)
    assert requested_models({"model": "a"}) == ["a"]
    for body, field in (
        ({"model": "a", "fallbacks": ["b"]}, "fallbacks"),
        ({"model": "a", "context_window_fallbacks": [{"a": ["b"]}]}, "context_window_fallbacks"),
        (
            {"model": "a", "router_settings_override": {"fallbacks": ["b"]}},
            "router_settings_override.fallbacks",
        ),
    ):
        with pytest.raises(RequestError) as caught:
            requested_models(body)
        assert caught.value.message.startswith(f"field {field}")
    narrowed = enforcement._narrowed(
        [{"a": ["b", {"model": "c"}]}, "b"], lambda name: name in {"b", "c"}
    )
    assert narrowed == [{"a": ["b"]}, "b"]
