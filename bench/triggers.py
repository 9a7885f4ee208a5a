"""Benchmark: what the capture triggers cost LiteLLM's own writes. Prints ratios.

    python -m bench.triggers [--rows 2000 --rounds 5]

Each workload runs as a back-to-back pair, without and with the triggers (alternating which
goes first, tables vacuumed before each run), several times; the figure is the median of the
pairs' ratios (with / without). Statements run as
LiteLLM issues them: one statement per transaction (autocommit), and spend updates also as a
batch of statements in one transaction (how LiteLLM's spend writer flushes). Targets
(issue #3): spend updates <= 1.05, a user insert or a real change <= 1.5.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

import psycopg

from devtools import dbs
from devtools import litellm_seed as seed
from litellm_bridge_plugin.capture import triggers
from litellm_bridge_plugin.engine import bridge_db

Conn = psycopg.Connection[Any]


def _prepare(conn: Conn, rows: int) -> None:
    seed.add_team(conn, "bench-team", "Bench")
    with conn.transaction():
        for i in range(rows):
            seed.add_user(conn, f"u{i}", f"u{i}@x.com")
            conn.execute(
                'INSERT INTO "LiteLLM_VerificationToken" (token, user_id, team_id, models) '
                "VALUES (%s, %s, 'bench-team', '{}')",
                (f"{i:064x}", f"u{i}"),
            )


def _user_spend(conn: Conn, rows: int) -> None:
    for i in range(rows):
        conn.execute(
            'UPDATE "LiteLLM_UserTable" SET spend = spend + 0.001, updated_at = now() '
            "WHERE user_id = %s",
            (f"u{i}",),
        )


def _key_spend(conn: Conn, rows: int) -> None:
    for i in range(rows):
        conn.execute(
            'UPDATE "LiteLLM_VerificationToken" SET spend = spend + 0.001, '
            "last_active = now(), updated_at = now() WHERE token = %s",
            (f"{i:064x}",),
        )


def _batched(work: Callable[[Conn, int], None]) -> Callable[[Conn, int], None]:
    def run(conn: Conn, rows: int) -> None:
        with conn.transaction():
            work(conn, rows)

    return run


def _user_insert(conn: Conn, rows: int) -> None:
    tag = uuid.uuid4().hex[:8]
    for i in range(rows):
        seed.add_user(conn, f"new-{tag}-{i}", f"new-{tag}-{i}@x.com")


def _real_change(conn: Conn, rows: int) -> None:
    tag = uuid.uuid4().hex[:8]
    for i in range(rows):
        conn.execute(
            'UPDATE "LiteLLM_UserTable" SET user_alias = %s WHERE user_id = %s',
            (f"alias {tag}", f"u{i}"),
        )


WORKLOADS: dict[str, Callable[[Conn, int], None]] = {
    "user spend update (autocommit)": _user_spend,
    "key spend update (autocommit)": _key_spend,
    "user spend update (batch txn)": _batched(_user_spend),
    "key spend update (batch txn)": _batched(_key_spend),
    "user insert (autocommit)": _user_insert,
    "user alias change (autocommit)": _real_change,
}


def main() -> None:
    parser = argparse.ArgumentParser(description="trigger overhead on LiteLLM's writes")
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    dbs.ensure_local_server()
    scratch = dbs.scratch_databases(f"bench_{uuid.uuid4().hex[:6]}", "0.12.4")
    with scratch as (litellm_url, _), psycopg.connect(litellm_url, autocommit=True) as conn:
        bridge_db.ensure_schema(conn)
        _prepare(conn, args.rows)
        # Without waiting for the WAL flush, the timings show the statements' own work (what a
        # trigger adds) instead of disk-flush jitter, which is larger than the effect measured.
        conn.execute("SET synchronous_commit = off")
        ratios: dict[str, list[float]] = {name: [] for name in WORKLOADS}
        per_row: dict[str, dict[bool, list[float]]] = {
            name: {False: [], True: []} for name in WORKLOADS
        }
        outbox_rows = 0
        for round_number in range(args.rounds):
            for name, work in WORKLOADS.items():
                # each pair runs back to back, alternating which side goes first, so load
                # and table growth hit both sides alike
                order = (False, True) if round_number % 2 == 0 else (True, False)
                seconds: dict[bool, float] = {}
                for with_triggers in order:
                    if with_triggers:
                        triggers.install(conn)
                    conn.execute('VACUUM "LiteLLM_UserTable", "LiteLLM_VerificationToken"')
                    started = time.perf_counter()
                    work(conn, args.rows)
                    seconds[with_triggers] = time.perf_counter() - started
                    if with_triggers:
                        row = conn.execute("SELECT count(*) FROM litellm_bridge.outbox").fetchone()
                        outbox_rows += row[0] if row else 0
                        triggers.uninstall(conn)
                ratios[name].append(seconds[True] / seconds[False])
                for side, value in seconds.items():
                    per_row[name][side].append(value * 1e6 / args.rows)
        print(f"{args.rows} statements per run, {args.rounds} pairs per workload; medians")
        print(f"{'workload':<34} {'without':>9} {'with':>9} {'ratio':>7}")
        for name in WORKLOADS:
            without = statistics.median(per_row[name][False])
            with_ = statistics.median(per_row[name][True])
            ratio = statistics.median(ratios[name])
            print(f"{name:<34} {without:7.1f}us {with_:7.1f}us {ratio:7.3f}")
        print(
            f"outbox rows written with triggers: {outbox_rows} "
            f"(expected {2 * args.rows * args.rounds}: only inserts and alias changes)"
        )


if __name__ == "__main__":
    main()
