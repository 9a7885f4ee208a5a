"""The plugin inside the real LiteLLM proxy (no proxy database: Prisma cannot run here).

The proxy loads ``litellm_bridge_callback.bridge`` (config/litellm_bridge_callback.py) from
config/litellm_config.yaml exactly as in production; the bridge reads LiteLLM's tables with
its own connection, so the test fills them with SQL. Chat goes to the config's mock models.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from devtools import litellm_seed as seed
from litellm_bridge_plugin.capture import triggers
from litellm_bridge_plugin.capture.tap import ROUTES
from litellm_bridge_plugin.engine import bridge_db
from tests.fixtures.proxies import Proxy, env_for, only_newest
from tests.fixtures.support import Databases


@only_newest
def test_plugin_syncs_at_start_and_follows_sql_changes(
    databases: Databases, proxy_factory: Callable[[dict[str, str]], Proxy]
) -> None:
    conn = databases.litellm()
    seed.seed_company(conn)
    bridge_db.ensure_schema(databases.bridge_litellm())
    triggers.install(databases.bridge_litellm())
    # no sweep during the test: what follows the start-up sync comes through the triggers
    proxy = proxy_factory(
        env_for(databases.litellm_url, databases.openwebui_url, BRIDGE_SWEEP_INTERVAL="3600")
    )
    proxy.wait_until(lambda: len(databases.owui_users()) == 3, "users in Open WebUI")
    assert "litellm-bridge: started;" in proxy.log
    assert "Open WebUI schema generation 0.12+" in proxy.log
    assert set(databases.owui_groups()) == {"Tech Company Inc", "AI Research Team", "Product Team"}
    proxy.wait_until(proxy.ready, "the proxy to answer")
    status, body = proxy.chat()
    assert status == 200
    assert "mock gpt-4" in json.dumps(body)

    assert f"watching {len(ROUTES)} management routes" in proxy.log
    assert "this LiteLLM has no" not in proxy.log
    # a management call fails here (no proxy database); it passes through, signals nothing
    status, _ = proxy.post("/user/update", {"user_id": "alice", "password": "Pw-in-transit-9"})
    assert status >= 400
    assert "Pw-in-transit-9" not in proxy.log

    seed.add_user(databases.litellm(), "dave", "Dave@TechCompany.com")
    proxy.wait_until(
        lambda: "dave@techcompany.com" in databases.owui_users(), "the trigger outbox to add Dave"
    )
    # a clean stop on SIGINT: exit 0, or (uvicorn 0.29, which LiteLLM 1.77.3 pins, raises the
    # SIGINT again once shut down and LiteLLM's click CLI reports it) 1 with "Aborted!" after
    # a complete shutdown; nothing of the bridge in between
    code = proxy.stop()
    log = proxy.log.rstrip()
    assert "Application shutdown complete" in log
    assert code == 0 or (code == 1 and log.endswith("Aborted!")), (code, log[-500:])
    assert "litellm_bridge_plugin/" not in proxy.log  # no traceback through the bridge


@only_newest
def test_sweeps_in_the_proxy_skip_reading_until_something_changes(
    databases: Databases, proxy_factory: Callable[[dict[str, str]], Proxy]
) -> None:
    """With the proxy's live router in the fingerprint (engine/fingerprint.py), sweeps every
    2 s: once one finds nothing to do, the next ones read nothing; a change made behind the
    proxy's back (no triggers) is read and applied by the next sweep."""
    seed.seed_scenario(databases.litellm())
    proxy = proxy_factory(env_for(databases.litellm_url, databases.openwebui_url))
    skipped = "found nothing to do; not read again"
    proxy.wait_until(lambda: skipped in proxy.log, "a sweep that reads nothing")
    proxy.wait_until(proxy.ready, "the proxy to answer")
    seed.add_user(databases.litellm(), "gina", "gina@techcompany.com", "Gina")
    proxy.wait_until(
        lambda: "gina@techcompany.com" in databases.owui_users(), "the next sweep to add Gina"
    )
    before = proxy.log.count(skipped)
    proxy.wait_until(lambda: proxy.log.count(skipped) > before, "sweeps reading nothing again")
    assert "cannot compute the fingerprint" not in proxy.log


@only_newest
def test_unreachable_open_webui_never_breaks_the_proxy(
    databases: Databases, proxy_factory: Callable[[dict[str, str]], Proxy]
) -> None:
    proxy = proxy_factory(
        env_for(databases.litellm_url, "postgresql://bridge:hunter2@127.0.0.1:1/openwebui")
    )
    proxy.wait_until(proxy.ready, "the proxy to answer")
    status, _ = proxy.chat()
    assert status == 200
    proxy.wait_until(lambda: "will retry" in proxy.log, "the retry message")
    assert "cannot connect to the Open WebUI database" in proxy.log
    assert "hunter2" not in proxy.log


@only_newest
def test_invalid_settings_stop_the_start_with_the_variable_name(
    databases: Databases, proxy_factory: Callable[[dict[str, str]], Proxy]
) -> None:
    proxy = proxy_factory(
        env_for(databases.litellm_url, databases.openwebui_url, BRIDGE_ON_USER_DELETE="purge")
    )
    proxy.process.wait(120)
    assert proxy.process.returncode != 0
    assert "BRIDGE_ON_USER_DELETE" in proxy.log
