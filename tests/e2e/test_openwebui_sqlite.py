"""The real Open WebUI server (0.12.4 and 0.6.30) on SQLite, its default database.

Open WebUI creates and migrates ``DATA_DIR/webui.db`` itself at start; the bridge then syncs
into the same file while Open WebUI serves it, and the test signs in through Open WebUI's own
API: the accounts, roles and groups it wrote, a deleted user signed out at once, and 300 people
synced while Open WebUI answers (and writes: every sign-in records the time) requests.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from devtools import dbs
from devtools import litellm_seed as seed
from litellm_bridge_plugin.engine.sync import reconcile
from litellm_bridge_plugin.settings import Settings, load_settings
from litellm_bridge_plugin.sqlite import sqlite_path
from tests.fixtures.roles import as_bridge

from .openwebui_harness import running_openwebui

PASSWORDS = {"alice": "Alice-Wonder-1", "bob": "Bob-Builder-2", "carol": "Carol-Admin-3"}


@pytest.fixture(params=["0.12.4", "0.6.30"], ids=lambda v: f"openwebui-{v}-sqlite")
def stack(
    request: pytest.FixtureRequest, pg_server: str, templates: dict[str, str], tmp_path: Path
) -> Iterator[tuple[Any, Settings, str, str]]:
    """Open WebUI on a SQLite file it migrates itself, a LiteLLM database, and the bridge's
    settings for both (the same ``sqlite:`` URL Open WebUI's DATABASE_URL holds)."""
    version: str = request.param
    name = f"t_{uuid.uuid4().hex[:10]}_litellm"
    litellm_url = dbs.create_database(pg_server, name, templates["litellm"])
    data = tmp_path / "data"
    data.mkdir()
    url = f"sqlite:///{data / 'webui.db'}"
    try:
        with running_openwebui(version, url, tmp_path) as server:
            settings = load_settings(
                litellm_database_url=as_bridge(litellm_url, "litellm"),
                openwebui_database_url=url,
            )
            yield server, settings, litellm_url, version
    finally:
        dbs.drop_database(pg_server, name)


def test_synced_people_sign_in_to_open_webui_on_sqlite(stack: Any) -> None:
    server, settings, litellm_url, version = stack
    with psycopg.connect(litellm_url, autocommit=True) as conn:
        seed.seed_company(conn)
    first = reconcile(settings, passwords=PASSWORDS)
    assert first.ok, [o.error for o in first.outcomes if o.error]

    status, alice = server.sign_in("alice@techcompany.com", PASSWORDS["alice"])
    assert status == 200 and alice["role"] == "user" and alice["name"] == "Alice", alice
    status, carol = server.sign_in("carol@techcompany.com", PASSWORDS["carol"])
    assert status == 200 and carol["role"] == "admin"
    status, groups = server.call("GET", "/api/v1/groups/", token=carol["token"])
    assert status == 200
    counts = {g["name"]: g.get("member_count", len(g.get("user_ids") or [])) for g in groups}
    assert counts == {"Tech Company Inc": 3, "AI Research Team": 1, "Product Team": 1}
    status, mine = server.call("GET", "/api/v1/groups/", token=alice["token"])
    assert status == 200
    assert {g["name"] for g in mine} == {"Tech Company Inc", "AI Research Team"}
    assert reconcile(settings).planned == ()

    status, bob = server.sign_in("bob@techcompany.com", PASSWORDS["bob"])
    assert status == 200
    with psycopg.connect(litellm_url, autocommit=True) as conn:
        seed.delete_user(conn, "bob")
    assert reconcile(settings).ok
    assert server.call("GET", "/api/v1/groups/", token=bob["token"])[0] == 401
    if version != "0.6.30":  # 0.12 checks the login row on every request
        assert server.call("GET", "/api/v1/auths/", token=bob["token"])[0] == 401
    assert server.sign_in("bob@techcompany.com", PASSWORDS["bob"])[0] in (400, 403)


def test_three_hundred_people_are_synced_while_open_webui_serves_the_file(stack: Any) -> None:
    """Open WebUI keeps answering (every sign-in writes to the same file) while the bridge
    writes 300 accounts and their memberships into it: no request fails."""
    import sqlite3

    server, settings, litellm_url, _ = stack
    with psycopg.connect(litellm_url, autocommit=True) as conn:
        seed.seed_company(conn)
    assert reconcile(settings, passwords=PASSWORDS).ok
    with psycopg.connect(litellm_url, autocommit=True) as conn:
        for n in range(300):
            seed.add_user(conn, f"p{n}", f"p{n}@campus.test", f"Person {n}")
            seed.add_team_member(conn, f"p{n}", "team-product")
    status, carol = server.sign_in("carol@techcompany.com", PASSWORDS["carol"])
    assert status == 200
    answers: list[tuple[int, float]] = []
    done = threading.Event()

    def ask(request: Any) -> None:
        while not done.is_set():
            started = time.perf_counter()
            status, _ = request()
            answers.append((status, time.perf_counter() - started))

    askers = [
        threading.Thread(  # writes: Open WebUI records each sign-in
            target=ask, args=(lambda: server.sign_in("carol@techcompany.com", PASSWORDS["carol"]),)
        ),
        threading.Thread(  # reads of the file
            target=ask, args=(lambda: server.call("GET", "/api/v1/auths/", token=carol["token"]),)
        ),
    ]
    for asker in askers:
        asker.start()
    try:
        result = reconcile(settings)
    finally:
        done.set()
        for asker in askers:
            asker.join()
    assert result.ok and result.succeeded >= 300, [o.error for o in result.outcomes if o.error]
    assert answers and {status for status, _ in answers} == {200}, answers[:5]
    print(  # a figure, not a bound: the longest sign-in while the bridge wrote
        f"{len(answers)} requests during the sync, slowest {max(t for _, t in answers):.3f} s"
    )
    path = sqlite_path(settings.openwebui_database_url)
    with sqlite3.connect(path) as db:
        count = db.execute("SELECT count(*) FROM user WHERE email LIKE '%@campus.test'")
        assert count.fetchone()[0] == 300
