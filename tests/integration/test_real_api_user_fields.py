"""Issue 22, every field an ordinary user controls: an internal_user tries, through LiteLLM's
real management API (LiteLLM with its own database, the plugin loaded), to write about
themselves each LiteLLM field the bridge reads. Each attempt is refused by LiteLLM, or lands and
is harmless: it never gives the user another identity, a role, admin rights, someone else's
group name or someone else's key to pay. Open WebUI's calls with the real service key keep
working throughout.

The outcome of each attempt (what LiteLLM allowed) is printed as the table in
docs/guarantees.md "Fields an ordinary user controls"; run with ``-s`` to see it.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

import pytest

from tests.fixtures.litellm_api import ALIAS, OPENWEBUI_ROUTES, Api

pytestmark = pytest.mark.proxy


def row(api: Api, sql: str, *params: Any) -> dict[str, Any] | None:
    with api.litellm().cursor() as cur:
        cur.execute(sql, params)
        found: dict[str, Any] | None = cur.fetchone()
        return found


def openwebui_user(api: Api, email: str) -> dict[str, Any] | None:
    with api.openwebui().cursor() as cur:
        cur.execute('SELECT id, name, role FROM "user" WHERE email = %s', (email,))
        found: dict[str, Any] | None = cur.fetchone()
        return found


def openwebui_groups(api: Api) -> dict[str, str]:
    """Open WebUI group name -> description (which LiteLLM team or organisation it is)."""
    with api.openwebui().cursor() as cur:
        cur.execute('SELECT name, description FROM "group"')
        return {r["name"]: r["description"] for r in cur.fetchall()}


def test_an_internal_user_writing_every_field_the_bridge_reads_gains_nothing(api: Api) -> None:
    research = api.ok("/team/new", {"team_alias": "Research", "models": ["gpt-4"]})["team_id"]
    made = api.ok("/user/new", {"user_email": "carol@corp.example", "user_role": "internal_user"})
    carol, carol_own_key = made["user_id"], made["key"]
    api.ok("/team/member_add", {"team_id": research, "member": {"user_id": carol, "role": "user"}})
    api.ok("/key/generate", {"user_id": carol, "team_id": research, "key_alias": "carol-team"})
    made = api.ok(
        "/user/new",
        {
            "user_email": "mallory@corp.example",
            "user_role": "internal_user",
            "models": ["gpt-3.5-turbo"],
        },
    )
    mallory, key = made["user_id"], made["key"]
    service = api.ok("/key/generate", {"key_alias": ALIAS, "allowed_routes": OPENWEBUI_ROUTES})[
        "key"
    ]
    api.wait_for(
        lambda: openwebui_user(api, "mallory@corp.example") and "Research" in openwebui_groups(api),
        "Mallory's account and Research's group in Open WebUI",
    )
    carol_openwebui = openwebui_user(api, "carol@corp.example")
    assert carol_openwebui is not None
    as_carol = {
        "X-OpenWebUI-User-Email": "carol@corp.example",
        "X-OpenWebUI-User-Id": carol_openwebui["id"],
    }
    api.wait_for(
        lambda: api.chat(service, "gpt-4", as_carol)[0] == 200,
        "Open WebUI's key to work for Carol",
    )

    attempts: list[tuple[str, str, dict[str, Any]]] = [
        ("key_alias (own key)", "/key/generate", {"key_alias": "Carol's key"}),
        ("key user_id (someone else's key)", "/key/generate", {"user_id": carol}),
        ("key team_id (someone else's team)", "/key/generate", {"team_id": research}),
        ("key metadata", "/key/generate", {"metadata": {"openwebui": "admin"}}),
        ("key_name", "/key/generate", {"key_name": "sk-...carol"}),
        ("user_alias (self)", "/user/update", {"user_id": mallory, "user_alias": "Carol"}),
        ("user metadata (self)", "/user/update", {"user_id": mallory, "metadata": {"a": 1}}),
        (
            "user_email (self)",
            "/user/update",
            {"user_id": mallory, "user_email": "carol@corp.example"},
        ),
        ("user_role (self)", "/user/update", {"user_id": mallory, "user_role": "proxy_admin"}),
        ("models (self)", "/user/update", {"user_id": mallory, "models": ["gpt-4"]}),
        (
            "team alias (new team)",
            "/team/new",
            {"team_alias": "Research", "team_id": "0-research", "models": ["gpt-4"]},
        ),
        (
            "team membership (someone else's team)",
            "/team/member_add",
            {"team_id": research, "member": {"user_id": mallory, "role": "user"}},
        ),
        (
            "team admin (someone else's team)",
            "/team/member_add",
            {"team_id": research, "member": {"user_id": mallory, "role": "admin"}},
        ),
        (
            "organisation (self)",
            "/user/update",
            {"user_id": mallory, "organization_id": "org-of-others"},
        ),
        (
            "key user_id (someone else's key, update)",
            "/key/update",
            {"key": carol_own_key, "user_id": mallory},
        ),
    ]
    table = []
    for field, path, body in attempts:
        status, answer = api.call(path, body, key=key)
        table.append((field, path, status))
        said = answer.get("key_name") if status == 200 and path == "/key/generate" else answer
        print(f"\n| {field} | `{path}` | {status} | {str(said)[:110]} |")

    # what LiteLLM keeps refusing an internal user, on every release checked
    refused = {field for field, _, status in table if status >= 400}
    assert {"user_email (self)", "user_role (self)"} <= refused
    assert {
        "team membership (someone else's team)",
        "team admin (someone else's team)",
        "key user_id (someone else's key)",
        "key team_id (someone else's team)",
    } <= refused
    if litellm_release() >= (1, 100):
        # LiteLLM 1.77.3 lets an internal user move a key without a team to themselves (its
        # update check only looks at team keys); the bridge then takes it as theirs, as
        # LiteLLM does (README, Trust model). Later releases refuse it.
        assert "key user_id (someone else's key, update)" in refused
    assert row(
        api,
        "SELECT count(*) AS n FROM \"LiteLLM_VerificationToken\" WHERE key_name = 'sk-...carol'",
    ) == {"n": 0}, "key_name is LiteLLM's to set"
    made_for_others = row(
        api,
        'SELECT count(*) AS n FROM "LiteLLM_VerificationToken" '
        # 1.77.3 leaves a key an internal user makes without user_id unowned (user_id NULL)
        "WHERE created_by = %s AND (user_id <> %s OR team_id IS NOT NULL)",
        mallory,
        mallory,
    )
    assert made_for_others == {"n": 0}
    found = row(
        api, 'SELECT user_email, user_role FROM "LiteLLM_UserTable" WHERE user_id = %s', mallory
    )
    assert found == {"user_email": "mallory@corp.example", "user_role": "internal_user"}

    # let the bridge take in whatever landed (the tap, then a sweep)
    since = row(api, "SELECT now() AS at")
    assert since is not None
    api.wait_for(lambda: _ran_since(api, since["at"]), "a sweep after the attempts")
    # no identity, role or admin right in Open WebUI; Carol's group keeps its name and members
    account = openwebui_user(api, "mallory@corp.example")
    assert account is not None and account["role"] == "user"
    groups = openwebui_groups(api)
    assert f"LiteLLM team {research}" in groups.get("Research", "")
    # no key of Mallory's pays for Carol, and Mallory's keys never act as Open WebUI's
    status, answer = api.chat(service, "gpt-4", as_carol)
    assert status == 200, answer
    for made_key in _keys_of(api, mallory):
        assert made_key != ALIAS
    status, _ = api.chat(key, "gpt-4", as_carol)
    assert status >= 400


def _keys_of(api: Api, user_id: str) -> list[str | None]:
    with api.litellm().cursor() as cur:
        cur.execute(
            'SELECT key_alias FROM "LiteLLM_VerificationToken" WHERE user_id = %s', (user_id,)
        )
        return [r["key_alias"] for r in cur.fetchall()]


def litellm_release() -> tuple[int, ...]:
    return tuple(int(part) for part in version("litellm").split(".")[:3])


def _ran_since(api: Api, since: Any) -> bool:
    """True once a reconcile that started after ``since`` has finished."""
    found = row(
        api,
        "SELECT count(*) AS runs FROM litellm_bridge.sync_run "
        "WHERE started_at > %s AND finished_at IS NOT NULL",
        since,
    )
    return bool(found and found["runs"])
