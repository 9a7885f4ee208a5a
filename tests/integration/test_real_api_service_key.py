"""Issue 22 through LiteLLM's real management API (LiteLLM with its own database, the plugin
loaded, the service key recognised by its alias, the default): a key any LiteLLM user can make
never becomes Open WebUI's service key.

The story runs in order on one proxy: an internal user squats the alias before the operator
has made Open WebUI's key, the operator makes it, then deletes it and the user squats again.
At each step the squatter's calls naming a colleague are not served as the colleague nor
charged to them, and Open WebUI's real key works once it exists.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.litellm_api import ALIAS, OPENWEBUI_ROUTES, Api
from tests.fixtures.proxies import MASTER_KEY

pytestmark = pytest.mark.proxy


class People:
    """Carol may use gpt-4 through a key of hers; Mallory only gpt-3.5-turbo."""

    def __init__(self, api: Api) -> None:
        self.carol = api.ok(
            "/user/new",
            {"user_email": "carol@corp.example", "user_role": "internal_user", "models": []},
        )["user_id"]
        self.carol_key = api.ok(
            "/key/generate", {"user_id": self.carol, "models": ["gpt-4"], "key_alias": "carol"}
        )["key"]
        made = api.ok(
            "/user/new",
            {
                "user_email": "mallory@corp.example",
                "user_role": "internal_user",
                "models": ["gpt-3.5-turbo"],
            },
        )
        self.mallory, self.mallory_key = made["user_id"], made["key"]


@pytest.fixture(scope="module")
def people(api: Api) -> People:
    found = People(api)
    # both reach Open WebUI through the tap on /user/new
    api.wait_for(lambda: len(openwebui_emails(api)) >= 2, "both accounts in Open WebUI")
    return found


def openwebui_emails(api: Api) -> set[str]:
    with api.openwebui().cursor() as cur:
        cur.execute('SELECT email FROM "user"')
        return {row["email"] for row in cur.fetchall()}


def sha(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def spend_rows(api: Api, **where: str) -> list[dict[str, Any]]:
    """LiteLLM_SpendLogs rows (what LiteLLM's spend writer recorded) matching ``where``."""
    sql = 'SELECT request_id, api_key, "user", model_group, spend FROM "LiteLLM_SpendLogs"'
    if where:
        sql += " WHERE " + " AND ".join(f'"{column}" = %({column})s' for column in where)
    with api.litellm().cursor() as cur:
        cur.execute(sql, where)
        return list(cur.fetchall())


def user_spend(api: Api, user_id: str) -> float:
    with api.litellm().cursor() as cur:
        cur.execute('SELECT spend FROM "LiteLLM_UserTable" WHERE user_id = %s', (user_id,))
        row = cur.fetchone()
    assert row is not None
    return float(row["spend"])


def as_carol(api: Api) -> dict[str, str]:
    """The headers Open WebUI sends on Carol's calls (her Open WebUI account's id)."""
    with api.openwebui().cursor() as cur:
        cur.execute('SELECT id FROM "user" WHERE email = %s', ("carol@corp.example",))
        row = cur.fetchone()
    assert row is not None
    return {"X-OpenWebUI-User-Email": "carol@corp.example", "X-OpenWebUI-User-Id": row["id"]}


def assert_not_served_as_carol(
    api: Api, people: People, squat: str, served: frozenset[str] = frozenset()
) -> None:
    """The squatter's key naming Carol is an ordinary key: a call LiteLLM lets that key make is
    made as the key itself (LiteLLM's spend log names the squatted key and never Carol), and
    nothing is charged to Carol (her only spend-log rows are the calls ``served`` through Open
    WebUI's real key). Mallory's own models are served to her key; gpt-4, Carol's, is refused
    unless the key itself may call it (1.77.3 leaves a key an internal user makes unowned, so
    Mallory's model list does not bind it: LiteLLM's rule, and still charged to that key)."""
    for model in ("gpt-4", "gpt-3.5-turbo"):
        status, answer = api.chat(squat, model, as_carol(api))
        if model == "gpt-3.5-turbo":
            assert status == 200, answer
        if status != 200:
            continue
        row = api.wait_for(
            lambda request_id=answer["id"]: spend_rows(api, request_id=request_id),
            "LiteLLM's spend log of the call",
        )[0]
        assert row["api_key"] == sha(squat), f"{model} was charged to another key: {row}"
        assert row["user"] != people.carol
    # the writer has written Mallory's last call: every earlier call of Carol's is written too
    assert {row["request_id"] for row in spend_rows(api, user=people.carol)} == served
    if not served:
        assert user_spend(api, people.carol) == 0


def doctor(api: Api) -> str:
    """What ``litellm-bridge doctor`` says (the real command, as an operator runs it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")}
    env.pop("DATABASE_URL", None)
    env |= {
        "BRIDGE_LITELLM_DATABASE_URL": api.databases.litellm_url,
        "BRIDGE_OPENWEBUI_DATABASE_URL": api.databases.openwebui_url,
        "LITELLM_MASTER_KEY": MASTER_KEY,
    }
    command = [str(Path(sys.executable).with_name("litellm-bridge")), "doctor"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    return done.stdout + done.stderr


def served_as(
    api: Api, key: str, model: str, headers: dict[str, str], seen: dict[str, str] | None = None
) -> str | None:
    """Whom LiteLLM's spend log charges for a call with ``key`` (None: not served); ``seen``
    collects each served call's id and whom it was charged to."""
    status, answer = api.chat(key, model, headers)
    if status != 200:
        return None
    rows = api.wait_for(
        lambda: spend_rows(api, request_id=answer["id"]), "LiteLLM's spend log of the call"
    )
    if seen is not None:
        seen[answer["id"]] = str(rows[0]["user"])
    return str(rows[0]["user"])


def test_a_squatted_alias_is_an_ordinary_key_before_during_and_after_the_operators_key(
    api: Api, people: People
) -> None:
    # 1. no key carries the alias yet (a fresh set-up): LiteLLM lets Mallory name hers so
    squat = api.ok("/key/generate", {"key_alias": ALIAS}, key=people.mallory_key)["key"]
    assert_not_served_as_carol(api, people, squat)
    said = doctor(api)
    assert "FAIL service key" in said and "is not trusted" in said, said
    assert f"created by {people.mallory}" in said
    assert squat not in said and sha(squat) not in said

    # 2. the operator makes Open WebUI's key (LiteLLM's unique alias rule: Mallory's first)
    # the squatted key holds the alias: the operator removes it (on 1.77.3 it is unowned, so
    # Mallory could not delete it herself)
    api.ok("/key/delete", {"keys": [squat]})
    # what operators do with the master key anyway (LiteLLM records its user id on the team
    # and may write a user row for it): the key it makes must still count as a proxy admin's
    api.ok("/team/new", {"team_alias": "Operators"})
    assert api.chat(MASTER_KEY, "gpt-3.5-turbo")[0] == 200
    service = api.ok("/key/generate", {"key_alias": ALIAS, "allowed_routes": OPENWEBUI_ROUTES})[
        "key"
    ]
    # the bridge reads which key is Open WebUI's within moments of the call (README, Trust
    # model: until then a call with it is the key's own); then Carol's key pays for her calls
    api.wait_for(
        lambda: served_as(api, service, "gpt-4", as_carol(api)) == people.carol,
        "the bridge to recognise the operator's key",
    )
    status, again = api.chat(service, "gpt-4", as_carol(api))
    assert status == 200, again
    row = api.wait_for(
        lambda: spend_rows(api, request_id=again["id"]), "LiteLLM's spend log of the call"
    )[0]
    assert (row["user"], row["api_key"]) == (people.carol, sha(people.carol_key))
    served = frozenset(r["request_id"] for r in spend_rows(api, user=people.carol))
    said = doctor(api)
    assert "recognised by trusted alias" in said and "1 live key(s) match" in said, said
    assert "FAIL service key" not in said, said
    assert service not in said and sha(service) not in said
    # while it holds the alias LiteLLM refuses a second one, and Mallory cannot take it over
    status, _ = api.call("/key/generate", {"key_alias": ALIAS}, key=people.mallory_key)
    assert status == 400
    for path, body in [
        ("/key/regenerate", {"key": service}),  # an Enterprise feature: refused for all
        ("/key/delete", {"keys": [service]}),
    ]:
        status, _ = api.call(path, body, key=people.mallory_key)
        assert status >= 400, f"{path}: {status}"
    status, _ = api.call(
        "/key/update", {"key": service, "user_id": people.mallory}, key=people.mallory_key
    )
    if status >= 400:
        status, third = api.chat(service, "gpt-4", as_carol(api))
        assert status == 200, third
        served |= {third["id"]}
    else:
        # LiteLLM 1.77.3 lets an internal user make another's key theirs: the key is no
        # longer a proxy admin's, so the bridge stops trusting it (fail closed) and a call
        # naming Carol is the key's own, charged to its new owner, never to Carol. Until its
        # next read of LiteLLM's keys the bridge still trusts it: Open WebUI's calls for Carol
        # until then are hers, as before the change (counted with her served ones)
        seen: dict[str, str] = {}
        api.wait_for(
            lambda: served_as(api, service, "gpt-3.5-turbo", as_carol(api), seen) == people.mallory,
            "the bridge to stop trusting the key Mallory made hers",
        )
        served |= {request for request, whom in seen.items() if whom == people.carol}
        assert set(seen.values()) <= {people.carol, people.mallory}, seen

    # 3. the operator deletes it (or lets it expire): the alias is free again
    api.ok("/key/delete", {"keys": [service]})
    squat = api.ok("/key/generate", {"key_alias": ALIAS}, key=people.mallory_key)["key"]
    assert_not_served_as_carol(api, people, squat, served)
