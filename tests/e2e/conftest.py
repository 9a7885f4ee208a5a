"""The end-to-end chain: the real Open WebUI in front of the real proxy with the plugin."""

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
from tests.fixtures.proxies import MASTER_KEY, Proxy, env_for, free_port
from tests.fixtures.roles import as_bridge

from .browser import browser  # noqa: F401 (the fixture, for every browser test)
from .chain import CHAIN_DATABASES, chain_id
from .openwebui_harness import OpenWebUI, running_openwebui


@pytest.fixture(params=CHAIN_DATABASES, ids=chain_id)
def chain(
    request: pytest.FixtureRequest,
    pg_server: str,
    templates: dict[str, str],
    tmp_path: Path,
    proxy_factory: Callable[..., Proxy],
) -> Iterator[tuple[OpenWebUI, Proxy, Any]]:
    """Open WebUI ``version`` on PostgreSQL (or, parametrised with ``ON_BOTH_DATABASES``,
    on the SQLite file it makes itself) in front of a proxy running the plugin."""
    version, dialect = request.param
    tag = uuid.uuid4().hex[:10]
    litellm_name, openwebui_name = f"t_{tag}_litellm", f"t_{tag}_owui_chain"
    litellm_url = dbs.create_database(pg_server, litellm_name, templates["litellm"])
    on_sqlite = dialect == "sqlite"
    if on_sqlite:
        (tmp_path / "data").mkdir()
        openwebui_url = f"sqlite:///{tmp_path / 'data' / 'webui.db'}"
    else:
        openwebui_url = dbs.create_database(pg_server, openwebui_name)
    proxy = None
    port = free_port()
    try:
        with psycopg.connect(litellm_url, autocommit=True) as conn:
            seed.seed_scenario(conn)
        with running_openwebui(
            version,
            openwebui_url,
            tmp_path,
            **openwebui_connection_env(f"http://127.0.0.1:{port}", MASTER_KEY),
        ) as server:
            # Open WebUI has migrated its database: the bridge gets its least-privilege roles
            bridge_litellm = as_bridge(litellm_url, "litellm")
            bridge_openwebui = openwebui_url if on_sqlite else as_bridge(openwebui_url, "openwebui")
            proxy = proxy_factory(
                env_for(bridge_litellm, bridge_openwebui, BRIDGE_OPENWEBUI_SERVICE_KEY=MASTER_KEY),
                port=port,
            )
            proxy.wait_until(proxy.ready, "the proxy to answer")
            settings = load_settings(
                litellm_database_url=bridge_litellm, openwebui_database_url=bridge_openwebui
            )
            yield server, proxy, settings
    finally:
        if proxy is not None:
            proxy.stop()
        dbs.drop_database(pg_server, litellm_name)
        if not on_sqlite:
            dbs.drop_database(pg_server, openwebui_name)
