"""Benchmark: how soon two real proxy processes refuse after LiteLLM's data changed. Prints figures.

    python -m bench.freshness [--users 10000] [--changes 15] [--spend-rounds 6]

Two LiteLLM proxy processes run the bridge on one LiteLLM database seeded at scale
(bench/seed_scale.sql) with the capture triggers installed and a 300 s sweep, so no sweep
brings a change. They are started as the real-proxy tests start them
(tests/fixtures/proxies.py, ``_start`` in tests/integration/test_enforcement_trust.py): mock
model backends, the master key as Open WebUI's service key, the person named in the
forwarded headers. The person is Gina, whose one key grants gpt-3.5-turbo; both proxies are
called as her every 50 ms from their own thread.

(a) access change -> refused: an UPDATE of LiteLLM's tables by SQL (her key blocked, her key's
models or her user's models changed) is committed. The triggers queue her in the outbox; one
proxy's worker claims the row and reconciles her, and that reconcile's NOTIFY makes every
process re-read her grants. A change's figure is the later of the two proxies' refusals (one
of them learnt it only by the NOTIFY); also printed: the sooner proxy, and when the outbox row
is gone (the claiming proxy's reconcile is over). Each change is then undone and timed the same
way. Target (issue 11): <= 2 s.

(b) spend only -> refused: ``UPDATE ... SET spend = max_budget`` fires no trigger; each proxy
re-reads every spend figure each BRIDGE_SPEND_INTERVAL (5 s) and refuses from then on. Rounds
start at a random moment of that interval. Target (issue 11): <= 15 s. What one spend read costs
at this size is what ``python -m bench.spend`` prints.

Nothing here asserts a time.
"""

from __future__ import annotations

import os

# LiteLLM fetches its model cost map from the internet at import unless told not to.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import argparse
import random
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from devtools import dbs
from devtools.proxy import CONFIG
from litellm_bridge_plugin.capture import triggers
from litellm_bridge_plugin.engine import bridge_db
from litellm_bridge_plugin.engine.sync import reconcile
from litellm_bridge_plugin.settings import load_settings
from tests.fixtures.proxies import MASTER_KEY, Proxy, env_for
from tests.fixtures.support import Databases
from tests.integration.test_enforcement_trust import GINA, _chat, _start

from .reconcile import seed_scale

Conn = psycopg.Connection[Any]
POLL = 0.05
SWEEP = "300"
MODEL = "gpt-3.5-turbo"
KEY = '"LiteLLM_VerificationToken"'
CHANGES = [  # (what, the change that takes gpt-3.5-turbo from Gina, the one that gives it back)
    (
        "key blocked",
        f"UPDATE {KEY} SET blocked = true WHERE token = 'hashed-gina'",
        f"UPDATE {KEY} SET blocked = false WHERE token = 'hashed-gina'",
    ),
    (
        "key's models changed",
        f"UPDATE {KEY} SET models = '{{gpt-4}}' WHERE token = 'hashed-gina'",
        f"UPDATE {KEY} SET models = '{{gpt-3.5-turbo}}' WHERE token = 'hashed-gina'",
    ),
    (
        "user's models changed",
        "UPDATE \"LiteLLM_UserTable\" SET models = '{gpt-4}' WHERE user_id = 'gina'",
        "UPDATE \"LiteLLM_UserTable\" SET models = '{}' WHERE user_id = 'gina'",
    ),
]
SPEND = f"UPDATE {KEY} SET spend = max_budget WHERE token = 'hashed-gina'"
RESET = f"UPDATE {KEY} SET spend = 0 WHERE token = 'hashed-gina'"


