"""The real LiteLLM proxy with the plugin loaded, for the tests (no proxy database)."""

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

from devtools.proxy import CONFIG, proxy_env, start_proxy

MASTER_KEY = "sk-test-master"
only_newest = pytest.mark.parametrize("databases", ["0.12.4"], indirect=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Proxy:
    def __init__(
        self, env: dict[str, str], tmp_path: Path, config: Path = CONFIG, port: int | None = None
    ) -> None:
        self.port = port or free_port()
        self.log_path = tmp_path / f"proxy-{self.port}.log"
        self.process = start_proxy(env, self.port, self.log_path, config)

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

    def post(
        self, path: str, body: dict[str, object], headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, object]]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {MASTER_KEY}", "Content-Type": "application/json"}
            | (headers or {}),
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            try:
                return exc.code, json.loads(exc.read())
            except ValueError:
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


def env_for(litellm_url: str, openwebui_url: str, **extra: str) -> dict[str, str]:
    settings = {"BRIDGE_SWEEP_INTERVAL": "2"} | extra
    return proxy_env(litellm_url, openwebui_url, MASTER_KEY, **settings)


@pytest.fixture
def proxy_factory(tmp_path: Path) -> Iterator[Callable[..., Proxy]]:
    started: list[Proxy] = []

    def start(env: dict[str, str], config: Path = CONFIG, port: int | None = None) -> Proxy:
        proxy = Proxy(env, tmp_path, config, port)
        started.append(proxy)
        return proxy

    yield start
    for proxy in started:
        proxy.stop()
