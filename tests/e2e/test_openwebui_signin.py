"""The real Open WebUI server (0.12.4 and 0.6.30) on a database the bridge wrote.

Open WebUI migrates an empty database itself at start; the bridge then syncs the guide's
company into it, and the test signs in through Open WebUI's own API. Needs the Open WebUI
install made by scripts/install-openwebui.sh (`make test` runs it first).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from devtools import dbs
from devtools import litellm_seed as seed
from litellm_bridge_plugin.engine.sync import reconcile
from litellm_bridge_plugin.openwebui import config as openwebui_config
from litellm_bridge_plugin.openwebui.schema import detect
from litellm_bridge_plugin.ops.cli import main as cli_main
from litellm_bridge_plugin.settings import load_settings
from tests.fixtures.roles import as_bridge
from tests.fixtures.support import owui_mark_sso

from .openwebui_harness import running_openwebui

PASSWORDS = {"alice": "Alice-Wonder-1", "bob": "Bob-Builder-2", "carol": "Carol-Admin-3"}


@contextmanager
def _running(
    pg_server: str, templates: dict[str, str], tmp_path: Path, version: str, **env: str
) -> Iterator[Any]:
    """Open WebUI ``version`` (its environment plus ``env``) on an empty database it migrates,
    a LiteLLM database, and the bridge's settings for both."""
    tag = uuid.uuid4().hex[:10]
    litellm_name, openwebui_name = f"t_{tag}_litellm", f"t_{tag}_owui_real"
    litellm_url = dbs.create_database(pg_server, litellm_name, templates["litellm"])
    openwebui_url = dbs.create_database(pg_server, openwebui_name)
    try:
        with running_openwebui(version, openwebui_url, tmp_path, **env) as server:
            settings = load_settings(  # the bridge under its least-privilege roles
                litellm_database_url=as_bridge(litellm_url, "litellm"),
                openwebui_database_url=as_bridge(openwebui_url, "openwebui"),
            )
            yield server, settings, litellm_url, version, openwebui_url
    finally:
        dbs.drop_database(pg_server, litellm_name)
        dbs.drop_database(pg_server, openwebui_name)


@pytest.fixture(params=["0.12.4", "0.6.30"], ids=lambda v: f"openwebui-{v}")
def stack(
    request: pytest.FixtureRequest, pg_server: str, templates: dict[str, str], tmp_path: Path
) -> Iterator[Any]:
    with _running(pg_server, templates, tmp_path, request.param) as (*found, _):
        yield tuple(found)


def _open_sign_up(server: Any) -> dict[str, Any]:
    """The first account (Open WebUI's admin) signs up and lets others sign up; returns it."""
    status, root = server.call(
        "POST",
        "/api/v1/auths/signup",
        {"name": "Root", "email": "root@local.test", "password": "Root-Admin-2026"},
    )
    assert status == 200 and root["role"] == "admin", root
    status, config = server.call("GET", "/api/v1/auths/admin/config", token=root["token"])
    assert status == 200
    body = {k: v for k, v in config.items() if v is not None} | {"ENABLE_SIGNUP": True}
    status, saved = server.call("POST", "/api/v1/auths/admin/config", body, token=root["token"])
    assert status == 200 and saved["ENABLE_SIGNUP"] is True, saved
    return root


