"""The person's key pays, by LiteLLM's own spend writer (issue 23): Open WebUI's calls, made
with its service key and the person's headers, are written by LiteLLM into LiteLLM_SpendLogs
and the daily spend tables as the person's granting key, user and team; that key's, user's and
team's spend rise and the service key's does not; a budget spent by real calls is refused; a
rate limit holds across two proxies sharing LiteLLM's Redis. Everything is made through
LiteLLM's real management API (LiteLLM with its own database)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from devtools import litellm_db
from devtools.litellm_db import db_config
from devtools.proxy import proxy_env
from tests.fixtures.litellm_api import ALIAS, OPENWEBUI_ROUTES, Api, real_litellm, shared_redis
from tests.fixtures.proxies import MASTER_KEY, Proxy

pytestmark = pytest.mark.proxy


@dataclass
class Company:
    research: str
    ivy: str
    ivy_key: str
    jo: str
    jo_key: str
    service: str


@pytest.fixture(scope="module")
def api(
    pg_server: str, templates: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    redis, cache = shared_redis()
    with real_litellm(
        pg_server,
        templates,
        tmp_path_factory.mktemp("spend"),
        litellm=cache,
        BRIDGE_SPEND_INTERVAL="1",
        **redis,
    ) as found:
        yield found


@pytest.fixture(scope="module")
def company(api: Api) -> Company:
    research = api.ok("/team/new", {"team_alias": "Research", "models": ["gpt-4"]})["team_id"]
    ivy, jo = (
        api.ok("/user/new", {"user_email": email, "auto_create_key": False})["user_id"]
        for email in ("ivy@corp.example", "jo@corp.example")
    )
    api.ok("/team/member_add", {"team_id": research, "member": {"user_id": ivy, "role": "user"}})
    # three mock gpt-4 calls cost $0.0045 (10 + 20 tokens each): the third passes the budget
    ivy_key = api.ok(
        "/key/generate",
        {"user_id": ivy, "team_id": research, "key_alias": "ivy-research", "max_budget": 0.004},
    )["key"]
    # a fresh rate-limit window in the shared Redis for every run: a new key
    jo_key = api.ok("/key/generate", {"user_id": jo, "models": ["gpt-3.5-turbo"], "rpm_limit": 2})[
        "key"
    ]
    service = api.ok(
        "/key/generate",
        {"key_alias": ALIAS, "allowed_routes": OPENWEBUI_ROUTES},
    )["key"]
    found = Company(research, ivy, ivy_key, jo, jo_key, service)
    # no call with the key before the bridge knows it is Open WebUI's: until then a call would
    # be the key's own, charged to it (README, Trust model)
    api.wait_for(lambda: "1 live key(s) match" in api.proxy.log, "the bridge to read the key")
    time.sleep(0.5)
    return found


def as_person(api: Api, name: str) -> dict[str, str]:
    """The headers Open WebUI sends on this person's calls (once their account exists)."""
    email = f"{name}@corp.example"
    account = api.wait_for(lambda: api.databases.owui_users().get(email), f"{name}'s account")
    return {"X-OpenWebUI-User-Email": email, "X-OpenWebUI-User-Id": account["id"]}


