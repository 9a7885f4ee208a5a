"""The tap against LiteLLM's real management API (issue 23): each route the plugin watches is
called on the real proxy with its own database, and what reaches Open WebUI is checked: accounts
and roles, passwords, groups and members, model grants, blocked and deleted keys, deactivation.
The sweep is set to ten minutes, so whatever arrives within the wait came through the tap. A
call LiteLLM refuses changes nothing. ``-s`` prints how long each change took to arrive.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import bcrypt
import pytest

from tests.fixtures.litellm_api import Api, real_litellm

pytestmark = pytest.mark.proxy

ARRIVES_WITHIN = 20.0
"""Seconds a change may take to reach Open WebUI here (the sweep is 600 s away)."""


@pytest.fixture(scope="module")
def api(
    pg_server: str, templates: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    with real_litellm(
        pg_server, templates, tmp_path_factory.mktemp("tap"), BRIDGE_SWEEP_INTERVAL="600"
    ) as found:
        # an Open WebUI admin to own the model rows, as in any running Open WebUI: without
        # one the bridge cannot make the rows that carry grants
        found.ok("/user/new", {"user_email": "admin@corp.example", "user_role": "proxy_admin"})
        found.wait_for(lambda: len(found.databases.owui_models()) == 3, "the served models")
        yield found


def arrives(api: Api, what: str, check: Callable[[], Any]) -> Any:
    """Wait until ``check`` holds in Open WebUI; print how long it took after the call."""
    started = time.monotonic()
    found = api.wait_for(check, what, timeout=ARRIVES_WITHIN)
    print(f"\n  {what}: {1000 * (time.monotonic() - started):.0f} ms after the call returned")
    return found


def user(api: Api, email: str) -> dict[str, Any] | None:
    return api.databases.owui_users().get(email)


def readable(api: Api, email: str) -> set[str]:
    return api.readable(email)


def members(api: Api, group: str) -> set[str] | None:
    found = api.databases.owui_groups().get(group)
    return None if found is None else set(found["members"])


def password_is(api: Api, email: str, password: str) -> bool:
    row = user(api, email)
    return bool(
        row and row["password"] and bcrypt.checkpw(password.encode(), row["password"].encode())
    )


def test_users_reach_open_webui_with_their_role_password_and_deactivation(api: Api) -> None:
    # 1.106.12 refuses a password on /user/new (LiteLLM wants invitation links); /user/update
    # takes one, and it becomes the password of the account the bridge created
    status, _ = api.call("/user/new", {"user_email": "x@corp.example", "password": "x"})
    made = api.ok("/user/new", {"user_email": "Dana@Corp.Example", "user_role": "internal_user"})
    dana = made["user_id"]
    row = arrives(api, "/user/new: account", lambda: user(api, "dana@corp.example"))
    assert row["role"] == "user" and row["active"] is True
    if status == 200:  # releases that take it (1.77.3)
        assert user(api, "x@corp.example") is not None or arrives(
            api, "/user/new: account", lambda: user(api, "x@corp.example")
        )

    api.ok("/user/update", {"user_id": dana, "user_role": "proxy_admin"})
    arrives(api, "/user/update: role", lambda: user(api, "dana@corp.example")["role"] == "admin")
    api.ok("/user/update", {"user_id": dana, "user_role": "internal_user"})
    arrives(
        api, "/user/update: role back", lambda: user(api, "dana@corp.example")["role"] == "user"
    )

    for password in ("Dana-First-2026", "Dana-Second-2026"):
        api.ok("/user/update", {"user_id": dana, "password": password})
        arrives(
            api,
            "/user/update: password",
            lambda password=password: password_is(api, "dana@corp.example", password),
        )

    api.ok("/user/delete", {"user_ids": [dana]})
    arrives(
        api, "/user/delete: signed out", lambda: user(api, "dana@corp.example")["active"] is False
    )


def test_an_invited_person_sets_the_password_they_sign_in_to_open_webui_with(api: Api) -> None:
    """The Admin UI's way: an admin invites a person (``/invitation/new``); the person opens
    the link (``/onboarding/get_token``: an onboarding session) and sets a password
    (``/onboarding/claim_token``), which becomes their Open WebUI password. A claim for
    someone else's user id is refused by LiteLLM and changes nobody's password."""
    import jwt

    made = api.ok("/user/new", {"user_email": "ivy@corp.example", "auto_create_key": False})
    ivy = made["user_id"]
    arrives(api, "/user/new: account", lambda: user(api, "ivy@corp.example"))
    # an admin with a key of her own invites (LiteLLM records her as the link's creator, a
    # user row it must find: the master key's id has none until its first Admin UI login)
    inviter = api.ok("/user/new", {"user_email": "hr@corp.example", "user_role": "proxy_admin"})
    invitation = api.ok("/invitation/new", {"user_id": ivy}, inviter["key"])["id"]
    status, opened = api.call(f"/onboarding/get_token?invite_link={invitation}", key="")
    assert status == 200, opened
    # the UI reads its onboarding session from the token LiteLLM signed
    session = jwt.decode(opened["token"], options={"verify_signature": False})["key"]
    other = api.ok("/user/new", {"user_email": "jo@corp.example", "auto_create_key": False})
    arrives(api, "/user/new: account", lambda: user(api, "jo@corp.example"))
    claim = {"invitation_link": invitation, "user_id": other["user_id"], "password": "Jo-Stolen-1"}
    status, _ = api.call("/onboarding/claim_token", claim, key=session)
    assert status == 401
    api.ok(
        "/onboarding/claim_token", claim | {"user_id": ivy, "password": "Ivy-Chosen-2026"}, session
    )
    arrives(
        api,
        "/onboarding/claim_token: password",
        lambda: password_is(api, "ivy@corp.example", "Ivy-Chosen-2026"),
    )
    assert not password_is(api, "jo@corp.example", "Jo-Stolen-1")


def test_keys_grant_block_and_remove_models(api: Api) -> None:
    # no key of her own yet (/user/new makes one unless told not to: it would grant every model)
    erin = api.ok("/user/new", {"user_email": "erin@corp.example", "auto_create_key": False})[
        "user_id"
    ]
    arrives(api, "/user/new: account", lambda: user(api, "erin@corp.example"))
    key = api.ok("/key/generate", {"user_id": erin, "models": ["gpt-4"]})["key"]
    arrives(api, "/key/generate: grant", lambda: readable(api, "erin@corp.example") == {"gpt-4"})
    api.ok("/key/update", {"key": key, "models": ["gpt-4", "gpt-3.5-turbo"]})
    arrives(
        api,
        "/key/update: grants",
        lambda: readable(api, "erin@corp.example") == {"gpt-4", "gpt-3.5-turbo"},
    )
    api.ok("/key/block", {"key": key})
    arrives(api, "/key/block: no grant", lambda: readable(api, "erin@corp.example") == set())
    api.ok("/key/unblock", {"key": key})
    arrives(api, "/key/unblock: grants back", lambda: len(readable(api, "erin@corp.example")) == 2)
    api.ok("/key/delete", {"keys": [key]})
    arrives(api, "/key/delete: no grant", lambda: readable(api, "erin@corp.example") == set())


def test_teams_become_groups_with_their_members_and_models(api: Api) -> None:
    frank, gina = (
        api.ok("/user/new", {"user_email": email, "auto_create_key": False})["user_id"]
        for email in ("frank@corp.example", "gina@corp.example")
    )
    team = api.ok("/team/new", {"team_alias": "Platform", "models": ["gpt-4"]})["team_id"]
    arrives(api, "/team/new: group", lambda: members(api, "Platform") == set())
    api.ok(
        "/team/member_add",
        {
            "team_id": team,
            "member": [{"user_id": frank, "role": "user"}, {"user_id": gina, "role": "user"}],
        },
    )
    arrives(
        api,
        "/team/member_add: members",
        lambda: members(api, "Platform") == {"frank@corp.example", "gina@corp.example"},
    )
    api.ok("/key/generate", {"user_id": frank, "team_id": team})
    arrives(api, "team key: grant", lambda: readable(api, "frank@corp.example") == {"gpt-4"})
    api.ok("/team/model/add", {"team_id": team, "models": ["gpt-3.5-turbo"]})
    arrives(
        api,
        "/team/model/add: grants",
        lambda: readable(api, "frank@corp.example") == {"gpt-4", "gpt-3.5-turbo"},
    )
    api.ok("/team/update", {"team_id": team, "team_alias": "Platform Eng"})
    arrives(api, "/team/update: renamed", lambda: members(api, "Platform Eng") is not None)
    api.ok("/team/member_delete", {"team_id": team, "user_id": gina})
    arrives(
        api,
        "/team/member_delete: member gone",
        lambda: members(api, "Platform Eng") == {"frank@corp.example"},
    )
    api.ok("/team/block", {"team_id": team})
    arrives(api, "/team/block: no grant", lambda: readable(api, "frank@corp.example") == set())
    api.ok("/team/unblock", {"team_id": team})
    arrives(api, "/team/unblock: grants", lambda: len(readable(api, "frank@corp.example")) == 2)
    api.ok("/team/delete", {"team_ids": [team]})
    arrives(api, "/team/delete: group gone", lambda: members(api, "Platform Eng") is None)


def test_a_call_litellm_refuses_changes_nothing(api: Api) -> None:
    hank = api.ok("/user/new", {"user_email": "hank@corp.example"})["user_id"]
    arrives(api, "/user/new: account", lambda: user(api, "hank@corp.example"))
    before = (api.databases.owui_users(), api.databases.owui_groups(), readable(api, "hank@"))
    refused = [
        ("/team/member_add", {"team_id": "no-such-team", "member": {"user_id": hank}}),
        ("/key/update", {"key": "sk-no-such-key", "models": ["gpt-4"]}),
        ("/user/update", {"user_id": hank, "user_role": "not-a-role"}),
        ("/team/new", {"team_alias": "x", "models": "not-a-list"}),
    ]
    for path, body in refused:
        status, answer = api.call(path, body)
        assert status >= 400, f"{path} was not refused: {answer}"
    time.sleep(3)  # the tap would have acted within this; nothing may arrive
    after = (api.databases.owui_users(), api.databases.owui_groups(), readable(api, "hank@"))
    assert _comparable(after) == _comparable(before)


def _comparable(state: tuple[Any, ...]) -> Any:
    users, groups, models = state
    return (
        {e: (r["role"], r["active"], r["name"]) for e, r in users.items()},
        {n: (g["description"], frozenset(g["members"])) for n, g in groups.items()},
        models,
    )


def test_bulk_routes_reach_open_webui(api: Api) -> None:
    """``/user/bulk_update`` (roles, and a password of an update that succeeded) and
    ``/team/bulk_member_add``, on releases that serve them; a bulk item LiteLLM fails changes
    nothing for that person."""
    hal, ida = (
        api.ok("/user/new", {"user_email": email, "auto_create_key": False})["user_id"]
        for email in ("hal@corp.example", "ida@corp.example")
    )
    arrives(api, "/user/new: accounts", lambda: user(api, "ida@corp.example"))
    status, answer = api.call(
        "/user/bulk_update",
        {
            "users": [
                {"user_id": hal, "user_role": "proxy_admin", "password": "Hal-Bulk-2026"},
                {"user_id": "nobody-here", "password": "Nobody-Bulk-2026"},
                {"user_id": ida, "user_role": "proxy_admin"},
            ]
        },
    )
    if status == 404:
        pytest.skip("this LiteLLM has no /user/bulk_update")
    assert status == 200, answer
    arrives(
        api,
        "/user/bulk_update: roles",
        lambda: (
            {user(api, e)["role"] for e in ("hal@corp.example", "ida@corp.example")} == {"admin"}
        ),
    )
    arrives(
        api,
        "/user/bulk_update: password",
        lambda: password_is(api, "hal@corp.example", "Hal-Bulk-2026"),
    )
    assert user(api, "nobody-here") is None

    team = api.ok("/team/new", {"team_alias": "Bulk Crew", "models": ["gpt-4"]})["team_id"]
    arrives(api, "/team/new: group", lambda: members(api, "Bulk Crew") == set())
    members_ = [{"user_id": hal, "role": "user"}, {"user_id": ida, "role": "user"}]
    status, answer = api.call("/team/bulk_member_add", {"team_id": team, "members": members_})
    assert status == 200, answer
    arrives(
        api,
        "/team/bulk_member_add: members",
        lambda: members(api, "Bulk Crew") == {"hal@corp.example", "ida@corp.example"},
    )


def test_organisations_become_groups_where_litellm_serves_them(api: Api) -> None:
    """``/organization/*`` is an Enterprise feature of LiteLLM 1.106.12 and 1.108.7 (refused,
    and nothing changes); 1.77.3 serves it (`make test-compat`)."""
    kay = api.ok("/user/new", {"user_email": "kay@corp.example", "auto_create_key": False})[
        "user_id"
    ]
    arrives(api, "/user/new: account", lambda: user(api, "kay@corp.example"))
    status, answer = api.call(
        "/organization/new", {"organization_alias": "Acme Org", "models": ["gpt-4"]}
    )
    if status != 200:
        assert status in (400, 401, 403), answer
        assert "enterprise" in str(answer).lower() or "premium" in str(answer).lower(), answer
        time.sleep(1)
        assert members(api, "Acme Org") is None
        pytest.skip(f"this LiteLLM keeps /organization/new for Enterprise licences ({status})")
    org = answer["organization_id"]
    arrives(api, "/organization/new: group", lambda: members(api, "Acme Org") == set())
    member = {"user_id": kay, "role": "internal_user"}
    api.ok("/organization/member_add", {"organization_id": org, "member": [member]})
    arrives(
        api,
        "/organization/member_add: member",
        lambda: members(api, "Acme Org") == {"kay@corp.example"},
    )
    # both are DELETE routes (with a body)
    gone = api.call(
        "/organization/member_delete", {"organization_id": org, "user_id": kay}, method="DELETE"
    )
    assert gone[0] == 200, gone
    arrives(api, "/organization/member_delete", lambda: members(api, "Acme Org") == set())
    gone = api.call("/organization/delete", {"organization_ids": [org]}, method="DELETE")
    assert gone[0] == 200, gone
    arrives(api, "/organization/delete: group gone", lambda: members(api, "Acme Org") is None)
