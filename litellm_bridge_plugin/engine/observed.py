"""What the engine tells the metrics (metrics.py): each reconcile's trigger, result, duration
and changes; the last successful sweep; the fingerprint's skips. And, to whoever asked
(:func:`reporting`: the CLI's ``sync``), each phase of a reconcile as it goes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

from litellm_bridge_plugin import metrics
from litellm_bridge_plugin.engine.results import SyncResult
from litellm_bridge_plugin.errors import ReconcileBusy

SWEEPS = frozenset({"startup", "sweep"})
"""Full runs: one that ends (whatever its changes' results) counts as a successful sweep."""


@dataclass
class Seen:
    result: SyncResult | None = None


def result_of(result: SyncResult) -> str:
    if result.unchanged:
        return "unchanged"
    return "partial" if result.failed else "success"


@contextmanager
def reconciling(trigger: str, dry_run: bool) -> Iterator[Seen]:
    """Around one reconcile: a dry run is not counted (it changes nothing)."""
    seen = Seen()
    began = time.perf_counter()
    outcome = "error"
    try:
        yield seen
        outcome = result_of(seen.result) if seen.result is not None else "error"
    except ReconcileBusy:
        outcome = "busy"
        raise
    finally:
        if not dry_run:
            _record(trigger, outcome, time.perf_counter() - began, seen.result)


def _record(trigger: str, outcome: str, seconds: float, result: SyncResult | None) -> None:
    metrics.RECONCILES.labels(trigger, outcome).inc()
    if outcome == "busy":
        return  # it did nothing: its time was spent waiting for, or asking about, the lock
    metrics.RECONCILE_SECONDS.labels(trigger).observe(seconds)
    if result is None:
        return
    for done in result.outcomes:
        metrics.CHANGES.labels(done.change.operation, done.result).inc()
    if result.new_skips:
        metrics.CHANGES.labels("skip", "SKIPPED").inc(len(result.new_skips))
    if result.unchanged:
        metrics.FINGERPRINT_SKIPS.inc()
    if trigger in SWEEPS:
        metrics.LAST_SWEEP.set(time.time())


class Progress(Protocol):
    """Told each phase of a reconcile and how far its writing has gone (the CLI's display)."""

    def phase(self, name: str, total: int | None = None) -> None: ...

    def advance(self, done: int) -> None: ...


_progress: ContextVar[Progress | None] = ContextVar("litellm_bridge_progress", default=None)


@contextmanager
def reporting(progress: Progress) -> Iterator[None]:
    """Reconciles run in this context tell ``progress`` where they are."""
    token = _progress.set(progress)
    try:
        yield
    finally:
        _progress.reset(token)


def phase(name: str, total: int | None = None) -> None:
    found = _progress.get()
    if found is not None:
        found.phase(name, total)


def advance(done: int) -> None:
    found = _progress.get()
    if found is not None:
        found.advance(done)