def _cli_sync(settings: Any) -> None:
    """``litellm-bridge sync``, as an operator runs it."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BRIDGE_LITELLM_DATABASE_URL", settings.litellm_database_url)
        env.setenv("BRIDGE_OPENWEBUI_DATABASE_URL", settings.openwebui_database_url)
        assert cli_main(["sync"]) == 0


def test_synced_users_sign_in_to_the_real_open_webui(stack: Any) -> None:
    server, settings, litellm_url, version = stack
    import psycopg

    with psycopg.connect(litellm_url, autocommit=True) as conn:
        seed.seed_company(conn)
    first = reconcile(settings, passwords=PASSWORDS)
    assert first.ok

    status, alice = server.sign_in("Alice@TechCompany.com", PASSWORDS["alice"])
    assert status == 200, alice
    assert alice["role"] == "user" and alice["name"] == "Alice"
    status, carol = server.sign_in("carol@techcompany.com", PASSWORDS["carol"])
    assert status == 200 and carol["role"] == "admin"
    status, _ = server.sign_in("alice@techcompany.com", "alice@techcompany.com")
    assert status == 400  # the email is never the password
    # someone synced without a password has a placeholder no password matches (a random
    # bcrypt value): Open WebUI refuses every try, and answers (no error from its checker)
    with psycopg.connect(litellm_url, autocommit=True) as conn:
        seed.add_user(conn, "nopass", "nopass@techcompany.com")
    assert reconcile(settings).ok
    for attempt in ("password", "nopass@techcompany.com", "x" * 72):
        assert server.sign_in("nopass@techcompany.com", attempt)[0] == 400

    status, groups = server.call("GET", "/api/v1/groups/", token=carol["token"])
    assert status == 200
    by_name = {g["name"]: g for g in groups}
    counts = {n: g.get("member_count", len(g.get("user_ids") or [])) for n, g in by_name.items()}
    assert counts == {"Tech Company Inc": 3, "AI Research Team": 1, "Product Team": 1}
    if version != "0.6.30":  # the member listing endpoint came later
        status, members = server.call(
            "POST", f"/api/v1/groups/id/{by_name['Product Team']['id']}/users", token=carol["token"]
        )
        assert status == 200 and [m["email"] for m in members] == ["bob@techcompany.com"]
    status, mine = server.call("GET", "/api/v1/groups/", token=alice["token"])
    assert status == 200
    assert {g["name"] for g in mine} == {"Tech Company Inc", "AI Research Team"}

    assert reconcile(settings).planned == ()

    status, bob = server.sign_in("bob@techcompany.com", PASSWORDS["bob"])
    assert status == 200
    assert server.call("GET", "/api/v1/auths/", token=bob["token"])[0] == 200
    with psycopg.connect(litellm_url, autocommit=True) as conn:
        seed.delete_user(conn, "bob")
        conn.execute(
            "UPDATE \"LiteLLM_UserTable\" SET user_role = 'proxy_admin' WHERE user_id = 'alice'"
        )
    # the CLI an operator runs
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BRIDGE_LITELLM_DATABASE_URL", settings.litellm_database_url)
        env.setenv("BRIDGE_OPENWEBUI_DATABASE_URL", settings.openwebui_database_url)
        assert cli_main(["sync"]) == 0

    # signed out at once: the token no longer reaches anything a signed-in user may use
    assert server.call("GET", "/api/v1/groups/", token=bob["token"])[0] == 401
    if version != "0.6.30":  # 0.12 checks the login row on every request
        assert server.call("GET", "/api/v1/auths/", token=bob["token"])[0] == 401
    assert server.sign_in("bob@techcompany.com", PASSWORDS["bob"])[0] in (400, 403)
    status, session = server.call("GET", "/api/v1/auths/", token=alice["token"])
    assert status == 200 and session["role"] == "admin"


@pytest.mark.parametrize("stack", ["0.12.4"], indirect=True)
def test_a_self_registered_account_waits_for_the_operator(stack: Any) -> None:
    """Someone signs up with a proxy_admin's email first: the account stays pending through
    the sync, and becomes admin once an operator vouches for it with `litellm-bridge link`."""
    server, settings, litellm_url, _ = stack
    import psycopg

    _open_sign_up(server)
    status, early = server.call(
        "POST",
        "/api/v1/auths/signup",
        {"name": "Carol?", "email": "Carol@TechCompany.com", "password": "First-Come-2026"},
    )
    assert status == 200 and early["role"] == "pending", early

    with psycopg.connect(litellm_url, autocommit=True) as conn:
        seed.seed_company(conn)  # Carol is a proxy_admin in LiteLLM
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BRIDGE_LITELLM_DATABASE_URL", settings.litellm_database_url)
        env.setenv("BRIDGE_OPENWEBUI_DATABASE_URL", settings.openwebui_database_url)
        assert cli_main(["sync"]) == 0
        status, session = server.call("GET", "/api/v1/auths/", token=early["token"])
        assert status == 200 and session["role"] == "pending"
        status, again = server.sign_in("carol@techcompany.com", "First-Come-2026")
        assert status == 200 and again["role"] == "pending"  # held: not linked, not changed
        assert cli_main(["sync"]) == 0
        assert server.call("GET", "/api/v1/auths/", token=early["token"])[1]["role"] == "pending"

        assert cli_main(["link", "carol@techcompany.com"]) == 0
        assert cli_main(["sync"]) == 0
    status, session = server.call("GET", "/api/v1/auths/", token=early["token"])
    assert status == 200 and session["role"] == "admin"
    status, carol = server.sign_in("carol@techcompany.com", "First-Come-2026")
    assert status == 200 and carol["role"] == "admin"  # her own password, untouched


@pytest.mark.parametrize("version", ["0.12.4", "0.6.30"])
def test_when_every_sign_up_is_a_user_a_squatter_is_held(
    pg_server: str, templates: dict[str, str], tmp_path: Path, version: str
) -> None:
    """With Open WebUI's DEFAULT_USER_ROLE=user, someone who registers Carol's and Alice's
    emails first is 'user' at once, like an approved account. The bridge reads the role new
    sign-ups get from Open WebUI's database and holds those accounts: no link, no groups, no
    admin. Open WebUI's SSO account merging later marks Carol's as SSO: linked, still 'user'."""
    import psycopg

    with _running(pg_server, templates, tmp_path, version, DEFAULT_USER_ROLE="user") as found:
        server, settings, litellm_url, _, openwebui_url = found
        _open_sign_up(server)
        squatted = {}
        for name in ("carol", "alice"):
            status, account = server.call(
                "POST",
                "/api/v1/auths/signup",
                {"name": "?", "email": f"{name}@techcompany.com", "password": "Squat-2026-x"},
            )
            assert status == 200 and account["role"] == "user", account
            squatted[name] = account
        with psycopg.connect(litellm_url, autocommit=True) as conn:
            seed.seed_company(conn)  # Carol is a proxy_admin, Alice in two teams
        _cli_sync(settings)

        for name, account in squatted.items():
            status, session = server.call("GET", "/api/v1/auths/", token=account["token"])
            assert status == 200 and session["role"] == "user", (name, session)
            status, groups = server.call("GET", "/api/v1/groups/", token=account["token"])
            assert status == 200 and groups == [], (name, groups)
        with psycopg.connect(litellm_url) as conn:
            links = conn.execute(
                "SELECT litellm_id FROM litellm_bridge.link WHERE entity_type = 'user'"
            ).fetchall()
            reasons = dict(
                conn.execute("SELECT entity_id, reason FROM litellm_bridge.skipped").fetchall()
            )
        assert not {r[0] for r in links} & {"carol", "alice"}
        assert "saved default role for new sign-ups is 'user'" in reasons["carol"]

        with psycopg.connect(openwebui_url, autocommit=True) as conn:
            owui_mark_sso(conn, squatted["carol"]["id"])  # as OAUTH_MERGE_ACCOUNTS_BY_EMAIL
        _cli_sync(settings)
        status, session = server.call("GET", "/api/v1/auths/", token=squatted["carol"]["token"])
        assert status == 200 and session["role"] == "user"  # linked by the mark, never admin
        with psycopg.connect(openwebui_url) as conn:  # what Open WebUI saved, as it saved it
            assert openwebui_config.signup_role(conn, detect(conn)).role == "user"
