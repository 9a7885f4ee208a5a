"""The whole chain: the real Open WebUI talks to the real LiteLLM proxy with one service key.

The proxy runs the plugin (mock models, no proxy database: its master key is the service
key); Open WebUI forwards user-info headers. After the bridge syncs the guide's scenario,
each person signs in to Open WebUI, sees exactly the models LiteLLM grants them, chats within
them, and cannot use the rest.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from devtools import dbs
from devtools import litellm_seed as seed
from devtools.stack import openwebui_connection_env
from litellm_bridge_plugin.settings import load_settings
from litellm_bridge_plugin.sync import reconcile

from ..proxy_harness import MASTER_KEY, Proxy, env_for, proxy_factory
from .openwebui_harness import OpenWebUI, running_openwebui

__all__ = ["proxy_factory"]  # the fixture

PASSWORDS = {
    "alice": "Alice-Wonder-1",
    "bob": "Bob-Builder-2",
    "carol": "Carol-Admin-3",
    "dave": "Dave-Nokey-4",
}
GRANTS = {
    "alice": {"gpt-4", "claude-3-sonnet"},
    "bob": {"gpt-3.5-turbo", "gpt-4"},
    "carol": {"gpt-4", "gpt-3.5-turbo", "claude-3-sonnet"},
    "dave": set(),
}


@pytest.fixture(params=["0.12.4", "0.6.30"], ids=lambda v: f"openwebui-{v}")
def chain(
    request: pytest.FixtureRequest,
    pg_server: str,
    templates: dict[str, str],
    tmp_path: Path,
    proxy_factory: Callable[..., Proxy],
) -> Iterator[tuple[OpenWebUI, Proxy, Any]]:
    version = request.param
    tag = uuid.uuid4().hex[:10]
    litellm_name, openwebui_name = f"t_{tag}_litellm", f"t_{tag}_owui_chain"
    litellm_url = dbs.create_database(pg_server, litellm_name, templates["litellm"])
    openwebui_url = dbs.create_database(pg_server, openwebui_name)
    proxy = None
    try:
        with psycopg.connect(litellm_url, autocommit=True) as conn:
            seed.seed_scenario(conn)
        proxy = proxy_factory(
            env_for(litellm_url, openwebui_url, BRIDGE_OPENWEBUI_SERVICE_KEY=MASTER_KEY)
        )
        proxy.wait_until(proxy.ready, "the proxy to answer")
        with running_openwebui(
            version,
            openwebui_url,
            tmp_path,
            **openwebui_connection_env(f"http://127.0.0.1:{proxy.port}", MASTER_KEY),
        ) as server:
            settings = load_settings(
                litellm_database_url=litellm_url, openwebui_database_url=openwebui_url
            )
            yield server, proxy, settings
    finally:
        if proxy is not None:
            proxy.stop()
        dbs.drop_database(pg_server, litellm_name)
        dbs.drop_database(pg_server, openwebui_name)


def test_each_person_sees_and_uses_exactly_their_grant(
    chain: tuple[OpenWebUI, Proxy, Any],
) -> None:
    server, proxy, settings = chain
    # the proxy's worker syncs once Open WebUI has migrated its database; set passwords
    proxy.wait_until(lambda: reconcile(settings, passwords=PASSWORDS).ok, "a sync", timeout=60)
    proxy.wait_until(
        lambda: reconcile(settings, dry_run=True).planned == (), "the proxy's sync", timeout=60
    )
    tokens = {}
    for user, password in PASSWORDS.items():
        status, session = server.sign_in(f"{user}@techcompany.com", password)
        assert status == 200, session
        tokens[user] = session["token"]
    for user, granted in GRANTS.items():
        assert server.model_ids(tokens[user]) == granted, user
    status, body = server.chat(tokens["alice"], "gpt-4")
    assert status == 200, body
    assert "mock gpt-4" in body["choices"][0]["message"]["content"]
    status, body = server.chat(tokens["bob"], "gpt-3.5-turbo")
    assert status == 200, body
    # outside the grant Open WebUI refuses (it does not list the model for them) ...
    assert server.chat(tokens["alice"], "gpt-3.5-turbo")[0] >= 400
    assert server.chat(tokens["dave"], "gpt-4")[0] >= 400
    # ... and LiteLLM refuses too, whoever holds the service key
    status, body = proxy.post(
        "/v1/chat/completions",
        {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": "hi"}]},
        {"X-OpenWebUI-User-Email": "alice@techcompany.com"},
    )
    assert status == 403 and "may not use model gpt-3.5-turbo" in str(body)
