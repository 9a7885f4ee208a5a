"""The one convergence function: read LiteLLM, read Open WebUI, plan, apply, audit.

Every path (plugin start-up, periodic sweep, CLI) ends in :func:`reconcile`. It reads the
*current* state on both sides, so running it again is harmless and running it twice in a row
writes nothing the second time. This module manages runs (connections, the reconcile lock,
the run record, the access broadcast); a run is three calls: :func:`reads.read`,
:func:`planning.plan_run` and :meth:`apply.Applier.apply`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg

from litellm_bridge_plugin.connections import KeptConnections, connect
from litellm_bridge_plugin.domain import Scope, Skip
from litellm_bridge_plugin.engine import bridge_db, broadcast, fingerprint, observed, reads
from litellm_bridge_plugin.engine.apply import Applier, short
from litellm_bridge_plugin.engine.bridge_db import AuditRow
from litellm_bridge_plugin.engine.operations import OPERATIONS
from litellm_bridge_plugin.engine.passwords import problem as password_problem
from litellm_bridge_plugin.engine.planning import plan_run
from litellm_bridge_plugin.engine.results import SyncResult
from litellm_bridge_plugin.errors import BridgeError, DatabaseUnavailable
from litellm_bridge_plugin.litellm.access_reads import with_current_links
from litellm_bridge_plugin.litellm.catalog import ModelSource
from litellm_bridge_plugin.openwebui import schema as openwebui_schema
from litellm_bridge_plugin.openwebui.schema import OpenWebUISchema
from litellm_bridge_plugin.openwebui.writer import writer_for
from litellm_bridge_plugin.settings import Settings

log = logging.getLogger("litellm_bridge")

UNRECORDED_TRIGGERS = frozenset({"outbox", "signal"})
ANNOUNCED_TRIGGERS = frozenset({"outbox", "cli"})
FINGERPRINTED_TRIGGERS = frozenset({"startup", "sweep"})
"""Full runs that skip reading when nothing changed since the last one found nothing to do
(fingerprint.py); an operator's `sync` always reads everything."""


def detect_schema(openwebui: psycopg.Connection[Any]) -> OpenWebUISchema:
    with openwebui.transaction():
        return openwebui_schema.detect(openwebui)


def reconcile(
    settings: Settings,
    scope: Scope | None = None,
    *,
    dry_run: bool = False,
    trigger: str = "cli",
    passwords: Mapping[str, str] | None = None,
    connections: KeptConnections | None = None,
    models: ModelSource | None = None,
    wait: bool = True,
) -> SyncResult:
    """Make Open WebUI match LiteLLM for ``scope`` (everything when ``None``).

    ``passwords`` maps LiteLLM user ids to plaintext passwords to set on users this run
    creates; they are hashed in memory and never stored or logged. ``connections`` lets a
    long-running worker keep its two connections between runs; otherwise they are opened and
    closed here. ``models`` says where the served models come from (default: the config file
    named by ``BRIDGE_LITELLM_CONFIG``, when set). ``wait=False``: when another process
    holds the reconcile lock, raise :class:`ReconcileBusy` at once instead of waiting (sweeps:
    several replicas starting together do one full reconcile between them).
    """
    if models is None and settings.litellm_config is not None:
        models = ModelSource(config=settings.litellm_config)
    with observed.reconciling(trigger, dry_run) as seen:
        seen.result = _reconcile(
            settings, scope, dry_run, trigger, passwords, connections, models, wait
        )
    return seen.result


def _reconcile(
    settings: Settings,
    scope: Scope | None,
    dry_run: bool,
    trigger: str,
    passwords: Mapping[str, str] | None,
    connections: KeptConnections | None,
    models: ModelSource | None,
    wait: bool,
) -> SyncResult:
    if connections is not None:
        litellm, openwebui = connections.get()
        try:
            return _reconcile_on(
                settings, litellm, openwebui, scope, dry_run, trigger, passwords, models, wait
            )
        except psycopg.OperationalError as exc:
            lost = [
                name
                for name, conn in (("LiteLLM", litellm), ("Open WebUI", openwebui))
                if conn.broken or conn.closed
            ]
            connections.discard_broken()
            if lost:
                raise DatabaseUnavailable(f"lost the {lost[0]} database: {short(exc)}") from None
            raise
        except Exception:
            connections.discard_broken()
            raise
    litellm = connect(settings.litellm_database_url, "LiteLLM", autocommit=True)
    try:
        openwebui = connect(settings.openwebui_database_url, "Open WebUI", autocommit=True)
        try:
            return _reconcile_on(
                settings, litellm, openwebui, scope, dry_run, trigger, passwords, models, wait
            )
        finally:
            openwebui.close()
    finally:
        litellm.close()


