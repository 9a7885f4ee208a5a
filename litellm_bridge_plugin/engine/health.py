"""Is the bridge keeping up: the readiness answer (``/bridge/health``, the worker's
``/health``) and the figures read at each scrape (the outbox's depth, age and dead rows).

Degraded is said, never enforced: the answer is 200 either way, so an orchestrator probing it
does not take the proxy out of service (LiteLLM keeps serving calls whatever the bridge's
state); ``status`` says ``ok`` or ``degraded`` and ``reasons`` why, in words an operator can
act on.

Both are read by anyone who can reach the port (``/bridge/health`` asks no key, as LiteLLM's
own ``/health/readiness``): an answer says nothing about where the databases are (a failure's
detail goes to the log), and it is worked out at most once every ``RECENT_SECONDS`` whatever
the number of callers, so that probing it cannot open connections to either database faster
than that (:class:`Recent`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import psycopg
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from litellm_bridge_plugin.capture import outbox
from litellm_bridge_plugin.connections import connect
from litellm_bridge_plugin.engine import bridge_db
from litellm_bridge_plugin.errors import BridgeError
from litellm_bridge_plugin.settings import Settings

log = logging.getLogger("litellm_bridge")
T = TypeVar("T")

RECENT_SECONDS = 5.0
"""How long an answer (or the outbox's figures) is given again before it is worked out anew."""


class Recent(Generic[T]):
    """``compute()``'s last result, worked out anew once older than ``seconds``, by one caller
    at a time: while one does, the others are given the previous result at once (never a queue
    of callers each opening connections); only the very first callers wait for it."""

    def __init__(self, compute: Callable[[], T], seconds: float | None = None) -> None:
        self._compute = compute
        self._seconds = RECENT_SECONDS if seconds is None else seconds
        self._lock = threading.Lock()
        self._value: T | None = None
        self._at = float("-inf")

    def fresh(self) -> T | None:
        """The last result while still fresh, else None (without blocking: for async code)."""
        if time.monotonic() - self._at < self._seconds:
            return self._value
        return None

    def get(self) -> T:
        value = self.fresh()
        if value is not None:
            return value
        if not self._lock.acquire(blocking=self._value is None):
            return self._value  # type: ignore[return-value]  # another caller is at it
        try:
            value = self.fresh()
            if value is None:
                value = self._compute()
                self._value, self._at = value, time.monotonic()
            return value
        finally:
            self._lock.release()


@dataclass
class Health:
    reasons: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return "degraded" if self.reasons else "ok"

    def answer(self) -> dict[str, Any]:
        return {"status": self.status, "reasons": self.reasons, **self.facts}


def _outbox_stats(settings: Settings) -> dict[str, Any] | None:
    conn = connect(settings.litellm_database_url, "LiteLLM", autocommit=True)
    try:
        return outbox.stats(conn)
    finally:
        conn.close()


def _litellm_side(settings: Settings) -> tuple[dict[str, Any] | None, float | None]:
    """The outbox's figures and the seconds since any process's last successful sweep."""
    conn = connect(settings.litellm_database_url, "LiteLLM", autocommit=True)
    try:
        stats = outbox.stats(conn)
        swept = None
        if bridge_db.schema_version(conn) is not None:
            swept = bridge_db.fetch(conn, "last_sweep_age")[0]["seconds"]
        return stats, swept
    finally:
        conn.close()


def assess(settings: Settings, started: float, sweeps: bool = True) -> Health:
    """Open WebUI's database reachable, the outbox not lagging nor holding dead rows, a sweep
    by any process of the deployment (read from LiteLLM's database: with several replicas
    another one may have swept) in the last two intervals, counted from ``started`` (this
    process's start) while none has."""
    health = Health()
    try:
        connect(settings.openwebui_database_url, "Open WebUI", autocommit=True).close()
        health.facts["openwebui_database"] = "reachable"
    except BridgeError as exc:
        health.facts["openwebui_database"] = "unreachable"
        health.reasons.append(_unreachable("Open WebUI", exc))
    try:
        stats, swept = _litellm_side(settings)
        health.facts["litellm_database"] = "reachable"
    except (BridgeError, psycopg.Error) as exc:
        health.facts["litellm_database"] = "unreachable"
        health.reasons.append(_unreachable("LiteLLM", exc))
        return health  # nothing more can be said: the outbox and the sweeps are recorded there
    if stats is not None:
        oldest = float(stats.get("oldest_pending_seconds") or 0.0)
        health.facts["outbox"] = {
            "pending": stats["pending"],
            "dead": stats["dead"],
            "oldest_pending_seconds": round(oldest, 3),
        }
        if oldest > settings.health_outbox_lag:
            health.reasons.append(
                f"the outbox's oldest change has waited {oldest:.0f} s (more than "
                f"BRIDGE_HEALTH_OUTBOX_LAG={settings.health_outbox_lag:g}): is a worker running? "
                "(litellm-bridge status)"
            )
        if stats["dead"]:
            health.reasons.append(
                f"{stats['dead']} outbox change(s) gave up after BRIDGE_MAX_ATTEMPTS: "
                "litellm-bridge status shows why, litellm-bridge retry-failed tries them again"
            )
    if sweeps:
        since = time.time() - started if swept is None else min(swept, time.time() - started)
        health.facts["seconds_since_last_sweep"] = None if swept is None else round(swept, 1)
        if since > 2 * settings.sweep_interval:
            health.reasons.append(
                f"no successful sweep for {since:.0f} s (BRIDGE_SWEEP_INTERVAL="
                f"{settings.sweep_interval:g}: two intervals); the log says why"
            )
    return health


def _unreachable(what: str, exc: Exception) -> str:
    """The reason given (where the database is and why it failed go to the log only)."""
    log.warning("litellm-bridge health: %s's database: %s", what, exc)
    return f"{what}'s database is unreachable (the bridge's log says why)"


OUTBOX_METRICS = {
    "litellm_bridge_litellm_database_up": (
        "Whether the scrape could read LiteLLM's database (1) or not (0)"
    ),
    "litellm_bridge_outbox_pending": "Changes the triggers saw that wait to reach Open WebUI",
    "litellm_bridge_outbox_oldest_pending_seconds": (
        "How long the oldest waiting change has waited (0 when none waits)"
    ),
    "litellm_bridge_outbox_dead": (
        "Changes that gave up after BRIDGE_MAX_ATTEMPTS (litellm-bridge retry-failed)"
    ),
}


def _gauge(name: str, value: float | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, OUTBOX_METRICS[name], value=value)


class OutboxCollector(Collector):
    """The outbox's figures, read from LiteLLM's database at each scrape (a process that has
    not drained it knows them as well as one that has)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stats = Recent(self._read)

    def _read(self) -> tuple[dict[str, Any] | None, float]:
        try:
            return _outbox_stats(self.settings), 1.0
        except (BridgeError, psycopg.Error):
            return None, 0.0

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return (_gauge(name) for name in OUTBOX_METRICS)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        stats, up = self._stats.get()
        yield _gauge("litellm_bridge_litellm_database_up", up)
        if stats is None:
            return
        yield _gauge("litellm_bridge_outbox_pending", stats["pending"])
        oldest = float(stats.get("oldest_pending_seconds") or 0.0)
        yield _gauge("litellm_bridge_outbox_oldest_pending_seconds", oldest)
        yield _gauge("litellm_bridge_outbox_dead", stats["dead"])
