"""Benchmark: how each reconcile path grows with the organisation. Prints a table.

    python -m bench.reconcile [--sizes 1000,10000,100000 --openwebui 0.12.4 --sqlite-users 10000]

For each size (users; teams = users/20, organisations = users/200, two keys per user: a
personal one and one of their first team) a separate process seeds scratch databases and
measures, on Open WebUI's PostgreSQL schema:

- full: a full reconcile into an empty Open WebUI;
- no-op full read: the first sweep after it (reads everything, plans nothing: zero rows
  written; it records the fingerprint of what it read, engine/fingerprint.py);
- no-op sweep: the sweeps after that, nothing having changed (the fingerprint alone);
- one change: one user's name changed in LiteLLM, then the scoped reconcile the worker runs
  for it on the connections it keeps (the cost a change pays before its Open WebUI row is
  written; bench.latency measures the whole commit-to-row latency); the median of 9 changes,
  rows written counted over all 9;
- access refresh: re-reading that user's grants for the proxy's check, as after a change.

Each with its time, rows written to Open WebUI (its statistics views), the SQL statements the
bridge issued (psycopg cursor calls, both databases) and, for the full run, the process's peak
resident memory (LiteLLM is imported first, as in the proxy: the figure is what the bridge adds
to a proxy process, plus LiteLLM's own). Then the growth between sizes: time per user should
stay flat for full runs, and time should stay flat for one change and an access refresh.

Then, as before, a full and a no-op reconcile into Open WebUI on SQLite (``--sqlite-users``),
with how long a concurrent writer waited for the file.

Not a test: nothing here asserts a time. Goals: issue #15 (README "Scale").
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from devtools import dbs
from litellm_bridge_plugin.connections import KeptConnections, connect
from litellm_bridge_plugin.domain import Scope
from litellm_bridge_plugin.engine import bridge_db
from litellm_bridge_plugin.engine.sync import reconcile
from litellm_bridge_plugin.litellm.access_reads import read_access
from litellm_bridge_plugin.settings import load_settings

SEED = Path(__file__).with_name("seed_scale.sql")
CONFIG = Path(__file__).resolve().parents[1] / "config" / "litellm_config.yaml"
SIZES = (1_000, 10_000, 100_000)
CHANGES = 9


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


class Statements:
    """Counts the SQL statements this process sends through psycopg cursors (an
    ``executemany`` of many rows is one statement, pipelined)."""

    def __init__(self) -> None:
        self.count = 0
        for name in ("execute", "executemany"):
            original = getattr(psycopg.Cursor, name)

            def counted(cur: Any, *args: Any, _original: Any = original, **kw: Any) -> Any:
                self.count += 1
                return _original(cur, *args, **kw)

            setattr(psycopg.Cursor, name, counted)

    @contextmanager
    def measure(self, into: dict[str, Any], prefix: str) -> Iterator[None]:
        before, started = self.count, time.perf_counter()
        yield
        into[f"{prefix}_s"] = time.perf_counter() - started
        into[f"{prefix}_queries"] = self.count - before


def measure(users: int, version: str) -> dict[str, Any]:
    """One size, in this process: the figures of each path."""
    import litellm  # noqa: F401  (the proxy has it loaded; its import is not the bridge's)

    teams, orgs = max(users // 20, 1), max(users // 200, 1)
    statements = Statements()
    figures: dict[str, Any] = {"users": users, "teams": teams, "orgs": orgs}
    prefix = f"bench_{uuid.uuid4().hex[:6]}"
    with dbs.scratch_databases(prefix, version) as (litellm_url, openwebui_url):
        with psycopg.connect(litellm_url, autocommit=True) as conn:
            seed_scale(conn, users, teams, orgs)
            figures["keys"] = conn.execute(
                'SELECT count(*) FROM "LiteLLM_VerificationToken"'
            ).fetchone()[0]
        settings = load_settings(
            litellm_database_url=litellm_url,
            openwebui_database_url=openwebui_url,
            litellm_config=CONFIG,
        )
        figures["rss_before_mb"] = _peak_mb()
        written = _writes(openwebui_url)
        with statements.measure(figures, "full"):
            full = reconcile(settings, trigger="bench")
        figures["full_peak_mb"] = _peak_mb()
        figures["full_applied"], figures["full_failed"] = full.succeeded, full.failed
        figures["full_rows"] = _writes(openwebui_url) - written
        written += figures["full_rows"]

        # the first sweep after it reads everything, plans nothing and records the fingerprint
        with statements.measure(figures, "read"):
            read = reconcile(settings, trigger="sweep")
        figures["read_planned"], figures["read_unchanged"] = len(read.planned), read.unchanged
        figures["read_rows"] = _writes(openwebui_url) - written
        written += figures["read_rows"]
        # the sweeps after that, nothing having changed, compute the fingerprint alone
        with statements.measure(figures, "noop"):
            noop = reconcile(settings, trigger="sweep")
        figures["noop_planned"], figures["noop_unchanged"] = len(noop.planned), noop.unchanged
        figures["noop_rows"] = _writes(openwebui_url) - written
        written += figures["noop_rows"]

        # statistics of what the full run wrote, as autovacuum gathers them within a minute
        # (the scoped reads' plans depend on them, as in any database that has run a while)
        for url in (litellm_url, openwebui_url):
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("ANALYZE")
        # as the worker runs them: on the connections it keeps, one change at a time; the
        # median of CHANGES changes to different people (spread over teams and organisations)
        kept = KeptConnections(litellm_url, openwebui_url)
        reconcile(settings, Scope(users=frozenset({"user-1"})), trigger="outbox", connections=kept)
        runs: list[dict[str, Any]] = []
        with psycopg.connect(litellm_url, autocommit=True) as conn:
            for n in range(CHANGES):
                changed = f"user-{(users // CHANGES) * n + 3}"
                conn.execute(
                    'UPDATE "LiteLLM_UserTable" SET user_alias = %s WHERE user_id = %s',
                    (f"Renamed {changed}", changed),
                )
                run: dict[str, Any] = {}
                with statements.measure(run, "one"):
                    one = reconcile(
                        settings,
                        Scope(users=frozenset({changed})),
                        trigger="outbox",
                        connections=kept,
                    )
                run["one_applied"] = one.succeeded
                with statements.measure(run, "access"):
                    read_access(conn, {changed})
                runs.append(run)
        kept.close()
        figures["one_rows"] = _writes(openwebui_url) - written
        for key in ("one_s", "one_queries", "access_s", "access_queries"):
            figures[key] = statistics.median(r[key] for r in runs)
        figures["one_applied"] = sum(r["one_applied"] for r in runs)
    return figures


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _table(rows: list[dict[str, Any]]) -> None:
    print("| users / teams / orgs / keys | path | time | rows written | statements | peak memory |")
    print("|---|---|---|---|---|---|")
    for f in rows:
        size = f"{f['users']:,} / {f['teams']:,} / {f['orgs']:,} / {f['keys']:,}"
        lines: list[tuple[str, str, Any, Any, str]] = [
            (
                "full reconcile (empty Open WebUI)",
                f"{f['full_s']:.2f} s",
                f["full_rows"],
                f["full_queries"],
                f"{f['full_peak_mb']:.0f} MB (after imports {f['rss_before_mb']:.0f} MB)",
            ),
            (
                "no-op full read (first sweep after a change: reads, plans nothing)",
                f"{f['read_s']:.2f} s",
                f["read_rows"],
                f["read_queries"],
                "",
            ),
            (
                "no-op sweep (nothing changed: fingerprint only)"
                + ("" if f["noop_unchanged"] else " **read everything**"),
                f"{f['noop_s']:.2f} s",
                f["noop_rows"],
                f["noop_queries"],
                "",
            ),
            (
                f"one change (scoped; median of {CHANGES})",
                f"{f['one_s'] * 1000:.0f} ms",
                f["one_rows"],
                f["one_queries"],
                "",
            ),
            (
                "access refresh (one user)",
                f"{f['access_s'] * 1000:.1f} ms",
                0,
                f["access_queries"],
                "",
            ),
        ]
        for path, spent, written, queries, memory in lines:
            print(f"| {size} | {path} | {spent} | {written:,} | {queries:,} | {memory} |")
    for small, large in itertools.pairwise(rows):
        factor = large["users"] / small["users"]
        print(
            f"growth {small['users']:,} -> {large['users']:,} users (x{factor:g}): "
            + ", ".join(
                f"{name} x{large[key] / small[key]:.1f}"
                for name, key in (
                    ("full", "full_s"),
                    ("no-op full read", "read_s"),
                    ("no-op sweep", "noop_s"),
                    ("one change", "one_s"),
                    ("access refresh", "access_s"),
                    ("full statements", "full_queries"),
                    ("one-change statements", "one_queries"),
                )
                if small[key]
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--sizes", default=",".join(str(n) for n in SIZES))
    parser.add_argument("--openwebui", default="0.12.4", choices=dbs.OPENWEBUI_VERSIONS)
    parser.add_argument("--sqlite-users", type=int, default=10_000, help="0: no SQLite pass")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    dbs.ensure_local_server()
    if args.measure:
        print(json.dumps(measure(args.measure, args.openwebui)))
        return
    rows = []
    for size in (int(n) for n in args.sizes.split(",") if n):
        # one process per size: peak memory is that size's, and nothing is shared
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.reconcile",
                "--measure",
                str(size),
                "--openwebui",
                args.openwebui,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
        print(f"measured {size:,} users", file=sys.stderr)
    print(f"Open WebUI {args.openwebui} on PostgreSQL; this machine")
    _table(rows)
    if args.sqlite_users:
        sqlite_run(args.sqlite_users, args.openwebui)


def sqlite_run(users: int, version: str) -> None:
    prefix = f"bench_{uuid.uuid4().hex[:6]}"
    with dbs.scratch_databases(prefix, version) as (litellm_url, openwebui_url):
        with psycopg.connect(litellm_url, autocommit=True) as conn:
            seed_scale(conn, users, max(users // 20, 1), max(users // 200, 1))
        settings = load_settings(
            litellm_database_url=litellm_url,
            openwebui_database_url=openwebui_url,
            litellm_config=CONFIG,
        )
        with connect(litellm_url, "LiteLLM", autocommit=True) as conn:
            bridge_db.ensure_schema(conn)
        print(f"Open WebUI {version} on SQLite, {users:,} users")
        sqlite_pass(settings, litellm_url, version)


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
        for label in ("no-op full read", "no-op sweep"):
            started = time.perf_counter()
            noop = reconcile(on_file, trigger="sweep")
            noop_seconds = time.perf_counter() - started
            commits = observer.execute("PRAGMA data_version").fetchone()[0] - version_before
            print(
                f"SQLite {label}: {noop_seconds:6.2f} s  planned changes {len(noop.planned)}, "
                f"read skipped {noop.unchanged}, commits that changed the file {commits}"
            )
        observer.close()


if __name__ == "__main__":
    main()