class Proxies:
    """The proxies started, stopped together (what the tests' ``proxy_factory`` does)."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.started: list[Proxy] = []

    def __call__(self, env: dict[str, str], config: Path = CONFIG) -> Proxy:
        proxy = Proxy(env, self.tmp_path, config)
        self.started.append(proxy)
        return proxy

    def stop(self) -> None:
        for proxy in self.started:
            proxy.stop()


def _race(checks: list[Callable[[], bool]], timeout: float) -> list[float | None]:
    """Seconds from now (right after a change committed) until each check first holds, each
    polled every 50 ms on a thread of its own; None: not within ``timeout``."""
    since = time.perf_counter()
    found: list[float | None] = [None] * len(checks)

    def poll(i: int) -> None:
        while time.perf_counter() - since < timeout:
            if checks[i]():
                found[i] = time.perf_counter() - since
                return
            time.sleep(POLL)

    threads = [threading.Thread(target=poll, args=(i,)) for i in range(len(checks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return found


def _answers(proxies: list[Proxy], status: int) -> list[Callable[[], bool]]:
    """One check a proxy: it answers Gina's call with ``status``."""

    def answers(proxy: Proxy) -> Callable[[], bool]:
        return lambda: _chat(proxy, GINA, model=MODEL)[0] == status

    return [answers(p) for p in proxies]


def _later(times: list[float | None]) -> float | None:
    return None if None in times else max(t for t in times if t is not None)


def _figures(samples: list[float | None], *, p95: bool = True) -> str:
    seen = sorted(s for s in samples if s is not None)
    if not seen:
        return f"never within the timeout (n={len(samples)})"
    text = f"p50 {statistics.median(seen):5.2f} s"
    if p95:
        text += f"  p95 {seen[min(len(seen) - 1, round(0.95 * (len(seen) - 1)))]:5.2f} s"
    text += f"  max {seen[-1]:5.2f} s  (n={len(seen)})"
    missed = len(samples) - len(seen)
    return text + (f", {missed} not seen within the timeout" if missed else "")


def _outbox_empty(conn: Conn) -> bool:
    row = conn.execute("SELECT NOT EXISTS (SELECT FROM litellm_bridge.outbox)").fetchone()
    return bool(row and row[0])


