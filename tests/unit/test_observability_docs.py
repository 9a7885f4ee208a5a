"""Every metric the Grafana dashboard, the alert rules and docs/observability.md name exists
(as the bridge exposes it, with prometheus_client's suffixes), and every metric the bridge
exposes is documented."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from prometheus_client import REGISTRY

from litellm_bridge_plugin import metrics  # noqa: F401 (registers the instruments)
from litellm_bridge_plugin.engine.health import OutboxCollector
from litellm_bridge_plugin.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"
NAME = re.compile(r"\blitellm_bridge_[a-z_]+\b")
SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_sum", "_count"),
    "gauge": ("",),
}


def _exposed() -> dict[str, set[str]]:
    """Each metric's name -> the sample names a scrape can show."""
    settings = Settings(
        litellm_database_url="postgresql://x@127.0.0.1:1/x",
        openwebui_database_url="postgresql://x@127.0.0.1:1/x",
    )
    families = [*REGISTRY.collect(), *OutboxCollector(settings).describe()]
    return {
        f.name: {f.name + suffix for suffix in SUFFIXES[f.type]}
        for f in families
        if f.name.startswith("litellm_bridge_")
    }


def _named(text: str) -> set[str]:
    return set(NAME.findall(text))


def test_the_dashboard_and_the_alerts_use_only_metrics_that_exist() -> None:
    samples = set().union(*_exposed().values())
    dashboard = json.loads((DOCS / "observability" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    rules = yaml.safe_load((DOCS / "observability" / "alerts.yml").read_text())
    alerts = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    assert exprs and alerts
    for expr in exprs + alerts:
        unknown = _named(expr) - samples
        assert not unknown, f"{expr!r} names {unknown}, which the bridge does not expose"


def test_the_page_documents_every_metric_and_names_no_other() -> None:
    exposed = _exposed()
    page = (DOCS / "observability.md").read_text()
    table = {m for m in re.findall(r"^\| `(litellm_bridge_[a-z_]+)`", page, re.MULTILINE)}
    documented = {name.removesuffix("_total") for name in table}
    assert documented == set(exposed), documented ^ set(exposed)
    samples = set().union(*exposed.values()) | set(exposed)
    assert _named(page) <= samples, _named(page) - samples


def test_the_required_names_are_there() -> None:
    """The names issue 26 asks for, as a scrape shows them."""
    samples = set().union(*_exposed().values())
    assert {
        "litellm_bridge_reconciles_total",
        "litellm_bridge_changes_total",
        "litellm_bridge_outbox_pending",
        "litellm_bridge_outbox_oldest_pending_seconds",
        "litellm_bridge_last_sweep_success_timestamp_seconds",
        "litellm_bridge_change_latency_seconds_bucket",
        "litellm_bridge_calls_total",
    } <= samples
