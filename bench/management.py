"""Benchmark: LiteLLM's real management API with and without the plugin, and the time from a
returned call to its Open WebUI row.

    python -m bench.management [--calls 60]

Two real proxies, each with its own database (LiteLLM with its database: devtools/litellm_db.py),
one with the plugin and one without. ``/user/new`` and ``/key/generate`` are called on each in
turn, one call at a time, and timed at the client; on the proxy with the plugin, the Open WebUI
database is polled every 2 ms after each ``/user/new`` returns until the person's row is there.
Prints p50/p99 for each. The sweep is ten minutes away: every row arrives through the tap.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg

from devtools import dbs, litellm_db
from devtools.proxy import proxy_env, start_proxy

MASTER_KEY = "sk-bench-master"
ARRIVAL = "/user/new returned -> Open WebUI row"


class Proxy:
    """A running proxy with its own database and a way to call it."""

    def __init__(self, port: int, openwebui_url: str, litellm_url: str = "") -> None:
        self.port = port
        self.openwebui_url = openwebui_url
        self.litellm_url = litellm_url

    def call(self, path: str, body: dict[str, Any]) -> tuple[float, dict[str, Any]]:
        """(seconds the call took at the client, answer)."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {MASTER_KEY}", "Content-Type": "application/json"},
        )
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
        return time.perf_counter() - started, answer


@contextlib.contextmanager
def proxy(
    port: int, bridge: bool, directory: Path, litellm: str = "", **extra: str
) -> Iterator[Proxy]:
    """A proxy on ``port`` with fresh databases, with or without the plugin, ready
    (``litellm``: more ``litellm_settings`` lines; ``extra``: more environment)."""
    prefix = f"bench_{uuid.uuid4().hex[:6]}"
    with dbs.scratch_databases(prefix, "0.12.4") as (litellm_url, openwebui_url):
        env = proxy_env(
            litellm_url, openwebui_url, MASTER_KEY, **({"BRIDGE_SWEEP_INTERVAL": "600"} | extra)
        ) | litellm_db.proxy_db_env(litellm_url)
        config = litellm_db.db_config(directory, litellm, bridge=bridge)
        process = start_proxy(env, port, directory / f"proxy-{port}.log", config)
        try:
            deadline = time.monotonic() + 240
            while not _ready(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the proxy did not start: see {directory}")
                time.sleep(0.5)
            yield Proxy(port, openwebui_url, litellm_url)
        finally:
            process.terminate()
            process.wait(30)


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/health/readiness", timeout=2
        ) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _arrival(openwebui: psycopg.Connection[Any], email: str, timeout: float = 30) -> float:
    """Seconds until Open WebUI has an account for ``email`` (polled every 2 ms)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if openwebui.execute('SELECT 1 FROM "user" WHERE email = %s', (email,)).fetchone():
            return time.perf_counter() - started
        time.sleep(0.002)
    raise SystemExit(f"{email} did not reach Open WebUI within {timeout} s")


def percentiles(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    return f"{name:<44} p50 {statistics.median(ms):7.1f} ms   p99 {p99:7.1f} ms   (n={len(ms)})"


def main() -> None:
    parser = argparse.ArgumentParser(description="management API latency, with and without")
    parser.add_argument("--calls", type=int, default=60)
    args = parser.parse_args()
    dbs.ensure_local_server()
    litellm_db.ensure_client()
    timings: dict[str, list[float]] = {}
    with (
        tempfile.TemporaryDirectory() as tmp,
        proxy(8391, True, Path(tmp)) as with_bridge,
        proxy(8392, False, Path(tmp)) as plain,
        psycopg.connect(with_bridge.openwebui_url, autocommit=True) as openwebui,
    ):
        for i in range(-5, args.calls):  # five warm-up calls each
            for label, target in (("with the plugin", with_bridge), ("without", plain)):
                email = f"bench-{i + 5}-{target.port}@corp.example"
                took, made = target.call("/user/new", {"user_email": email})
                record = i >= 0
                if record:
                    timings.setdefault(f"/user/new {label}", []).append(took)
                if target is with_bridge:
                    arrived = _arrival(openwebui, email)
                    if record:
                        timings.setdefault(ARRIVAL, []).append(arrived)
                body = {"user_id": made["user_id"], "models": ["gpt-4"]}
                took, _ = target.call("/key/generate", body)
                if record:
                    timings.setdefault(f"/key/generate {label}", []).append(took)
    print(f"LiteLLM's management API, one call at a time, {args.calls} calls each")
    for name, seconds in timings.items():
        print(percentiles(name, seconds))


if __name__ == "__main__":
    main()
