"""Helpers for tests on the whole chain (the ``chain`` fixture is in conftest.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from devtools import dbs
from litellm_bridge_plugin.engine.sync import reconcile
from tests.fixtures.proxies import Proxy

from .openwebui_harness import OpenWebUI

CHAIN_DATABASES = [("0.12.4", "postgresql"), ("0.6.30", "postgresql")]
"""The ``chain`` fixture's (Open WebUI release, its database) by default."""
ON_BOTH_DATABASES = [*CHAIN_DATABASES, ("0.12.4", "sqlite"), ("0.6.30", "sqlite")]
NEWEST = [("0.12.4", "postgresql")]


def chain_id(param: tuple[str, str]) -> str:
    return f"openwebui-{param[0]}" + ("-sqlite" if param[1] == "sqlite" else "")


def signed_in(
    server: OpenWebUI, proxy: Proxy, settings: Any, passwords: dict[str, str]
) -> dict[str, str]:
    """Wait for the proxy's sync, set ``passwords`` (LiteLLM user id -> password) and sign
    each of those people in to Open WebUI; returns their session tokens."""
    proxy.wait_until(lambda: reconcile(settings, passwords=passwords).ok, "a sync", timeout=60)
    proxy.wait_until(
        lambda: reconcile(settings, dry_run=True).planned == (), "the proxy's sync", timeout=60
    )
    tokens = {}
    for user, password in passwords.items():
        status, session = server.sign_in(f"{user}@techcompany.com", password)
        assert status == 200, session
        tokens[user] = session["token"]
    return tokens


def litellm_admin_url(pg_server: str, settings: Any) -> str:
    """The chain's LiteLLM database as the server's admin role: the bridge's own role may
    only read it, and the tests write what LiteLLM itself would (spend, budgets)."""
    return dbs.database_url(pg_server, urlsplit(settings.litellm_database_url).path.lstrip("/"))