def _reconcile_on(
    settings: Settings,
    litellm: psycopg.Connection[Any],
    openwebui: psycopg.Connection[Any],
    scope: Scope | None,
    dry_run: bool,
    trigger: str,
    passwords: Mapping[str, str] | None,
    models: ModelSource | None,
    wait: bool = True,
) -> SyncResult:
    run_id = str(uuid.uuid4())
    bridge_db.ensure_schema(litellm)
    usable = _usable(passwords or {})
    if dry_run:
        return _run(settings, litellm, openwebui, scope, run_id, True, usable, models, False)
    # Runs for change signals and outbox batches (many a minute on a busy proxy) are not
    # recorded in sync_run; their changes are in the audit with their run id like any other.
    recorded = trigger not in UNRECORDED_TRIGGERS
    with bridge_db.reconcile_lock(litellm, settings.lock_timeout, wait=wait):
        if recorded:
            bridge_db.start_run(litellm, run_id, trigger, scope.describe() if scope else "all")
        fingerprinted = scope is None and not usable and trigger in FINGERPRINTED_TRIGGERS
        try:
            result = _run(
                settings, litellm, openwebui, scope, run_id, False, usable, models, fingerprinted
            )
        except Exception as exc:
            if recorded and not litellm.broken:
                bridge_db.finish_run(litellm, run_id, error=short(exc))
            raise
        if recorded:
            bridge_db.finish_run(
                litellm,
                run_id,
                openwebui_schema=result.schema,
                succeeded=result.succeeded,
                failed=result.failed,
                skipped=bridge_db.skipped_count(litellm) if result.unchanged else len(result.skips),
            )
        if trigger in ANNOUNCED_TRIGGERS and result.access is not None:
            # changes made behind the proxy's back (outbox) or by an operator reach every
            # proxy's check now; sweeps are not announced (every process sweeps on its own)
            broadcast.announce(litellm, None if scope is None else result.access.users.keys())
        return result


def _run(
    settings: Settings,
    litellm: psycopg.Connection[Any],
    openwebui: psycopg.Connection[Any],
    scope: Scope | None,
    run_id: str,
    dry_run: bool,
    passwords: Mapping[str, str],
    models: ModelSource | None,
    fingerprinted: bool,
) -> SyncResult:
    """Read, plan, apply (or, ``fingerprinted``, nothing when nothing changed: see
    fingerprint.py)."""
    schema = detect_schema(openwebui)
    current = _fingerprint(settings, litellm, openwebui, schema, models) if fingerprinted else None
    if current is not None and fingerprint.unchanged(litellm, current):
        log.info(
            "litellm-bridge run %s: nothing LiteLLM or Open WebUI hold changed since the last "
            "full read found nothing to do; not read again",
            run_id,
        )
        return SyncResult(
            run_id=run_id,
            dry_run=False,
            schema=schema.describe(),
            models_known=current.catalog_known,
            unchanged=True,
            fingerprint=current.digest,
        )
    observed.phase("read")
    snapshot = reads.read(litellm, openwebui, schema, scope, models)
    observed.phase("plan")
    the_plan = plan_run(settings, snapshot, scope, passwords, models)
    result = SyncResult(
        run_id=run_id,
        dry_run=dry_run,
        schema=schema.describe(),
        planned=the_plan.changes,
        skips=the_plan.skips,
        access=snapshot.access,
        scope=scope,
        plan=the_plan,
        models_known=snapshot.models is not None,
        fingerprint=current.digest if current is not None else None,
    )
    if dry_run:
        return result
    observed.phase("write", len(the_plan.changes))
    result.outcomes = Applier(
        litellm,
        openwebui,
        writer_for(schema),
        the_plan,
        run_id,
        passwords,
        snapshot.actual.groups.keys(),
    ).apply()
    result.new_skips = _record_skips(litellm, run_id, the_plan.skips, full=scope is None)
    if current is not None and not the_plan.changes:
        fingerprint.record(litellm, current)
    log.info(
        "litellm-bridge run %s: %d applied, %d failed, %d skipped",
        run_id,
        result.succeeded,
        result.failed,
        len(result.skips),
    )
    if result.access is not None and any(
        o.result == "SUCCESS" and OPERATIONS[o.change.operation].links for o in result.outcomes
    ):
        # the proxy's check matches Open WebUI ids through the links this run just made
        result.access = with_current_links(litellm, result.access)
    return result


def _fingerprint(
    settings: Settings,
    litellm: psycopg.Connection[Any],
    openwebui: psycopg.Connection[Any],
    schema: OpenWebUISchema,
    models: ModelSource | None,
) -> fingerprint.Fingerprint | None:
    """This state's fingerprint, or None (then the run reads everything) when it cannot be
    computed: the shortcut never stops a run."""
    try:
        return fingerprint.compute(settings, litellm, openwebui, schema, models)
    except (psycopg.Error, BridgeError) as exc:
        if litellm.broken or getattr(openwebui, "broken", False):
            raise
        log.warning(
            "litellm-bridge: cannot compute the fingerprint of the full read (%s); reading "
            "everything",
            short(exc),
        )
        return None


def _record_skips(
    litellm: psycopg.Connection[Any], run_id: str, skips: Sequence[Skip], full: bool
) -> tuple[Skip, ...]:
    """Audit skips that are new or whose reason changed; forget resolved ones."""
    stored = bridge_db.read_skipped(litellm)
    current = {(s.entity_type, s.entity_id): s for s in skips}
    new = tuple(s for key, s in current.items() if stored.get(key) != s.reason)
    gone = [key for key in stored if key not in current] if full else []
    bridge_db.update_skipped(litellm, [(s.entity_type, s.entity_id, s.reason) for s in new], gone)
    bridge_db.write_audit(
        litellm,
        (
            AuditRow(run_id, "skip", s.entity_type, s.entity_id, "SKIPPED", error=s.reason)
            for s in new
        ),
    )
    return new


def _usable(supplied: Mapping[str, str]) -> dict[str, str]:
    """Passwords bcrypt can hash; the others are dropped with a warning (never the secret)."""
    usable = {}
    for user_id, secret in supplied.items():
        problem = password_problem(secret, min_length=1)
        if problem:
            log.warning(
                "litellm-bridge: password of LiteLLM user %s not applied: %s", user_id, problem
            )
        else:
            usable[user_id] = secret
    return usable
