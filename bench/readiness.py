"""Benchmark: how soon the proxy is ready after start, with and without the bridge. Prints figures.

    python -m bench.readiness [--users 10000] [--rounds 3]

A real LiteLLM proxy (devtools.proxy, as the tests start it) on a LiteLLM database seeded at
scale (bench/seed_scale.sql) and an empty Open WebUI database, so the bridge's start-up
reconcile has every person to create. Timed from process start to the first 200 of
``/health/liveliness``: with the example config (the bridge loaded) and with the same config
naming no callback. For the bridge also printed: when its start-up reconcile finished (its log
line), which runs in the bridge's own thread after the proxy is up. Goal (issue #15): ready no
slower than without the bridge. Nothing here asserts a time.
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import argparse
import socket
import statistics
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import psycopg

from bench.reconcile import seed_scale
from devtools import dbs
from devtools.proxy import CONFIG, proxy_env, start_proxy, write_config

MASTER_KEY = "sk-bench-master"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/liveliness", timeout=1) as r:
            return bool(r.status == 200)
    except OSError:
        return False


def one_start(env: dict[str, str], config: Path, folder: Path) -> tuple[float, float | None]:
    """Seconds to ready, and to the end of the bridge's start-up reconcile (None: no bridge)."""
    port = _port()
    log = folder / f"proxy-{port}.log"
    started = time.perf_counter()
    process = start_proxy(env, port, log, config)
    try:
        while not _ready(port):
            if process.poll() is not None:
                raise RuntimeError(f"the proxy exited:\n{log.read_text()[-2000:]}")
            time.sleep(0.05)
        ready = time.perf_counter() - started
        synced = None
        if 'litellm_bridge_callback.bridge"]' in config.read_text():
            while "litellm-bridge run " not in log.read_text(errors="replace"):
                if time.perf_counter() - started > 600:
                    raise RuntimeError("no start-up reconcile in 600 s")
                time.sleep(0.1)
            synced = time.perf_counter() - started
        return ready, synced
    finally:
        process.terminate()
        process.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    dbs.ensure_local_server()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        plain = write_config(
            folder,
            CONFIG.read_text().replace('["litellm_bridge_callback.bridge"]', "[]"),
        )
        plain = plain.rename(folder / "plain.yaml")
        bridged = write_config(folder, CONFIG.read_text())
        times: dict[str, list[float]] = {"without": [], "with": [], "synced": []}
        for _ in range(args.rounds):
            prefix = f"bench_{uuid.uuid4().hex[:6]}"
            with dbs.scratch_databases(prefix, "0.12.4") as (litellm_url, openwebui_url):
                with psycopg.connect(litellm_url, autocommit=True) as conn:
                    seed_scale(conn, args.users, max(args.users // 20, 1), args.users // 200 or 1)
                env = proxy_env(litellm_url, openwebui_url, MASTER_KEY)
                times["without"].append(one_start(env, plain, folder)[0])
                ready, synced = one_start(env, bridged, folder)
                times["with"].append(ready)
                times["synced"].append(synced or 0.0)
    print(
        f"proxy start to /health/liveliness 200, {args.users:,} LiteLLM users, median of "
        f"{args.rounds}:"
    )
    print(f"  without the bridge: {statistics.median(times['without']):.2f} s")
    print(
        f"  with the bridge:    {statistics.median(times['with']):.2f} s (its start-up "
        f"reconcile of everyone finished at {statistics.median(times['synced']):.2f} s)"
    )


if __name__ == "__main__":
    main()
