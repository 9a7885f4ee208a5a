"""What keeping budgets fresh costs: the spend read the proxy makes every BRIDGE_SPEND_INTERVAL.

Seeds LiteLLM's real tables at scale (bench/seed_scale.sql: users, their keys, teams,
organisations), reads the grants once as the worker does, then times what the spend thread
does each round: the `spend_figures` read and folding it into the check's state, with nothing
changed and with one key's spend changed. Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

import psycopg

from devtools import dbs
from litellm_bridge_plugin.litellm.access_reads import read_access, read_spend, with_spend

from .reconcile import seed_scale


def _ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:7.1f} ms  max {max(samples) * 1000:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    dbs.ensure_local_server()
    scratch = dbs.scratch_databases(f"bench_{uuid.uuid4().hex[:6]}", "0.12.4")
    with scratch as (litellm_url, _), psycopg.connect(litellm_url, autocommit=True) as conn:
        seed_scale(conn, args.users, 500, 50)
        state = read_access(conn)
        figures = read_spend(conn)
        keys = sum(len(k) for k in state.keys.values())
        print(
            f"LiteLLM: {len(state.users)} users, {keys} keys, {len(state.teams)} teams, "
            f"{len(state.organizations)} organisations; {len(figures)} spend figures a round"
        )
        reads, folds = [], []
        for n in range(args.rounds):
            if n % 2:  # every other round one key has spent a little (a request batch)
                conn.execute(
                    'UPDATE "LiteLLM_VerificationToken" SET spend = spend + 0.01 '
                    'WHERE token = (SELECT min(token) FROM "LiteLLM_VerificationToken")'
                )
            started = time.perf_counter()
            figures = read_spend(conn)
            reads.append(time.perf_counter() - started)
            started = time.perf_counter()
            state = with_spend(state, figures) or state
            folds.append(time.perf_counter() - started)
        print(f"spend read (SQL + rows):        {_ms(reads)}")
        print(f"folded into the check's state:  {_ms(folds)}")
        print(
            f"per BRIDGE_SPEND_INTERVAL=5 s: about "
            f"{(statistics.median(reads) + statistics.median(folds)) / 5 * 100:.1f}% "
            "of one core"
        )


if __name__ == "__main__":
    main()
