"""The plugin inside the real LiteLLM proxy (no proxy database: Prisma cannot run here).

The proxy loads ``litellm_bridge_plugin.bridge`` from config/litellm_config.yaml exactly as in
production; the bridge reads LiteLLM's tables with its own connection, so the test fills them
with SQL. Chat goes to the config's mock models.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devtools import litellm_seed as seed
from devtools.proxy import proxy_env, start_proxy
from litellm_bridge_plugin import bridge_db, triggers

from .support import Databases

MASTER_KEY = "sk-test-master"
only_newest = pytest.mark.parametrize("databases", ["0.12.4"], indirect=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Proxy:
    def __init__(self, env: dict[str, str], tmp_path: Path) -> None:
        self.port = _free_port()
        self.log_path = tmp_path / "proxy.log"
        self.process = start_proxy(env, self.port, self.log_path)

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until(self, check: Callable[[], bool], what: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            if self.process.poll() is not None:
                pytest.fail(
                    f"proxy exited ({self.process.returncode}) waiting for {what}:\n"
                    + self.log[-3000:]
                )
            time.sleep(0.5)
        pytest.fail(f"timed out waiting for {what}:\n{self.log[-3000:]}")

    def chat(self, model: str = "gpt-4") -> tuple[int, dict[str, object]]:
        return self.post(
            "/v1/chat/completions",
            {"model": model, "messages": [{"role": "user", "content": "hi"}]},
        )

    def post(self, path: str, body: dict[str, object]) -> tuple[int, dict[str, object]]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {MASTER_KEY}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, {}

    def ready(self) -> bool:
        try:
            url = f"http://127.0.0.1:{self.port}/health/liveliness"
            with urllib.request.urlopen(url, timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def _env(litellm_url: str, openwebui_url: str, **extra: str) -> dict[str, str]:
    settings = {"BRIDGE_SWEEP_INTERVAL": "2"} | extra
    return proxy_env(litellm_url, openwebui_url, MASTER_KEY, **settings)


@pytest.fixture
def proxy_factory(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], Proxy]]:
    started: list[Proxy] = []

    def start(env: dict[str, str]) -> Proxy:
        proxy = Proxy(env, tmp_path)
        started.append(proxy)
        return proxy

    yield start
    for proxy in started:
        proxy.stop()


@only_newest
def test_plugin_syncs_at_start_and_follows_sql_changes(
    databases: Databases, proxy_factory: Callable[[dict[str, str]], Proxy]
) -> None:
    conn = databases.litellm()
    seed.seed_company(conn)
    bridge_db.ensure_schema(conn)
    triggers.install(conn)
    # no sweep during the test: what follows the start-up sync comes through the triggers
    proxy = proxy_factory(
        _env(databases.litellm_url, databases.openwebui_url, BRIDGE_SWEEP_INTERVAL="3600")
    )
    proxy.wait_until(lambda: len(databases.owui_users()) == 3, "users in Open WebUI")
    assert "litellm-bridge: started;" in proxy.log
    assert "Open WebUI schema generation 0.12+" in proxy.log
    assert set(databases.owui_groups()) == {"Tech Company Inc", "AI Research Team", "Product Team"}
    proxy.wait_until(proxy.ready, "the proxy to answer")
    status, body = proxy.chat()
    assert status == 200
    assert "mock gpt-4" in json.dumps(body)

    assert "watching 30 management routes" in proxy.log
    assert "this LiteLLM has no" not in proxy.log
    # a management call fails here (no proxy database); it passes through, signals nothing
    status, _ = proxy.post("/user/update", {"user_id": "alice", "password": "Pw-in-transit-9"})
    assert status >= 400
    assert "Pw-in-transit-9" not in proxy.log

    seed.add_user(databases.litellm(), "dave", "Dave@TechCompany.com")
    proxy.wait_until(
        lambda: "dave@techcompany.com" in databases.owui_users(), "the trigger outbox to add Dave"
    )
    assert proxy.stop() == 0
    assert "litellm_bridge_plugin/" not in proxy.log  # no traceback through the bridge


@only_newest
def test_unreachable_open_webui_never_breaks_the_proxy(
    databases: Databases, proxy_factory: Callable[[dict[str, str]], Proxy]
) -> None:
    proxy = proxy_factory(
        _env(databases.litellm_url, "postgresql://bridge:hunter2@127.0.0.1:1/openwebui")
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
        _env(databases.litellm_url, databases.openwebui_url, BRIDGE_ON_USER_DELETE="purge")
    )
    proxy.process.wait(120)
    assert proxy.process.returncode != 0
    assert "BRIDGE_ON_USER_DELETE" in proxy.log