def _settle(conn: Conn, quiet: float = 5.0, timeout: float = 300.0) -> None:
    """Wait until the proxies' start-up sweeps are over (none running, none started for
    ``quiet`` seconds): a sweep holds the reconcile lock an outbox batch waits for."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = conn.execute(
            "SELECT count(*) FILTER (WHERE finished_at IS NULL), "
            "COALESCE(extract(epoch FROM now() - max(started_at)), 1e9) "
            "FROM litellm_bridge.sync_run"
        ).fetchone()
        if row is not None and row[0] == 0 and row[1] >= quiet:
            return
        time.sleep(0.5)
    raise RuntimeError(f"the proxies' sweeps still ran after {timeout:g} s")


def _sweeps(conn: Conn) -> str:
    rows = conn.execute(
        "SELECT trigger, extract(epoch FROM finished_at - started_at) FROM litellm_bridge.sync_run "
        "WHERE finished_at IS NOT NULL ORDER BY started_at"
    ).fetchall()
    return ", ".join(f"{trigger} {float(seconds):.1f} s" for trigger, seconds in rows)


def _access_changes(conn: Conn, outbox: Conn, both: list[Proxy], changes: int) -> None:
    """(a): each change, then its undoing, timed until both proxies answer accordingly."""
    drained = [lambda: _outbox_empty(outbox)]
    handled: list[float | None] = []
    sooner: list[float | None] = []
    refused: list[float | None] = []
    restored: list[float | None] = []
    per_kind: dict[str, list[float | None]] = {what: [] for what, _, _ in CHANGES}
    for n in range(changes):
        what, change, undo = CHANGES[n % len(CHANGES)]
        conn.execute(change.encode())
        *times, done = _race(_answers(both, 403) + drained, timeout=30)
        handled.append(done)
        sooner.append(None if None in times else min(t for t in times if t is not None))
        refused.append(_later(times))
        per_kind[what].append(refused[-1])
        conn.execute(undo.encode())
        restored.append(_later(_race(_answers(both, 200), timeout=30)))
    print(f"(a) access change by SQL -> refused by both proxies: {_figures(refused)}")
    print(f"    the sooner of the two proxies:                  {_figures(sooner)}")
    print(f"    the outbox row done (one proxy reconciled her): {_figures(handled)}")
    for what, samples in per_kind.items():
        print(f"    {what + ':':<48} {_figures(samples, p95=False)}")
    print(f"    the change undone -> allowed by both again:    {_figures(restored)}")


def _spend_rounds(conn: Conn, both: list[Proxy], rounds: int, interval: float) -> None:
    """(b): spend set to the budget, then reset, at random moments of the spend read's cycle."""
    rng = random.Random(11)
    spent: list[float | None] = []
    reset: list[float | None] = []
    for _ in range(rounds):
        time.sleep(rng.uniform(0, interval))
        conn.execute(SPEND.encode())
        spent.append(_later(_race(_answers(both, 400), timeout=60)))
        time.sleep(rng.uniform(0, interval))
        conn.execute(RESET.encode())
        reset.append(_later(_race(_answers(both, 200), timeout=60)))
    print(
        f"(b) spend = max_budget by SQL -> refused by both proxies "
        f"(spend read every {interval:g} s): {_figures(spent, p95=False)}"
    )
    print(f"    spend reset to 0 -> allowed by both again:      {_figures(reset, p95=False)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=15)
    parser.add_argument("--spend-rounds", type=int, default=6)
    parser.add_argument(
        "--spend-interval", default="5", help="the proxies' BRIDGE_SPEND_INTERVAL, seconds"
    )
    args = parser.parse_args()
    dbs.ensure_local_server()
    scratch = dbs.scratch_databases(f"bench_{uuid.uuid4().hex[:6]}", "0.12.4")
    with (
        scratch as (litellm_url, openwebui_url),
        tempfile.TemporaryDirectory() as tmp,
        psycopg.connect(litellm_url, autocommit=True) as conn,
        psycopg.connect(litellm_url, autocommit=True) as outbox,
    ):
        databases = Databases("0.12.4", litellm_url, openwebui_url)
        settings = load_settings(
            litellm_database_url=litellm_url,
            openwebui_database_url=openwebui_url,
            spend_interval=float(args.spend_interval),
        )

        def prepare(admin: Conn) -> None:
            """At scale, with the triggers, Open WebUI already in step (so the proxies'
            start-up sweeps are no-op ones), and a budget on Gina's key for (b)."""
            seed_scale(admin, args.users, 500, 50)
            admin.execute(f"UPDATE {KEY} SET max_budget = 10 WHERE token = 'hashed-gina'")
            bridge_db.ensure_schema(admin)
            triggers.install(admin)
            started = time.perf_counter()
            reconcile(settings, trigger="bench")
            print(f"full reconcile before the proxies start: {time.perf_counter() - started:.1f} s")

        fresh = {"BRIDGE_SWEEP_INTERVAL": SWEEP, "BRIDGE_SPEND_INTERVAL": args.spend_interval}
        proxies = Proxies(Path(tmp))
        try:
            first, _ = _start(databases, proxies, Path(tmp), prepare=prepare, **fresh)
            second = proxies(
                env_for(
                    litellm_url, openwebui_url, BRIDGE_OPENWEBUI_SERVICE_KEY=MASTER_KEY, **fresh
                )
            )
            second.wait_until(second.ready, "the second proxy")
            second.wait_until(lambda: _chat(second, GINA, model=MODEL)[0] == 200, "grants")
            _settle(conn)
            row = conn.execute('SELECT count(*) FROM "LiteLLM_UserTable"').fetchone()
            print(
                f"LiteLLM: {row[0] if row else 0} users; two proxy processes, sweep every "
                f"{SWEEP} s, each polled every {POLL * 1000:.0f} ms; sweeps so far: {_sweeps(conn)}"
            )
            calls = []
            for _ in range(20):
                started = time.perf_counter()
                _chat(first, GINA, model=MODEL)
                calls.append(time.perf_counter() - started)
            print(
                f"one allowed call through a proxy: median {statistics.median(calls) * 1e3:.0f} ms"
            )
            _access_changes(conn, outbox, [first, second], args.changes)
            if args.spend_rounds:
                _spend_rounds(conn, [first, second], args.spend_rounds, settings.spend_interval)
        finally:
            proxies.stop()
            databases.close()


if __name__ == "__main__":
    main()
