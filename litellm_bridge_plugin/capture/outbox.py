"""Consume the trigger outbox: claim rows, reconcile their entities, complete or retry.

Delivery is at least once: a row is deleted only after its entity converged, in the same
transaction that claimed it (``FOR UPDATE SKIP LOCKED``), so a crash before that releases the
row to another worker. NOTIFY only wakes consumers; polling covers a missed wake-up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg

from litellm_bridge_plugin import metrics
from litellm_bridge_plugin.connections import connect
from litellm_bridge_plugin.domain import Scope
from litellm_bridge_plugin.errors import BridgeError
from litellm_bridge_plugin.queries import query
from litellm_bridge_plugin.settings import Settings

log = logging.getLogger("litellm_bridge")

CLAIM_LIMIT = 1000
CHANNEL = "litellm_bridge"


def _q(name: str) -> Any:
    return query("outbox.sql", name)


@dataclass(frozen=True)
class DrainResult:
    claimed: int
    completed: int
    failed: int


def outbox_present(conn: psycopg.Connection[Any]) -> bool:
    with conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
        cur.execute(_q("present"))
        row = cur.fetchone()
    return bool(row and row[0])


def scope_of(rows: list[dict[str, Any]]) -> Scope:
    """Coalesce outbox rows into one scope (each entity once)."""
    ids: dict[str, set[str]] = {"user": set(), "team": set(), "organization": set()}
    for row in rows:
        if row["entity_type"] in ids:
            ids[row["entity_type"]].add(row["entity_id"])
    return Scope(
        users=frozenset(ids["user"]),
        teams=frozenset(ids["team"]),
        organizations=frozenset(ids["organization"]),
    )


Reconciler = Callable[[Settings, Scope], set[tuple[str, str]]]
"""Reconciles a scope and returns the entities (type, id) that did not converge (the engine
hands in its reconcile: capture does not import the engine)."""


def drain_once(
    settings: Settings, conn: psycopg.Connection[Any], reconciler: Reconciler
) -> DrainResult:
    """Claim one batch, reconcile it, complete what converged and retry the rest."""
    run = reconciler
    with conn.transaction(), conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(_q("claim"), {"limit": CLAIM_LIMIT})
        rows = cur.fetchall()
        if not rows:
            return DrainResult(0, 0, 0)
        try:
            failed = run(settings, scope_of(rows))
            error = "see litellm-bridge audit --failed"
        except BridgeError as exc:
            failed = {(r["entity_type"], r["entity_id"]) for r in rows}
            error = str(exc)[:2000]
        bad = [r["id"] for r in rows if (r["entity_type"], r["entity_id"]) in failed]
        good = [r["id"] for r in rows if (r["entity_type"], r["entity_id"]) not in failed]
        if good:
            cur.execute(_q("complete"), {"ids": good})
            for row in cur.fetchall():
                metrics.CHANGE_LATENCY.labels("sql").observe(max(0.0, row["age"]))
        if bad:
            cur.execute(
                _q("fail"),
                {
                    "ids": bad,
                    "error": error,
                    "cap": settings.sweep_interval,
                    "max_attempts": settings.max_attempts,
                },
            )
    return DrainResult(len(rows), len(good), len(bad))


def retry_dead(conn: psycopg.Connection[Any]) -> int:
    """Give parked rows a fresh set of attempts; returns how many."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(_q("retry_dead"))
        return cur.rowcount


def stats(conn: psycopg.Connection[Any]) -> dict[str, Any] | None:
    """Pending and dead counts and the age of the oldest pending row; None without outbox."""
    if not outbox_present(conn):
        return None
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(_q("stats"))
        row: dict[str, Any] = cur.fetchone() or {}
    return row


def dead_rows(conn: psycopg.Connection[Any], limit: int = 20) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(_q("dead_rows"), {"limit": limit})
        return cur.fetchall()


@contextmanager
def listening(settings: Settings) -> Iterator[psycopg.Connection[Any]]:
    """A connection subscribed to the bridge's NOTIFY channel."""
    conn = connect(settings.litellm_database_url, "LiteLLM", autocommit=True)
    try:
        conn.execute(_q("listen"))
        yield conn
    finally:
        conn.close()
