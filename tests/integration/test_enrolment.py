"""Open WebUI first (BRIDGE_ENROL=sso, issue 24), through the real proxy with its own
database: an account Open WebUI made from an SSO sign-in becomes a LiteLLM user made by
LiteLLM's own ``/user/new`` code with LiteLLM's ``default_internal_user_params`` (and a
personal key by ``/key/generate``'s code), linked and audited, within seconds; then LiteLLM
decides everything about them, as for anyone. Password sign-ups, pending accounts, other
domains, emails LiteLLM already has and people LiteLLM deleted are never enrolled.

Open WebUI's accounts are written here as its OAuth callback writes them (``user`` with
``oauth`` JSON and an ``auth`` row, epoch-second timestamps): the nearest seam to a real
identity provider, which the browser test of this issue drives.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fixtures.litellm_api import ALIAS, OPENWEBUI_ROUTES, Api, real_litellm
from tests.fixtures.support import owui_add_user, owui_mark_sso

pytestmark = pytest.mark.proxy

DEFAULTS = (
    "  default_internal_user_params: {user_role: internal_user, models: [gpt-4], max_budget: 5}\n"
)
WITHIN = 10.0
"""Seconds an enrolment may take here (it polls every second; a loaded CI machine)."""


@pytest.fixture(scope="module")
def api(
    pg_server: str, templates: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    with real_litellm(
        pg_server,
        templates,
        tmp_path_factory.mktemp("enrol"),
        litellm=DEFAULTS,
        BRIDGE_ENROL="sso",
        BRIDGE_ENROL_DOMAINS="corp.example",
        BRIDGE_ENROL_KEY="true",
    ) as found:
        _serve_open_webui(found)
        yield found


def _serve_open_webui(api: Api) -> None:
    """An Open WebUI admin to own the model rows, and Open WebUI's key (trusted alias)."""
    api.ok("/user/new", {"user_email": "admin@corp.example", "user_role": "proxy_admin"})
    api.ok(
        "/key/generate", {"key": SERVICE, "key_alias": ALIAS, "allowed_routes": OPENWEBUI_ROUTES}
    )
    api.wait_for(lambda: len(api.databases.owui_models()) == 3, "the served models")
    api.wait_for(lambda: "1 live key(s) match" in api.proxy.log, "the service key")


SERVICE = "sk-enrolment-test-openwebui"


def sign_up(api: Api, email: str, *, sso: bool = True, role: str = "user") -> str:
    """An Open WebUI account as its OAuth callback (or its sign-up form) makes it, now."""
    account = str(uuid.uuid4())
    now = int(time.time())
    conn = api.openwebui()
    owui_add_user(conn, account, email, email.split("@")[0], role=role)
    conn.execute(
        'UPDATE "user" SET created_at = %s, updated_at = %s, last_active_at = %s WHERE id = %s',
        (now, now, now, account),
    )
    if sso:
        owui_mark_sso(conn, account, sub=account)
    conn.commit()
    return account


def litellm_user(api: Api, email: str) -> list[dict[str, Any]]:
    return (
        api.litellm()
        .execute(
            'SELECT user_id, user_role, models, max_budget, metadata FROM "LiteLLM_UserTable" '
            "WHERE lower(btrim(user_email)) = %s",
            (email,),
        )
        .fetchall()
    )


def audit(api: Api, account: str) -> list[dict[str, Any]]:
    return (
        api.litellm()
        .execute(
            "SELECT operation, entity_type, entity_id, result, error, after FROM "
            "litellm_bridge.sync_audit WHERE operation = 'enrol' AND (entity_id = %s "
            "OR after ->> 'openwebui_id' = %s) ORDER BY id",
            (account, account),
        )
        .fetchall()
    )


def test_an_sso_account_becomes_a_litellm_user_with_litellms_defaults(api: Api) -> None:
    account = sign_up(api, "nina@corp.example")
    started = time.monotonic()
    (made,) = api.wait_for(
        lambda: litellm_user(api, "nina@corp.example"), "Nina's enrolment", WITHIN
    )
    print(f"\n  enrolled {1000 * (time.monotonic() - started):.0f} ms after the account appeared")
    assert made["user_role"] == "internal_user" and made["models"] == ["gpt-4"]
    assert made["max_budget"] == 5
    assert made["metadata"]["litellm_bridge_enrolled_from"] == account
    keys = api.wait_for(  # made right after the user is linked
        lambda: (
            api.litellm()
            .execute(
                'SELECT models FROM "LiteLLM_VerificationToken" WHERE user_id = %s',
                (made["user_id"],),
            )
            .fetchall()
        ),
        "Nina's key",
    )
    assert len(keys) == 1  # BRIDGE_ENROL_KEY: one personal key, LiteLLM's defaults
    link = (
        api.litellm()
        .execute("SELECT litellm_id FROM litellm_bridge.link WHERE openwebui_id = %s", (account,))
        .fetchall()
    )
    assert link == [{"litellm_id": made["user_id"]}]
    assert [(r["result"], r["entity_id"]) for r in audit(api, account)] == [
        ("SUCCESS", made["user_id"])
    ]
    api.wait_for(lambda: api.readable("nina@corp.example") == {"gpt-4"}, "Nina's models")
    as_nina = {"X-OpenWebUI-User-Email": "nina@corp.example", "X-OpenWebUI-User-Id": account}
    assert api.chat(SERVICE, "gpt-4", as_nina)[0] == 200
    assert api.chat(SERVICE, "gpt-3.5-turbo", as_nina)[0] == 403  # LiteLLM's defaults decide
    # her Open WebUI account is unchanged: still a user, still active
    row = api.databases.owui_users()["nina@corp.example"]
    assert row["role"] == "user" and row["active"] is True


