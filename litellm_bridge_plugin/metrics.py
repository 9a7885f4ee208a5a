"""The bridge's metrics, in Prometheus's conventions under ``litellm_bridge_`` (docs/
observability.md). Labels are bounded sets (triggers, kinds of change, results, outcomes of
a call): never a person, an email, a key or an id.

The instruments live in prometheus_client's default registry. With several proxy workers,
set ``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode, as LiteLLM's own
Prometheus integration asks) and every worker's figures are summed in each scrape
(:func:`exposition`); without it each process reports its own.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.registry import Collector

from litellm_bridge_plugin.errors import SettingsError


def _multiprocess_dir() -> None:
    """prometheus_client writes each process's figures into ``PROMETHEUS_MULTIPROC_DIR`` from
    the first instrument on: a directory that is missing is made (as an operator who named it
    expects), one that cannot be written stops the process here with the reason, rather than
    at the first call counted (``FileNotFoundError`` from inside prometheus_client)."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        return
    try:
        os.makedirs(path, exist_ok=True)
        if not os.access(path, os.W_OK | os.X_OK):
            raise PermissionError(13, "not writable by this process")
    except OSError as exc:
        raise SettingsError(
            f"PROMETHEUS_MULTIPROC_DIR={path}: {exc.strerror}; it must be a directory every "
            "proxy worker can write (make it, empty, before the proxy starts), or unset it "
            "for each process's own metrics"
        ) from None


_multiprocess_dir()

TRIGGERS = ("startup", "sweep", "signal", "outbox", "cli")
"""What started a reconcile: the proxy's start, the periodic sweep, a management call the
route tap saw (signal), the trigger outbox, the command line."""

RECONCILES = Counter(
    "litellm_bridge_reconciles",
    "Reconciles run, by what started them and how they ended (success: every change applied; "
    "partial: some changes failed; error: the run stopped, e.g. a database away; busy: "
    "another process was reconciling; unchanged: the fingerprint said nothing changed)",
    ["trigger", "result"],
)
RECONCILE_SECONDS = Histogram(
    "litellm_bridge_reconcile_duration_seconds",
    "How long each reconcile took, by what started it",
    ["trigger"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
CHANGES = Counter(
    "litellm_bridge_changes",
    "Changes to Open WebUI by kind (create_user, set_members, deactivate_user, ...) and "
    "result (SUCCESS, FAILED, SKIPPED), as the audit records them",
    ["kind", "result"],
)
FINGERPRINT_SKIPS = Counter(
    "litellm_bridge_fingerprint_skips",
    "Sweeps and start-ups that read nothing more because LiteLLM's and Open WebUI's "
    "fingerprint had not changed since the last full read found nothing to do",
)
LAST_SWEEP = Gauge(
    "litellm_bridge_last_sweep_success_timestamp_seconds",
    "When a sweep (or the start-up reconcile) last succeeded, seconds since the epoch",
    multiprocess_mode="max",
)
CHANGE_LATENCY = Histogram(
    "litellm_bridge_change_latency_seconds",
    "From a change committed in LiteLLM to it applied in Open WebUI: api (a management call "
    "the route tap saw, from the call's answer) or sql (a row the triggers saw, from the "
    "trigger's clock)",
    ["source"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
CALLS = Counter(
    "litellm_bridge_calls",
    "Open WebUI calls the proxy decided: allowed, or the kind of refusal (identity: the "
    "person named is not a LiteLLM user or the names disagree; model: not granted; budget: "
    "a LiteLLM budget is used up; blocked: the key or user is blocked; request: a field the "
    "bridge refuses; unavailable: the bridge has not read LiteLLM yet)",
    ["outcome"],
)
CALL_OUTCOMES = (
    "allowed",
    "identity",
    "model",
    "budget",
    "limit",
    "request",
    "unavailable",
    "error",
)
_CALL_COUNTERS = {outcome: CALLS.labels(outcome) for outcome in CALL_OUTCOMES}
"""Made once, so that a call's count is a lookup and an add (no label resolution on the hot
path) and every outcome is exposed from the start, at 0 (what ``rate()`` needs)."""


def count_call(outcome: str) -> None:
    """One Open WebUI call decided: ``allowed`` or the refusal's kind."""
    counter = _CALL_COUNTERS.get(outcome)
    (counter if counter is not None else CALLS.labels(outcome)).inc()


SPEND_READ_SECONDS = Histogram(
    "litellm_bridge_spend_read_duration_seconds",
    "How long each read of LiteLLM's spend figures (for the budget checks) took",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
ACCESS_REFRESH_SECONDS = Histogram(
    "litellm_bridge_access_refresh_duration_seconds",
    "How long each read of LiteLLM's grants and budgets for the proxy's check took",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


@contextmanager
def timed(histogram: Histogram, **labels: str) -> Iterator[None]:
    began = time.perf_counter()
    try:
        yield
    finally:
        (histogram.labels(**labels) if labels else histogram).observe(time.perf_counter() - began)


def exposition(*extra: Collector) -> tuple[bytes, str]:
    """The metrics in Prometheus's text format and its content type: every process's when
    ``PROMETHEUS_MULTIPROC_DIR`` is set, else this process's, plus ``extra`` collectors (read
    at the scrape, such as the outbox's depth)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = CollectorRegistry()
        registry.register(_Default())
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Default(Collector):
    """The default registry's collectors (this process's figures) inside another registry."""

    def collect(self):  # type: ignore[no-untyped-def]
        return REGISTRY.collect()
