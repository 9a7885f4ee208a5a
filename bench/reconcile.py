"""Benchmark: full reconcile from empty, then a no-op reconcile, at scale. Prints figures.

    python -m bench.reconcile [--users 10000 --teams 500 --orgs 50 --openwebui 0.12.4]

Runs on Open WebUI's PostgreSQL schema, then on its SQLite schema (Open WebUI's default
database; the same LiteLLM data, the bridge's own tables emptied in between). On SQLite it
also prints the longest time a writer had to wait for the file while the bridge wrote: a
thread takes and drops SQLite's write lock (``BEGIN IMMEDIATE``) every 10 ms, as Open WebUI's
own writes would.

Not a test: nothing here asserts a time. Targets on a 2-core machine (issue #2): full
reconcile <= 30 s, no-op <= 3 s with zero writes to Open WebUI. The catalogue is the example
config's three models and every user holds keys, so the runs include model rows and each
person's read grants.
"""

from __future__ import annotations

import argparse
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

from devtools import dbs
from litellm_bridge_plugin.engine.sync import reconcile
from litellm_bridge_plugin.settings import load_settings

SEED = Path(__file__).with_name("seed_scale.sql")
CONFIG = Path(__file__).resolve().parents[1] / "config" / "litellm_config.yaml"


def seed_scale(conn: psycopg.Connection[Any], users: int, teams: int, orgs: int) -> None:
    """Fill LiteLLM's tables with bench/seed_scale.sql."""
    params = {"users": users, "teams": teams, "orgs": orgs}
    for statement in SEED.read_text().split(";\n"):
        code = "\n".join(line for line in statement.splitlines() if not line.startswith("--"))
        if code.strip():
            conn.execute(code.encode(), params)


def _writes(url: str) -> int:
    """Rows inserted, updated or deleted in the database so far (statistics views)."""
    time.sleep(1.2)  # backends report their counters at most once a second
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT COALESCE(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables"
        ).fetchone()
    return int(row[0]) if row else 0


def _count(url: str, query: str) -> Any:
    with psycopg.connect(url) as conn:
        row = conn.execute(query.encode()).fetchone()
    return row[0] if row else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--orgs", type=int, default=50)
    parser.add_argument("--openwebui", default="0.12.4", choices=dbs.OPENWEBUI_VERSIONS)
    args = parser.parse_args()
    dbs.ensure_local_server()
    prefix = f"bench_{uuid.uuid4().hex[:6]}"
    with dbs.scratch_databases(prefix, args.openwebui) as (litellm_url, openwebui_url):
        with psycopg.connect(litellm_url, autocommit=True) as conn:
            seed_scale(conn, args.users, args.teams, args.orgs)
        settings = load_settings(
            litellm_database_url=litellm_url,
            openwebui_database_url=openwebui_url,
            litellm_config=CONFIG,
        )
        print(
            f"LiteLLM: {args.users} users, {args.teams} teams, {args.orgs} organisations; "
            f"Open WebUI schema {args.openwebui}"
        )

        started = time.perf_counter()
        full = reconcile(settings, trigger="bench")
        full_seconds = time.perf_counter() - started
        writes_after_full = _writes(openwebui_url)
        audit_after_full = _count(litellm_url, "SELECT count(*) FROM litellm_bridge.sync_audit")
        members = (
            _count(openwebui_url, "SELECT count(*) FROM group_member")
            if args.openwebui != "0.6.30"
            else "n/a (JSON)"
        )
        print(
            f"full reconcile:  {full_seconds:6.2f} s  changes applied {full.succeeded}, "
            f"failed {full.failed}; Open WebUI users "
            f"{_count(openwebui_url, 'SELECT count(*) FROM public.user')}, groups "
            f"{_count(openwebui_url, 'SELECT count(*) FROM public.group')}, "
            f"memberships {members}, model rows "
            f"{_count(openwebui_url, 'SELECT count(*) FROM public.model')}"
        )

        started = time.perf_counter()
        noop = reconcile(settings, trigger="bench")
        noop_seconds = time.perf_counter() - started
        noop_writes = _writes(openwebui_url) - writes_after_full
        noop_audit = (
            _count(litellm_url, "SELECT count(*) FROM litellm_bridge.sync_audit") - audit_after_full
        )
        print(
            f"no-op reconcile: {noop_seconds:6.2f} s  planned changes {len(noop.planned)}, "
            f"rows written to Open WebUI {noop_writes}, audit rows {noop_audit}"
        )
        sqlite_pass(settings, litellm_url, args.openwebui)


def sqlite_pass(settings: Any, litellm_url: str, version: str) -> None:
    """Full and no-op reconcile into a SQLite file made by Open WebUI's own migrations."""
    import sqlite3
    import tempfile
    import threading

    with psycopg.connect(litellm_url, autocommit=True) as conn:
        for table in ("link", "model_row", "skipped"):
            conn.execute(f"DELETE FROM litellm_bridge.{table}".encode())
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "webui.db"
        url = dbs.make_openwebui_sqlite(path, version)
        on_file = settings.model_copy(update={"openwebui_database_url": url})
        waits: list[float] = []
        done = threading.Event()

        def writer() -> None:  # what Open WebUI's own writes meet
            other = sqlite3.connect(path, timeout=60, isolation_level=None)
            while not done.is_set():
                started = time.perf_counter()
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                waits.append(time.perf_counter() - started)
                time.sleep(0.01)
            other.close()

        thread = threading.Thread(target=writer)
        thread.start()
        started = time.perf_counter()
        full = reconcile(on_file, trigger="bench")
        full_seconds = time.perf_counter() - started
        done.set()
        thread.join()
        observer = sqlite3.connect(path)
        users = observer.execute("SELECT count(*) FROM user").fetchone()[0]
        version_before = observer.execute("PRAGMA data_version").fetchone()[0]
        print(
            f"SQLite full:     {full_seconds:6.2f} s  changes applied {full.succeeded}, failed "
            f"{full.failed}; Open WebUI users {users}; a writer waited at most "
            f"{max(waits) * 1000:.0f} ms (p99 {sorted(waits)[int(len(waits) * 0.99)] * 1000:.0f} "
            f"ms, {len(waits)} tries)"
        )
        started = time.perf_counter()
        noop = reconcile(on_file, trigger="bench")
        noop_seconds = time.perf_counter() - started
        commits = observer.execute("PRAGMA data_version").fetchone()[0] - version_before
        observer.close()
        print(
            f"SQLite no-op:    {noop_seconds:6.2f} s  planned changes {len(noop.planned)}, "
            f"commits that changed the file {commits}"
        )


if __name__ == "__main__":
    main()