def sha(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def one(api: Api, sql: str, *params: Any) -> dict[str, Any] | None:
    with api.litellm().cursor() as cur:
        cur.execute(sql, params)
        found: dict[str, Any] | None = cur.fetchone()
        return found


def spend_of(api: Api, table: str, column: str, value: str) -> float:
    found = one(api, f'SELECT spend FROM "{table}" WHERE {column} = %s', value)
    return float(found["spend"]) if found else 0.0


def test_the_persons_key_user_and_team_pay_in_litellms_own_tables(
    api: Api, company: Company
) -> None:
    status, answer = api.chat(company.service, "gpt-4", as_person(api, "ivy"))
    assert status == 200, answer
    row = api.wait_for(
        lambda: one(
            api,
            'SELECT api_key, "user", team_id, spend FROM "LiteLLM_SpendLogs" WHERE request_id = %s',
            answer["id"],
        ),
        "LiteLLM's spend log of the call",
    )
    assert row["api_key"] == sha(company.ivy_key)
    assert (row["user"], row["team_id"]) == (company.ivy, company.research)
    assert row["spend"] > 0
    api.wait_for(
        lambda: all(
            spend_of(api, table, column, value) > 0
            for table, column, value in [
                ("LiteLLM_VerificationToken", "token", sha(company.ivy_key)),
                ("LiteLLM_UserTable", "user_id", company.ivy),
                ("LiteLLM_TeamTable", "team_id", company.research),
            ]
        ),
        "the key's, user's and team's spend to rise",
    )
    assert spend_of(api, "LiteLLM_VerificationToken", "token", sha(company.service)) == 0
    daily = api.wait_for(
        lambda: one(
            api,
            'SELECT user_id, api_key, spend FROM "LiteLLM_DailyUserSpend" WHERE user_id = %s',
            company.ivy,
        ),
        "the daily user spend row",
    )
    assert daily["api_key"] == sha(company.ivy_key) and daily["spend"] > 0
    team_daily = api.wait_for(
        lambda: one(
            api, 'SELECT spend FROM "LiteLLM_DailyTeamSpend" WHERE team_id = %s', company.research
        ),
        "the daily team spend row",
    )
    assert team_daily["spend"] > 0


def test_a_budget_spent_by_real_calls_is_refused(api: Api, company: Company) -> None:
    headers = as_person(api, "ivy")
    token = sha(company.ivy_key)
    codes = []
    for _ in range(8):
        spent = spend_of(api, "LiteLLM_VerificationToken", "token", token)
        status, answer = api.chat(company.service, "gpt-4", headers)
        codes.append(status)
        if status != 200:
            break
        # LiteLLM's writer records the call, then the bridge's spend read (every second) sees it
        api.wait_for(
            lambda spent=spent: spend_of(api, "LiteLLM_VerificationToken", "token", token) > spent,
            "LiteLLM's writer to record the call",
        )
        time.sleep(2)
    assert codes[-1] == 400, codes
    assert "budget" in str(answer), answer
    # refused once the calls made ($0.0015 each) leave no room for another under $0.004
    # (LiteLLM 1.106+ reserves a call's cost before making it; older releases refuse once
    # spend is past the budget): never more than one call over
    spent = spend_of(api, "LiteLLM_VerificationToken", "token", sha(company.ivy_key))
    assert 0.004 - 0.0015 < spent <= 0.004 + 0.0015, spent
    # still refused, by LiteLLM's own figures
    assert api.chat(company.service, "gpt-4", headers)[0] == 400


def test_a_rate_limit_holds_across_two_proxies_sharing_redis(
    api: Api, company: Company, tmp_path: Path
) -> None:
    databases = api.databases
    redis, cache = shared_redis()
    env = proxy_env(
        databases.litellm_url,
        databases.openwebui_url,
        MASTER_KEY,
        BRIDGE_SWEEP_INTERVAL="2",
        **redis,
    ) | litellm_db.proxy_db_env(databases.admin_litellm_url)
    second = Proxy(env, tmp_path, db_config(tmp_path, cache))
    try:
        second.wait_until(second.ready, "the second proxy", timeout=240)
        other = Api(second, databases)
        headers = as_person(api, "jo")
        other.wait_for(
            lambda: other.chat(company.service, "gpt-4", as_person(api, "ivy"))[0] != 503,
            "the second proxy's grants",
        )
        assert api.chat(company.service, "gpt-3.5-turbo", headers)[0] == 200
        time.sleep(3)  # LiteLLM syncs its counters with Redis every second
        assert other.chat(company.service, "gpt-3.5-turbo", headers)[0] == 200
        time.sleep(3)
        codes = [p.chat(company.service, "gpt-3.5-turbo", headers)[0] for p in (api, other)]
        assert codes == [429, 429], codes
    finally:
        second.stop()


def test_an_expired_key_stops_granting(api: Api, company: Company) -> None:
    """A key past its ``duration``: Open WebUI's calls as its owner are refused at once (the
    proxy checks ``expires``) and the model leaves the person's Open WebUI list at the next
    sweep (2 s here; no signal marks a key's expiry)."""
    kim = api.ok("/user/new", {"user_email": "kim@corp.example", "auto_create_key": False})[
        "user_id"
    ]
    # an Open WebUI admin to own the model rows that carry grants
    api.ok("/user/new", {"user_email": "boss@corp.example", "user_role": "proxy_admin"})
    api.wait_for(lambda: len(api.databases.owui_models()) == 3, "the served models")
    api.ok("/key/generate", {"user_id": kim, "models": ["gpt-4"], "duration": "8s"})
    api.wait_for(lambda: api.readable("kim@corp.example") == {"gpt-4"}, "kim's grant")
    as_kim = {"X-OpenWebUI-User-Email": "kim@corp.example"}
    status, answer = api.chat(company.service, "gpt-4", as_kim)
    assert status == 200, answer
    api.wait_for(
        lambda: api.chat(company.service, "gpt-4", as_kim)[0] == 403, "the refusal", timeout=30
    )
    status, answer = api.chat(company.service, "gpt-4", as_kim)
    assert "expired" in str(answer), answer
    api.wait_for(lambda: api.readable("kim@corp.example") == set(), "the grant to go", timeout=30)
