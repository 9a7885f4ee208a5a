"""The readiness answer can be asked for by anyone who reaches the proxy's port: it names no
database address, user or password, and a flood of callers works it out at most once per
``RECENT_SECONDS`` (engine/health.py), through the proxy's real route (observability.py on a
FastAPI app, as LiteLLM's) and the worker's server (ops/serve.py)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.request
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from litellm_bridge_plugin.engine import health
from litellm_bridge_plugin.ops import serve
from litellm_bridge_plugin.proxy import observability
from litellm_bridge_plugin.settings import load_settings

SECRET_URL = "postgresql://owner-{what}:hunter2-{what}@127.0.0.{n}:1/{what}_db"


def _settings() -> Any:
    return load_settings(
        litellm_database_url=SECRET_URL.format(what="litellm", n=1),
        openwebui_database_url=SECRET_URL.format(what="owui", n=2),
    )


def test_an_unreachable_database_is_said_without_where_it_is(
    caplog: pytest.LogCaptureFixture,
) -> None:
    answer = health.assess(_settings(), time.time()).answer()
    assert answer["status"] == "degraded"
    assert answer["openwebui_database"] == "unreachable"
    assert answer["litellm_database"] == "unreachable"
    said = json.dumps(answer)
    for secret in ("owner-", "hunter2", "127.0.0.", "_db"):
        assert secret not in said, said
    assert "127.0.0.2" in caplog.text  # the operator's log has the detail


class Counting:
    """Stands for assess: counts the times it is worked out, slowly (a database far away)."""

    def __init__(self, seconds: float = 0.3) -> None:
        self.calls = 0
        self.seconds = seconds
        self.lock = threading.Lock()

    def __call__(self, *args: object, **kwargs: object) -> health.Health:
        with self.lock:
            self.calls += 1
        time.sleep(self.seconds)
        return health.Health(facts={"n": self.calls})


def test_recent_works_out_once_and_answers_the_others_at_once() -> None:
    counting = Counting(0.5)
    recent = health.Recent(lambda: counting().answer(), seconds=0.2)
    first = recent.get()
    time.sleep(0.3)  # stale: the next caller works it out, the others get the first answer
    answers: list[dict[str, Any]] = []
    threads = [threading.Thread(target=lambda: answers.append(recent.get())) for _ in range(20)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(0.1)
    quick = sum(1 for answer in answers if answer == first)
    for thread in threads:
        thread.join()
    assert counting.calls == 2
    assert quick == 19, "the callers while one works it out get the previous answer at once"
    assert time.monotonic() - started < 1.0


def test_a_flood_on_the_proxy_route_works_it_out_once(monkeypatch: pytest.MonkeyPatch) -> None:
    counting = Counting()
    monkeypatch.setattr(health, "assess", counting)
    monkeypatch.setattr(health, "RECENT_SECONDS", 60.0)  # however slow this machine is
    app = FastAPI()
    observability.install(app, _settings())

    async def flood() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://proxy") as client:
            return list(await asyncio.gather(*(client.get("/bridge/health") for _ in range(200))))

    answers = asyncio.run(flood())
    assert {answer.status_code for answer in answers} == {200}
    assert counting.calls == 1


def test_a_flood_on_the_workers_port_works_it_out_once(monkeypatch: pytest.MonkeyPatch) -> None:
    counting = Counting()
    monkeypatch.setattr(health, "assess", counting)
    monkeypatch.setattr(health, "RECENT_SECONDS", 60.0)  # however slow this machine is
    server = serve.serve(_settings(), 0, "127.0.0.1", sweeps=True)
    url = f"http://127.0.0.1:{server.server_address[1]}/health"
    codes: list[int] = []

    def ask() -> None:
        with urllib.request.urlopen(url, timeout=10) as answer:
            codes.append(answer.status)

    try:
        threads = [threading.Thread(target=ask) for _ in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.shutdown()
    assert codes == [200] * 50
    assert counting.calls == 1
