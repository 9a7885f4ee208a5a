"""Benchmark: from a committed LiteLLM change to the Open WebUI row, at a steady rate.

    python -m bench.latency [--rate 50 --seconds 10]

Triggers installed, one BridgeWorker (no sweeps) consuming the outbox; a writer inserts one
LiteLLM user per tick by SQL (its own transaction) and notes the commit time; a watcher polls
Open WebUI every 2 ms and notes when each user's row appears. Prints p50/p95/p99/max.
Targets (issue #3) at 50 changes/s: p50 <= 100 ms, p99 <= 500 ms.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
import uuid

import psycopg

from devtools import dbs
from devtools import litellm_seed as seed
from litellm_bridge_plugin.capture import triggers
from litellm_bridge_plugin.engine import bridge_db
from litellm_bridge_plugin.engine.sync import reconcile
from litellm_bridge_plugin.engine.worker import BridgeWorker
from litellm_bridge_plugin.settings import load_settings

from .reconcile import seed_scale


def main() -> None:
    parser = argparse.ArgumentParser(description="change-to-Open-WebUI latency")
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--existing-users",
        type=int,
        default=0,
        help="users (with 1/20 as many teams) already synced before the test",
    )
    args = parser.parse_args()
    dbs.ensure_local_server()
    with dbs.scratch_databases(f"bench_{uuid.uuid4().hex[:6]}", "0.12.4") as (
        litellm_url,
        owui_url,
    ):
        with psycopg.connect(litellm_url, autocommit=True) as conn:
            bridge_db.ensure_schema(conn)
            seed.seed_company(conn)
            if args.existing_users:
                teams = max(1, args.existing_users // 20)
                seed_scale(conn, args.existing_users, teams, max(1, teams // 10))
            triggers.install(conn)
        settings = load_settings(
            litellm_database_url=litellm_url, openwebui_database_url=owui_url, poll_interval=1.0
        )
        reconcile(settings)
        for url in (litellm_url, owui_url):  # statistics, as autovacuum gathers them
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("ANALYZE")
        worker = BridgeWorker(settings, sweeps=False)
        worker.start()
        committed: dict[str, float] = {}
        seen: dict[str, float] = {}
        done = threading.Event()

        def watch() -> None:
            with psycopg.connect(owui_url, autocommit=True) as owui:
                while not done.is_set() or len(seen) < len(committed):
                    now = time.perf_counter()
                    # only the rows awaited, by Open WebUI's email index: the watcher must
                    # not scan the table every 2 ms beside the worker it measures
                    awaited = [e for e in list(committed) if e not in seen]
                    for (email,) in owui.execute(
                        'SELECT email FROM "user" WHERE lower(email) = ANY(%s)', (awaited,)
                    ):
                        seen.setdefault(email, now)
                    time.sleep(0.002)
                    if done.is_set() and time.perf_counter() - last_commit[0] > 10:
                        return

        last_commit = [time.perf_counter()]
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        total = int(args.rate * args.seconds)
        with psycopg.connect(litellm_url, autocommit=True) as conn:
            start = time.perf_counter()
            for i in range(total):
                target = start + i / args.rate
                time.sleep(max(0.0, target - time.perf_counter()))
                email = f"lat{i}@x.com"
                seed.add_user(conn, f"lat-{i}", email)
                committed[email] = last_commit[0] = time.perf_counter()
        done.set()
        watcher.join(30)
        worker.stop()
        latencies = sorted((seen[e] - t) * 1000 for e, t in committed.items() if e in seen)
        missing = len(committed) - len(latencies)
        q = statistics.quantiles(latencies, n=100)
        print(
            f"{total} users inserted at {args.rate:g}/s into a LiteLLM with "
            f"{args.existing_users} existing users; {missing} never seen"
        )
        print(
            f"latency commit -> Open WebUI row: p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms, "
            f"p99 {q[98]:.1f} ms, max {latencies[-1]:.1f} ms"
        )


if __name__ == "__main__":
    main()