@pytest.fixture(scope="module")
def slow_looks(
    pg_server: str, templates: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    """Enrolment that looks only every 120 s (BRIDGE_POLL_INTERVAL / 5): after the first
    look at start, only a call enrols."""
    with real_litellm(
        pg_server,
        templates,
        tmp_path_factory.mktemp("enrol-at-call"),
        litellm=DEFAULTS,
        BRIDGE_ENROL="sso",
        BRIDGE_ENROL_KEY="true",
        BRIDGE_POLL_INTERVAL="600",
    ) as found:
        _serve_open_webui(found)
        yield found


def test_a_first_call_enrols_before_it_is_decided(slow_looks: Api) -> None:
    """No 403 "unknown person" for someone who is to be enrolled: their first call, made the
    moment the account appears, enrols them and is then decided as anyone's. A pending
    account's call is refused and enrols nobody."""
    api = slow_looks
    account = sign_up(api, "omar@corp.example")
    as_omar = {"X-OpenWebUI-User-Email": "omar@corp.example", "X-OpenWebUI-User-Id": account}
    status, answer = api.chat(SERVICE, "gpt-4", as_omar)
    assert status == 200, answer
    (made,) = litellm_user(api, "omar@corp.example")
    (row,) = audit(api, account)
    assert row["result"] == "SUCCESS" and row["after"]["via"] == "call", row
    assert made["models"] == ["gpt-4"]  # LiteLLM's defaults decide from now on
    assert api.chat(SERVICE, "claude-3-sonnet", as_omar)[0] == 403
    pending = sign_up(api, "pia@corp.example", role="pending")
    as_pia = {"X-OpenWebUI-User-Email": "pia@corp.example", "X-OpenWebUI-User-Id": pending}
    status, answer = api.chat(SERVICE, "gpt-4", as_pia)
    assert status == 403 and "not a LiteLLM user" in str(answer), answer
    assert litellm_user(api, "pia@corp.example") == []


def test_accounts_that_are_not_to_be_enrolled_stay_out(api: Api) -> None:
    password = sign_up(api, "pat@corp.example", sso=False)
    other = sign_up(api, "quinn@other.example")
    pending = sign_up(api, "rita@corp.example", role="pending")
    api.ok("/user/new", {"user_email": "Sam@Corp.Example", "user_role": "proxy_admin"})
    taken = sign_up(api, "sam@corp.example")
    for account in (password, other, pending):
        api.wait_for(lambda a=account: audit(api, a), "the held account's audit", WITHIN)
    reasons = {a: audit(api, a)[0]["error"] for a in (password, other, pending)}
    assert "SSO" in reasons[password] and "domain" in reasons[other]
    assert "approves" in reasons[pending]
    # an email LiteLLM has: the sync's business (it links an SSO account, never as admin)
    assert audit(api, taken) == []
    for email in ("pat@corp.example", "quinn@other.example", "rita@corp.example"):
        assert litellm_user(api, email) == []
    assert len(litellm_user(api, "sam@corp.example")) == 1  # the admin's own, nothing made
    # an Open WebUI admin approves Rita (her role only; Open WebUI touches no timestamp)
    conn = api.openwebui()
    conn.execute("""UPDATE "user" SET role = 'user' WHERE id = %s""", (pending,))
    conn.commit()
    api.wait_for(lambda: litellm_user(api, "rita@corp.example"), "Rita's enrolment", WITHIN)


def test_a_person_litellm_deleted_is_never_enrolled_again(api: Api) -> None:
    sign_up(api, "tom@corp.example")
    (made,) = api.wait_for(lambda: litellm_user(api, "tom@corp.example"), "Tom's enrolment", WITHIN)
    api.ok("/user/delete", {"user_ids": [made["user_id"]]})
    api.wait_for(
        lambda: api.databases.owui_users()["tom@corp.example"]["active"] is False,
        "Tom's account deactivated",
    )
    time.sleep(3)  # three looks
    assert litellm_user(api, "tom@corp.example") == []


def test_a_call_naming_one_account_and_another_email_enrols_nobody_as_that_email(
    slow_looks: Api,
) -> None:
    """Hostile: the call names Vic's SSO account id with Wendy's email. Enrolment reads the
    account's own email from Open WebUI (Vic's), never the header's; the call is refused
    because the email and the account do not belong together; no user gets Wendy's email."""
    api = slow_looks
    vic = sign_up(api, "vic@corp.example")
    forged = {"X-OpenWebUI-User-Email": "wendy@corp.example", "X-OpenWebUI-User-Id": vic}
    status, answer = api.chat(SERVICE, "gpt-4", forged)
    assert status == 403, answer
    assert litellm_user(api, "wendy@corp.example") == []
    assert len(litellm_user(api, "vic@corp.example")) <= 1
