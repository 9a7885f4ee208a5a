"""The one convergence function: read LiteLLM, read Open WebUI, plan, apply, audit.

Every path (plugin start-up, periodic sweep, CLI) ends in :func:`reconcile`. It reads the
*current* state on both sides, so running it again is harmless and running it twice in a row
writes nothing the second time.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import bcrypt
import psycopg

from . import bridge_db, broadcast, reads
from .access import forget_answers
from .access_state import AccessState, with_current_links
from .bridge_db import AuditRow
from .catalog import ModelSource
from .db import KeptConnections, connect
from .errors import DatabaseUnavailable
from .mapping import DesiredState, Skip, desired_state
from .model_planner import ModelInputs, plan_models
from .openwebui import schema as openwebui_schema
from .openwebui.models import ModelWriter
from .openwebui.schema import OpenWebUISchema
from .openwebui.writer import OpenWebUIWriter, writer_for
from .passwords import problem as password_problem
from .planner import Change, Plan, plan
from .scope import Scope
from .settings import Settings

log = logging.getLogger("litellm_bridge")

BATCH_SIZE = 500
# A random 256-bit secret cannot be guessed whatever the work factor, so placeholder
# passwords use bcrypt's cheapest cost; passwords people type use Open WebUI's cost, 12.
PLACEHOLDER_ROUNDS = 4
PASSWORD_ROUNDS = 12
MAX_ERROR_LENGTH = 2000
UNRECORDED_TRIGGERS = frozenset({"outbox", "signal"})
ANNOUNCED_TRIGGERS = frozenset({"outbox", "cli"})
LINK_CHANGES = frozenset({"create_user", "link_user", "unlink", "delete_user"})
MEMBER_CHANGES = frozenset({"create_group", "set_members", "create_model", "set_model_access"})
MODEL_BOOKKEEPING = frozenset({"create_model", "link_model"})


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

    @property
    def succeeded(self) -> int:
        return sum(1 for o in self.outcomes if o.result == "SUCCESS")

    @property
    def failed(self) -> int:
        return sum(1 for o in self.outcomes if o.result == "FAILED")

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.error is None


def _hash_password(secret: str, rounds: int) -> str:
    return bcrypt.hashpw(secret.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def _placeholder_hash(_: object = None) -> str:
    return _hash_password(secrets.token_hex(32), PLACEHOLDER_ROUNDS)


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:MAX_ERROR_LENGTH]


def _in_scope(change: Change, scope: Scope, user_openwebui_ids: frozenset[str]) -> bool:
    if change.entity_id in scope.ids(change.entity_type):
        return True
    if change.operation in MEMBER_CHANGES:
        return bool((change.add | change.remove) & user_openwebui_ids)
    return False


def restrict(result_plan: Plan, scope: Scope) -> Plan:
    """The part of ``result_plan`` that concerns ``scope`` (and the groups and model grants
    of its users)."""
    user_ids = frozenset(
        c.openwebui_id
        for c in result_plan.changes
        if c.entity_type == "user" and c.entity_id in scope.users
    ) | frozenset(
        openwebui_id
        for litellm_id, openwebui_id in result_plan.user_openwebui_ids.items()
        if litellm_id in scope.users
    )
    kept = [c for c in result_plan.changes if _in_scope(c, scope, user_ids)]
    # Users created only by the full plan do not exist yet: no group may name them.
    not_created = frozenset(
        c.openwebui_id
        for c in result_plan.changes
        if c.operation == "create_user" and c.entity_id not in scope.users
    )
    owners = [a for a in result_plan.admin_openwebui_ids if a not in not_created]
    changes = []
    for c in kept:
        if c.add & not_created:
            c = replace(c, add=c.add - not_created)
        if c.entity_type == "model" and (c.after or {}).get("owner") in not_created:
            if not owners:
                continue  # no admin exists yet: the full run that creates one owns the row
            c = replace(c, after=dict(c.after or {}) | {"owner": owners[0]})
        changes.append(c)
    return replace(
        result_plan,
        changes=tuple(changes),
        skips=tuple(s for s in result_plan.skips if s.entity_id in scope.ids(s.entity_type)),
        admin_openwebui_ids=tuple(owners),
    )


class _Applier:
    """Applies a plan in batches: links first, Open WebUI per change in a savepoint, audit."""

    def __init__(
        self,
        litellm: psycopg.Connection[Any],
        openwebui: psycopg.Connection[Any],
        writer: OpenWebUIWriter,
        the_plan: Plan,
        run_id: str,
        passwords: Mapping[str, str],
        all_group_ids: Iterable[str],
    ) -> None:
        self.litellm = litellm
        self.openwebui = openwebui
        self.writer = writer
        self.plan = the_plan
        self.run_id = run_id
        self.passwords = passwords
        self.all_group_ids = set(all_group_ids)
        self.models = ModelWriter(writer.schema)
        self.failed_users: set[str] = set()

    def apply(self) -> list[Outcome]:
        outcomes: list[Outcome] = []
        changes = self.plan.changes
        for start in range(0, len(changes), BATCH_SIZE):
            batch = changes[start : start + BATCH_SIZE]
            done = self._apply_batch(batch)
            outcomes.extend(done)
            self._record(done)
        return outcomes

    def _apply_batch(self, batch: Sequence[Change]) -> list[Outcome]:
        bridge_db.upsert_links(self.litellm, self._links_before(batch))
        bridge_db.upsert_model_rows(
            self.litellm,
            {c.openwebui_id: c.entity_id for c in batch if c.operation in MODEL_BOOKKEEPING},
        )
        hashes = self._password_hashes(batch)
        outcomes: list[Outcome] = []
        try:
            with self.openwebui.transaction(), self.openwebui.cursor() as cur:
                for change in batch:
                    outcomes.append(self._apply_one(cur, change, hashes))
        except psycopg.Error as exc:
            if self.openwebui.broken or self.openwebui.closed:
                raise DatabaseUnavailable(
                    f"lost the Open WebUI database while applying changes: {_short(exc)}"
                ) from None
            raise
        return outcomes

    def _apply_one(
        self, cur: psycopg.Cursor[Any], change: Change, hashes: Mapping[str, str]
    ) -> Outcome:
        started = time.perf_counter()
        try:
            with self.openwebui.transaction():
                self._write(cur, change, hashes)
        except psycopg.Error as exc:
            if self.openwebui.broken or self.openwebui.closed:
                raise
            if change.operation == "create_user":
                self.failed_users.add(change.openwebui_id)
            return Outcome(change, "FAILED", _short(exc), (time.perf_counter() - started) * 1000)
        return Outcome(change, "SUCCESS", None, (time.perf_counter() - started) * 1000)

    def _write(self, cur: psycopg.Cursor[Any], change: Change, hashes: Mapping[str, str]) -> None:
        w, after, op = self.writer, dict(change.after or {}), change.operation
        if op == "create_user":
            w.create_user(
                cur,
                change.openwebui_id,
                after["email"],
                after["name"],
                after["role"],
                hashes[change.entity_id],
            )
        elif op == "update_user":
            if after.get("login"):
                w.create_login(cur, change.openwebui_id, after["login"], hashes[change.entity_id])
            w.update_user(
                cur,
                change.openwebui_id,
                name=after.get("name"),
                email=after.get("email"),
                role=after.get("role"),
                active=after.get("active"),
            )
        elif op == "set_password":
            w.set_password(cur, change.openwebui_id, hashes[change.entity_id])
        elif op == "deactivate_user":
            w.deactivate_user(cur, change.openwebui_id, self.plan.bridge_group_ids)
        elif op == "delete_user":
            w.delete_user(cur, change.openwebui_id, self.all_group_ids)
        elif op == "create_group":
            w.create_group(
                cur,
                change.openwebui_id,
                after["owner"],
                after["name"],
                after["description"],
                {"kind": change.entity_type, "litellm_id": change.entity_id},
            )
            w.change_members(cur, change.openwebui_id, change.add - self.failed_users, ())
        elif op == "update_group":
            w.update_group(
                cur,
                change.openwebui_id,
                name=after.get("name"),
                description=after.get("description"),
                owner=after.get("owner"),
            )
        elif op == "set_members":
            w.change_members(
                cur, change.openwebui_id, change.add - self.failed_users, change.remove
            )
        elif op == "delete_group":
            w.delete_group(cur, change.openwebui_id)
        elif op == "create_model":
            self.models.create(cur, change.openwebui_id, after["name"], after["owner"])
            self.models.set_readers(cur, change.openwebui_id, change.add - self.failed_users, ())
        elif op == "set_model_access":
            self.models.set_readers(
                cur, change.openwebui_id, change.add - self.failed_users, change.remove
            )
        elif op == "update_model":
            self.models.set_owner(cur, change.openwebui_id, after["owner"])
        elif op == "delete_model":
            self.models.delete(cur, change.openwebui_id)
        # link_user and unlink change only the bridge's link table

    def _password_hashes(self, batch: Sequence[Change]) -> dict[str, str]:
        needed = [
            c.entity_id
            for c in batch
            if c.operation in ("create_user", "set_password")
            or (c.operation == "update_user" and (c.after or {}).get("login"))
        ]
        supplied = {i: self.passwords[i] for i in needed if i in self.passwords}
        random_ids = [i for i in needed if i not in supplied]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            hashes = dict(zip(random_ids, pool.map(_placeholder_hash, random_ids), strict=True))
            hashes |= dict(
                zip(
                    supplied,
                    pool.map(lambda s: _hash_password(s, PASSWORD_ROUNDS), supplied.values()),
                    strict=True,
                )
            )
        return hashes

    def _links_before(self, batch: Sequence[Change]) -> list[dict[str, Any]]:
        """Links are recorded before the Open WebUI write, so a crash between the two
        leaves a link to a row that does not exist yet, which the next run creates."""
        rows = []
        for c in batch:
            if c.operation in ("create_user", "link_user", "create_group"):
                rows.append(
                    {
                        "entity_type": c.entity_type,
                        "litellm_id": c.entity_id,
                        "openwebui_id": c.openwebui_id,
                        "created_by_bridge": c.created_by_bridge,
                        "password_placeholder": c.operation == "create_user"
                        and c.entity_id not in self.passwords,
                        "linked_by": "bridge" if c.created_by_bridge else "auto",
                    }
                )
        return rows

    def _record(self, outcomes: Sequence[Outcome]) -> None:
        updates: list[tuple[str, dict[str, Any]]] = []
        for o in outcomes:
            if o.result != "SUCCESS":
                continue
            key = {"entity_type": o.change.entity_type, "litellm_id": o.change.entity_id}
            op = o.change.operation
            if o.change.entity_type == "model":
                if op in ("delete_model", "unlink"):
                    updates.append(("delete_model_row", {"openwebui_id": o.change.openwebui_id}))
            elif op in ("delete_user", "delete_group", "unlink"):
                updates.append(("delete_link", key))
            elif op == "deactivate_user":
                updates.append(("mark_deactivated", key))
            elif op == "update_user" and (o.change.after or {}).get("active") is True:
                updates.append(("mark_active", key))
            elif op == "set_password":
                updates.append(("mark_password_set", key))
        bridge_db.run_link_updates(self.litellm, updates)
        bridge_db.write_audit(
            self.litellm,
            (
                AuditRow(
                    self.run_id,
                    o.change.operation,
                    o.change.entity_type,
                    o.change.entity_id,
                    o.result,
                    o.change.before,
                    o.change.after,
                    o.error,
                    round(o.duration_ms, 3),
                )
                for o in outcomes
            ),
        )


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


def _granted(
    settings: Settings,
    snapshot: reads.Snapshot,
    desired: DesiredState,
    the_plan: Plan,
    models: ModelSource | None,
) -> dict[str, frozenset[str]]:
    """{Open WebUI user id: models LiteLLM grants} for every account of a user read; users
    being deactivated or removed are granted nothing."""
    assert snapshot.models is not None
    access, catalog = snapshot.access, snapshot.models.catalog
    router = models.current_router() if models is not None else None
    forget_answers()  # the router's models may have changed since the last run
    now = datetime.now(UTC)
    granted: dict[str, frozenset[str]] = {}
    for litellm_id, openwebui_id in the_plan.user_openwebui_ids.items():
        names: frozenset[str] = frozenset()
        if access is not None and litellm_id in desired.users and litellm_id in access.users:
            decisions = access.granted(
                litellm_id, catalog, now=now, source=settings.access_source, router=router
            )
            names = frozenset(m for m, d in decisions.items() if d.allowed)
        granted[openwebui_id] = names
    return granted


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
) -> SyncResult:
    """Make Open WebUI match LiteLLM for ``scope`` (everything when ``None``).

    ``passwords`` maps LiteLLM user ids to plaintext passwords to set on users this run
    creates; they are hashed in memory and never stored or logged. ``connections`` lets a
    long-running worker keep its two connections between runs; otherwise they are opened and
    closed here. ``models`` says where the served models come from (default: the config file
    named by ``BRIDGE_LITELLM_CONFIG``, when set).
    """
    if models is None and settings.litellm_config is not None:
        models = ModelSource(config=settings.litellm_config)
    if connections is not None:
        litellm, openwebui = connections.get()
        try:
            return _reconcile_on(
                settings, litellm, openwebui, scope, dry_run, trigger, passwords, models
            )
        except psycopg.OperationalError as exc:
            lost = [
                name
                for name, conn in (("LiteLLM", litellm), ("Open WebUI", openwebui))
                if conn.broken or conn.closed
            ]
            connections.discard_broken()
            if lost:
                raise DatabaseUnavailable(f"lost the {lost[0]} database: {_short(exc)}") from None
            raise
        except Exception:
            connections.discard_broken()
            raise
    litellm = connect(settings.litellm_database_url, "LiteLLM", autocommit=True)
    try:
        openwebui = connect(settings.openwebui_database_url, "Open WebUI", autocommit=True)
        try:
            return _reconcile_on(
                settings, litellm, openwebui, scope, dry_run, trigger, passwords, models
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
) -> SyncResult:
    run_id = str(uuid.uuid4())
    bridge_db.ensure_schema(litellm)
    usable = _usable(passwords or {})
    if dry_run:
        return _run(settings, litellm, openwebui, scope, run_id, True, usable, models)
    # Runs for change signals and outbox batches (many a minute on a busy proxy) are not
    # recorded in sync_run; their changes are in the audit with their run id like any other.
    recorded = trigger not in UNRECORDED_TRIGGERS
    with bridge_db.reconcile_lock(litellm, settings.lock_timeout):
        if recorded:
            bridge_db.start_run(litellm, run_id, trigger, scope.describe() if scope else "all")
        try:
            result = _run(settings, litellm, openwebui, scope, run_id, False, usable, models)
        except Exception as exc:
            if recorded and not litellm.broken:
                bridge_db.finish_run(litellm, run_id, error=_short(exc))
            raise
        if recorded:
            bridge_db.finish_run(
                litellm,
                run_id,
                openwebui_schema=result.schema,
                succeeded=result.succeeded,
                failed=result.failed,
                skipped=len(result.skips),
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
) -> SyncResult:
    schema = detect_schema(openwebui)
    prefix = settings.openwebui_model_prefix
    if scope is None:
        snapshot = reads.read_all(litellm, openwebui, schema, models)
    else:
        snapshot = reads.read_scope(litellm, openwebui, schema, scope, models)
    state, actual, links = snapshot.state, snapshot.actual, snapshot.links
    linked = {
        link.litellm_id
        for link in links
        if link.entity_type == "user" and link.openwebui_id in actual.users
    }
    desired = desired_state(state, settings.role_map, linked)
    full_plan = plan(
        desired,
        actual,
        links,
        litellm_user_ids={u.user_id for u in state.users},
        on_user_delete=settings.on_user_delete,
        link_existing=settings.link_existing,
        password_for=passwords.keys(),
        owned_group_ids=snapshot.owned_group_ids,
    )
    if snapshot.models is not None:
        full_plan = full_plan.extended(
            *plan_models(
                ModelInputs(
                    catalog=snapshot.models.catalog,
                    prefix=prefix,
                    bridge_rows=snapshot.models.bridge_rows,
                    rows=snapshot.models.rows,
                    readers=snapshot.models.readers,
                    desired=_granted(settings, snapshot, desired, full_plan, models),
                    admins=tuple(full_plan.admin_openwebui_ids),
                )
            )
        )
    the_plan = restrict(full_plan, scope) if scope else full_plan
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
    )
    if dry_run:
        return result
    applier = _Applier(
        litellm, openwebui, writer_for(schema), the_plan, run_id, passwords, actual.groups.keys()
    )
    result.outcomes = applier.apply()
    result.new_skips = _record_skips(litellm, run_id, the_plan.skips, full=scope is None)
    log.info(
        "litellm-bridge run %s: %d applied, %d failed, %d skipped",
        run_id,
        result.succeeded,
        result.failed,
        len(result.skips),
    )
    if result.access is not None and any(
        o.result == "SUCCESS" and o.change.operation in LINK_CHANGES for o in result.outcomes
    ):
        # the proxy's check matches Open WebUI ids through the links this run just made
        result.access = with_current_links(litellm, result.access)
    return result
