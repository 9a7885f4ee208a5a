"""What a reconcile tells the metrics (engine/observed.py): its trigger and result, its
changes by kind and result, the last successful sweep; a dry run tells nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from litellm_bridge_plugin.domain import Change
from litellm_bridge_plugin.engine import observed
from litellm_bridge_plugin.engine.results import Outcome, SyncResult
from litellm_bridge_plugin.errors import DatabaseUnavailable, ReconcileBusy


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _result(*results: str, unchanged: bool = False) -> SyncResult:
    outcomes = [
        Outcome(Change("create_user", "user", f"u{n}", f"o{n}"), result)
        for n, result in enumerate(results)
    ]
    return SyncResult("run", False, "0.12", outcomes=outcomes, unchanged=unchanged)


def _reconcile(trigger: str, result: SyncResult, dry_run: bool = False) -> None:
    with observed.reconciling(trigger, dry_run) as seen:
        seen.result = result


def test_a_run_counts_its_result_and_its_changes() -> None:
    before = {
        "success": _value("litellm_bridge_reconciles_total", trigger="signal", result="success"),
        "partial": _value("litellm_bridge_reconciles_total", trigger="signal", result="partial"),
        "made": _value("litellm_bridge_changes_total", kind="create_user", result="SUCCESS"),
        "failed": _value("litellm_bridge_changes_total", kind="create_user", result="FAILED"),
        "runs": _value("litellm_bridge_reconcile_duration_seconds_count", trigger="signal"),
    }
    _reconcile("signal", _result("SUCCESS", "SUCCESS"))
    _reconcile("signal", _result("SUCCESS", "FAILED"))
    after = {
        "success": _value("litellm_bridge_reconciles_total", trigger="signal", result="success"),
        "partial": _value("litellm_bridge_reconciles_total", trigger="signal", result="partial"),
        "made": _value("litellm_bridge_changes_total", kind="create_user", result="SUCCESS"),
        "failed": _value("litellm_bridge_changes_total", kind="create_user", result="FAILED"),
        "runs": _value("litellm_bridge_reconcile_duration_seconds_count", trigger="signal"),
    }
    assert {k: after[k] - before[k] for k in after} == {
        "success": 1,
        "partial": 1,
        "made": 3,
        "failed": 1,
        "runs": 2,
    }


def test_busy_error_and_dry_runs() -> None:
    busy = _value("litellm_bridge_reconciles_total", trigger="sweep", result="busy")
    error = _value("litellm_bridge_reconciles_total", trigger="outbox", result="error")
    cli = _value("litellm_bridge_reconcile_duration_seconds_count", trigger="cli")
    with pytest.raises(ReconcileBusy), observed.reconciling("sweep", False):
        raise ReconcileBusy("another")
    with pytest.raises(DatabaseUnavailable), observed.reconciling("outbox", False):
        raise DatabaseUnavailable("away")
    _reconcile("cli", _result("SUCCESS"), dry_run=True)
    assert _value("litellm_bridge_reconciles_total", trigger="sweep", result="busy") == busy + 1
    assert _value("litellm_bridge_reconciles_total", trigger="outbox", result="error") == error + 1
    assert _value("litellm_bridge_reconcile_duration_seconds_count", trigger="cli") == cli


def test_a_sweep_sets_the_last_success_and_the_fingerprint_skip_counts() -> None:
    skips = _value("litellm_bridge_fingerprint_skips_total")
    _reconcile("sweep", _result(unchanged=True))
    assert _value("litellm_bridge_fingerprint_skips_total") == skips + 1
    assert _value("litellm_bridge_reconciles_total", trigger="sweep", result="unchanged") >= 1
    stamp = _value("litellm_bridge_last_sweep_success_timestamp_seconds")
    assert stamp > 1.7e9
    _reconcile("signal", _result("SUCCESS"))  # not a sweep: the stamp stays
    assert _value("litellm_bridge_last_sweep_success_timestamp_seconds") == stamp


def _import_metrics(directory: str) -> subprocess.CompletedProcess[str]:
    code = "from litellm_bridge_plugin import metrics; metrics.CALLS.labels('allowed').inc()"
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": directory}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


def test_a_missing_multiprocess_directory_is_made(tmp_path: Path) -> None:
    directory = tmp_path / "not" / "yet"
    done = _import_metrics(str(directory))
    assert done.returncode == 0, done.stderr
    assert any(directory.glob("counter_*.db"))


def test_a_multiprocess_directory_that_cannot_be_written_is_said() -> None:
    done = _import_metrics("/proc/no-such/metrics")
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert "SettingsError: PROMETHEUS_MULTIPROC_DIR=/proc/no-such/metrics" in last, last
    assert "FileNotFoundError" not in done.stderr


def test_every_outcome_of_a_call_is_exposed_from_the_start() -> None:
    from litellm_bridge_plugin import metrics
    from litellm_bridge_plugin.proxy.enforcement import REFUSALS

    assert {"allowed", "error", *REFUSALS} == set(metrics.CALL_OUTCOMES)
    for outcome in metrics.CALL_OUTCOMES:
        assert (
            REGISTRY.get_sample_value("litellm_bridge_calls_total", {"outcome": outcome})
            is not None
        )
    before = _value("litellm_bridge_calls_total", outcome="model")
    metrics.count_call("model")
    assert _value("litellm_bridge_calls_total", outcome="model") == before + 1
