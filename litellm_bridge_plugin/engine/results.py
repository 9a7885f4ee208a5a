"""What one reconcile planned and did: each change's outcome and the run's result."""

from __future__ import annotations

from dataclasses import dataclass, field

from litellm_bridge_plugin.domain import Change, Plan, Scope, Skip
from litellm_bridge_plugin.litellm.access_reads import AccessState


@dataclass(frozen=True)
class Outcome:
    change: Change
    result: str
    error: str | None = None
    duration_ms: float = 0.0


@dataclass
class SyncResult:
    """What one reconcile planned or did."""

    run_id: str
    dry_run: bool
    schema: str
    outcomes: list[Outcome] = field(default_factory=list)
    planned: tuple[Change, ...] = ()
    skips: tuple[Skip, ...] = ()
    new_skips: tuple[Skip, ...] = ()
    error: str | None = None
    access: AccessState | None = None
    """Model access and budgets as this run read them (the proxy's checks use it)."""
    scope: Scope | None = None
    plan: Plan | None = None
    models_known: bool = False
    """The served models were known, so model rows and grants were planned."""
    unchanged: bool = False
    """Nothing was read or planned: the fingerprint of what a full read reads was that of the
    last full run that found nothing to do (engine/fingerprint.py)."""
    fingerprint: str | None = None
    """That fingerprint, when this full run computed one."""

    @property
    def succeeded(self) -> int:
        return sum(1 for o in self.outcomes if o.result == "SUCCESS")

    @property
    def failed(self) -> int:
        return sum(1 for o in self.outcomes if o.result == "FAILED")

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.error is None


def failed_entities(result: SyncResult) -> set[tuple[str, str]]:
    """The entities (type, id) a run did not converge (the outbox retries their rows)."""
    return {
        (o.change.entity_type, o.change.entity_id) for o in result.outcomes if o.result == "FAILED"
    }
