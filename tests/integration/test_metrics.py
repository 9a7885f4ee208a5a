"""The metrics and the readiness answer read from a real proxy (with its own database, the
plugin) and a real ``litellm-bridge worker`` after known changes and calls: the counts match
what was done (issue 26)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from devtools import litellm_seed as seed
from litellm_bridge_plugin.capture import triggers
from litellm_bridge_plugin.engine import bridge_db
from tests.fixtures.litellm_api import Api, real_litellm
from tests.fixtures.proxies import MASTER_KEY, Proxy, env_for, only_newest
from tests.fixtures.support import Databases

pytestmark = pytest.mark.proxy

SERVICE = "sk-metrics-openwebui"
ALIAS = "openwebui_global_key"
ROUTES = ["/v1/chat/completions", "/v1/models", "/v1/embeddings"]

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _get(url: str, key: str = "") -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"} if key else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def parse(text: str) -> Samples:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture(scope="module")
def api(
    pg_server: str, templates: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    with real_litellm(
        pg_server,
        templates,
        tmp_path_factory.mktemp("metrics"),
        BRIDGE_SWEEP_INTERVAL="600",
        BRIDGE_OPENWEBUI_SERVICE_KEY=SERVICE,
    ) as found:
        found.ok("/user/new", {"user_email": "admin@corp.example", "user_role": "proxy_admin"})
        found.ok("/key/generate", {"key": SERVICE, "key_alias": ALIAS, "allowed_routes": ROUTES})
        found.wait_for(lambda: len(found.databases.owui_models()) == 3, "the served models")
        found.wait_for(lambda: "1 live key(s) match" in found.proxy.log, "the service key")
        found.wait_for(lambda: "admin@corp.example" in found.databases.owui_users(), "the admin")
        yield found


def scrape(api: Api) -> Samples:
    status, text = _get(f"http://127.0.0.1:{api.proxy.port}/bridge/metrics", MASTER_KEY)
    assert status == 200, text
    return parse(text)


def test_the_metrics_need_an_admins_key(api: Api) -> None:
    url = f"http://127.0.0.1:{api.proxy.port}/bridge/metrics"
    assert _get(url)[0] == 401
    assert _get(url, "sk-not-a-key")[0] in (401, 403)
    person = api.ok("/user/new", {"user_email": "reader@corp.example"})
    key = api.ok("/key/generate", {"user_id": person["user_id"]})["key"]
    status, text = _get(url, key)
    assert status in (401, 403), text
    assert "litellm_bridge_" not in text
    status, text = _get(url, MASTER_KEY)
    assert status == 200 and "litellm_bridge_calls_total" in text
    # done when the reader's account is (the next test counts the accounts made after it)
    api.wait_for(lambda: "reader@corp.example" in api.databases.owui_users(), "the reader")


def test_changes_and_calls_are_counted_as_they_happened(api: Api) -> None:
    # the start-up reconcile first (on a loaded machine it may still be running: whatever it
    # makes would be counted with these)
    api.wait_for(
        lambda: value(scrape(api), "litellm_bridge_last_sweep_success_timestamp_seconds") > 0,
        "the start-up reconcile",
    )
    before = scrape(api)
    people = []
    for n in range(2):
        email = f"counted-{n}@corp.example"
        made = api.ok("/user/new", {"user_email": email, "models": ["gpt-4"]})
        api.ok("/key/generate", {"user_id": made["user_id"], "models": ["gpt-4"]})
        people.append(email)
    api.wait_for(lambda: all(e in api.databases.owui_users() for e in people), "both accounts")
    api.wait_for(lambda: "gpt-4" in api.readable(people[1]), "the second one's grant")
    as_first = {"X-OpenWebUI-User-Email": people[0]}
    outcomes = [
        api.chat(SERVICE, "gpt-4", as_first)[0],
        api.chat(SERVICE, "gpt-4", {"X-OpenWebUI-User-Email": people[1]})[0],
        api.chat(SERVICE, "gpt-4", as_first)[0],
        api.chat(SERVICE, "gpt-3.5-turbo", as_first)[0],  # not granted
        api.chat(SERVICE, "gpt-4", {"X-OpenWebUI-User-Email": "nobody@corp.example"})[0],
    ]
    assert outcomes == [200, 200, 200, 403, 403]
    after = scrape(api)

    def more(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert more("litellm_bridge_calls_total", outcome="allowed") == 3
    assert more("litellm_bridge_calls_total", outcome="model") == 1
    assert more("litellm_bridge_calls_total", outcome="identity") == 1
    made = more("litellm_bridge_changes_total", kind="create_user", result="SUCCESS")
    assert made == 2, api.databases.owui_users()
    assert more("litellm_bridge_change_latency_seconds_count", source="api") >= 2
    signals = sum(
        more("litellm_bridge_reconciles_total", trigger="signal", result=r)
        for r in ("success", "partial")
    )
    assert signals >= 1


def test_the_readiness_answer(api: Api) -> None:
    status, text = _get(f"http://127.0.0.1:{api.proxy.port}/bridge/health")
    assert status == 200
    answer = json.loads(text)
    assert answer["status"] == "ok", answer
    assert answer["openwebui_database"] == "reachable"


def test_the_readiness_answer_to_strangers(api: Api) -> None:
    """Asked with no key, a forged one, a query string or another method, through the real
    proxy: the same answer or a refusal, never where the databases are or their credentials,
    and a burst of callers all answered."""
    base = f"http://127.0.0.1:{api.proxy.port}/bridge/health"
    answers = [_get(base), _get(base, "sk-forged"), _get(base + "?verbose=1&url=x")]
    with ThreadPoolExecutor(16) as pool:
        answers += list(pool.map(lambda _: _get(base), range(64)))
    assert {status for status, _ in answers} == {200}
    for url in (api.databases.litellm_url, api.databases.openwebui_url):
        where = url.split("@", 1)[1]
        secret = url.split("//", 1)[1].split("@", 1)[0]
        for _, text in answers:
            assert where not in text and secret not in text, text
    posted = urllib.request.Request(base, data=b"{}", method="POST")
    try:
        urllib.request.urlopen(posted, timeout=30)
        raise AssertionError("POST /bridge/health was answered")
    except urllib.error.HTTPError as exc:
        assert exc.code in (401, 403, 404, 405), exc.code


# --- the worker ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def worker(databases: Databases, tmp_path: Path) -> Iterator[tuple[int, Databases]]:
    bridge = databases.bridge_litellm()
    bridge_db.ensure_schema(bridge)
    triggers.install(bridge)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")} | {
        "BRIDGE_LITELLM_DATABASE_URL": databases.litellm_url,
        "BRIDGE_OPENWEBUI_DATABASE_URL": databases.openwebui_url,
        "BRIDGE_POLL_INTERVAL": "0.5",
        "BRIDGE_SWEEP_INTERVAL": "600",
    }
    program = Path(sys.executable).with_name("litellm-bridge")
    log = tmp_path / "worker.log"
    process = subprocess.Popen(
        [str(program), "worker", "--metrics-port", str(port)],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while "litellm-bridge: started" not in log.read_text():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield port, databases
    finally:
        process.terminate()
        process.wait(30)


def test_the_worker_counts_what_it_drained_from_the_outbox(
    worker: tuple[int, Databases],
) -> None:
    port, databases = worker
    base = f"http://127.0.0.1:{port}"
    conn = databases.litellm()
    for n in range(3):
        seed.add_user(conn, f"w{n}", f"w{n}@x.com")

    def drained() -> Samples | None:
        found = parse(_get(f"{base}/metrics")[1])
        done = value(found, "litellm_bridge_changes_total", kind="create_user", result="SUCCESS")
        return found if done == 3 and value(found, "litellm_bridge_outbox_pending") == 0 else None

    deadline = time.monotonic() + 30
    while (samples := drained()) is None:
        assert time.monotonic() < deadline, _get(f"{base}/metrics")[1][-3000:]
        time.sleep(0.3)
    assert value(samples, "litellm_bridge_change_latency_seconds_count", source="sql") == 3
    assert value(samples, "litellm_bridge_outbox_dead") == 0
    assert value(samples, "litellm_bridge_litellm_database_up") == 1
    outbox_runs = sum(
        value(samples, "litellm_bridge_reconciles_total", trigger="outbox", result=r)
        for r in ("success", "partial")
    )
    assert 1 <= outbox_runs <= 3
    status, text = _get(f"{base}/health")
    assert status == 200 and json.loads(text)["status"] == "ok", text
    assert _get(f"{base}/other")[0] == 404


def test_the_worker_says_degraded_when_the_outbox_lags(
    databases: Databases, tmp_path: Path
) -> None:
    """No worker drains: the health answer of a worker that is not running would not come, so
    the lagging outbox is read as a second worker with --no-sweep sees it."""
    bridge = databases.bridge_litellm()
    bridge_db.ensure_schema(bridge)
    triggers.install(bridge)
    conn = databases.litellm()
    seed.add_user(conn, "late", "late@x.com")
    conn.execute("UPDATE litellm_bridge.outbox SET enqueued_at = now() - interval '5 minutes'")
    from litellm_bridge_plugin.engine.health import assess
    from litellm_bridge_plugin.settings import load_settings

    settings = load_settings(
        litellm_database_url=databases.litellm_url,
        openwebui_database_url=databases.openwebui_url,
    )
    found = assess(settings, time.time(), sweeps=False)
    assert found.status == "degraded"
    assert any("BRIDGE_HEALTH_OUTBOX_LAG" in r for r in found.reasons), found.reasons
    assert found.facts["outbox"]["pending"] == 1
    answer: dict[str, Any] = found.answer()
    assert answer["status"] == "degraded"


# --- several proxy workers ---------------------------------------------------------------------


def _worker_healthcheck(seconds: int) -> list[str]:
    """``--timeout_worker_healthcheck`` where this LiteLLM has it (1.77.3's uvicorn has no
    worker health check and its CLI no such option)."""
    from litellm.proxy.proxy_cli import run_server

    if any(param.name == "timeout_worker_healthcheck" for param in run_server.params):
        return ["--timeout_worker_healthcheck", str(seconds)]
    return []


@only_newest
def test_several_proxy_workers_report_every_call_in_each_scrape(
    databases: Databases, tmp_path: Path
) -> None:
    """``litellm --num_workers 2`` with PROMETHEUS_MULTIPROC_DIR: whichever worker answers a
    scrape, it counts the calls both answered. (The proxy runs without its database here: the
    master key plays Open WebUI's key, the people are written to LiteLLM's tables.)"""
    seed.seed_scenario(databases.litellm())
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = env_for(
        databases.litellm_url,
        databases.openwebui_url,
        BRIDGE_OPENWEBUI_SERVICE_KEY=MASTER_KEY,
        PROMETHEUS_MULTIPROC_DIR=str(shared),
    )
    # uvicorn kills a worker that does not answer its health check within 5 s, which a
    # starting LiteLLM may not on a busy machine: give them time
    args = ["--num_workers", "2", *_worker_healthcheck(120)]
    proxy = Proxy(env, tmp_path, args=args)
    try:
        proxy.wait_until(
            lambda: proxy.log.count("Application startup complete") >= 2,
            "the proxy's two workers",
            timeout=240,
        )
        proxy.wait_until(lambda: len(databases.owui_models()) == 3, "model rows in Open WebUI")
        alice = {"X-OpenWebUI-User-Email": "alice@techcompany.com"}
        chat = {"messages": [{"role": "user", "content": "hi"}]}
        models = ["gpt-4"] * 12 + ["gpt-3.5-turbo"] * 4  # the second is not Alice's
        batches = 0
        while batches < 6:  # until both workers answered some (the kernel picks which)
            batches += 1
            with ThreadPoolExecutor(8) as pool:
                statuses = list(
                    pool.map(
                        lambda m: proxy.post("/v1/chat/completions", chat | {"model": m}, alice)[0],
                        models,
                    )
                )
            assert statuses == [200] * 12 + [403] * 4
            if len(_allowed_by_process(shared)) >= 2:
                break
        answered = _allowed_by_process(shared)
        assert len(answered) >= 2, f"one worker answered every call: {answered}"
        url = f"http://127.0.0.1:{proxy.port}/bridge/metrics"
        for _ in range(6):  # scrapes land on either worker
            status, text = _get(url, MASTER_KEY)
            assert status == 200, text
            samples = parse(text)
            assert value(samples, "litellm_bridge_calls_total", outcome="allowed") == 12 * batches
            assert value(samples, "litellm_bridge_calls_total", outcome="model") == 4 * batches
    finally:
        proxy.stop()


def _allowed_by_process(shared: Path) -> dict[str, float]:
    """Each worker process's own count of allowed calls, from its file in the shared
    directory."""
    from prometheus_client.multiprocess import MultiProcessCollector

    found = {}
    for path in shared.glob("counter_*.db"):
        for family in MultiProcessCollector.merge([str(path)], accumulate=True):
            for sample in family.samples:
                if sample.name == "litellm_bridge_calls_total" and sample.labels == {
                    "outcome": "allowed"
                }:
                    found[path.stem] = sample.value
    return {pid: n for pid, n in found.items() if n > 0}
