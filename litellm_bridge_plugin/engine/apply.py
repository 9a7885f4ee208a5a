"""Apply a plan to Open WebUI: in batches, each change in a savepoint, links first, audited.

What each kind of change writes and records comes from the table in ``operations``; this
module only runs it: the bridge's links and model rows recorded before the writes, password
hashes computed outside the transaction, one Open WebUI transaction per batch with a
savepoint per change (one failing change does not undo the others), then the bookkeeping and
the audit rows of the batch.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import bcrypt
import psycopg

from litellm_bridge_plugin.domain import Change, Plan
from litellm_bridge_plugin.engine import bridge_db
from litellm_bridge_plugin.engine.bridge_db import AuditRow
from litellm_bridge_plugin.engine.operations import OPERATIONS, Target
from litellm_bridge_plugin.engine.results import Outcome
from litellm_bridge_plugin.errors import DatabaseUnavailable
from litellm_bridge_plugin.openwebui.models import ModelWriter
from litellm_bridge_plugin.openwebui.writer import OpenWebUIWriter
from litellm_bridge_plugin.queries import dialect_of
from litellm_bridge_plugin.sqlite import DatabaseLocked

BATCH_SIZE = 500
SQLITE_BATCH_SIZE = 50
"""SQLite has one writer lock for the whole file: a batch of 500 group creations holds it for
about half a second (bench.reconcile), so on SQLite a transaction takes 50 changes and Open
WebUI's own writes wait for tens of milliseconds at most."""
LOCKED_ATTEMPTS = 3
LOCKED_PAUSE = 1.0
"""A batch that finds Open WebUI's SQLite file locked past the busy timeout (another writer
holding it for seconds) is tried again after 1 s, then 2 s; after the third try the run stops
(nothing of the batch written, nothing recorded as FAILED) and the next run retries."""
# A random 256-bit secret cannot be guessed whatever the work factor, so placeholder
# passwords use bcrypt's cheapest cost; passwords people type use Open WebUI's cost, 12.
PLACEHOLDER_ROUNDS = 4
PASSWORD_ROUNDS = 12
MAX_ERROR_LENGTH = 2000

log = logging.getLogger(__name__)


def _hash_password(secret: str, rounds: int) -> str:
    return bcrypt.hashpw(secret.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def _placeholder_hash(_: object = None) -> str:
    return _hash_password(secrets.token_hex(32), PLACEHOLDER_ROUNDS)


def short(exc: BaseException) -> str:
    """An error as the audit and the run record keep it."""
    text = str(exc).strip() or type(exc).__name__
    return text[:MAX_ERROR_LENGTH]


class Applier:
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
        self.plan = the_plan
        self.run_id = run_id
        self.passwords = passwords
        self.target = Target(
            writer=writer,
            models=ModelWriter(writer.schema),
            bridge_group_ids=frozenset(the_plan.bridge_group_ids),
            all_group_ids=set(all_group_ids),
        )

    def apply(self) -> list[Outcome]:
        outcomes: list[Outcome] = []
        changes = self.plan.changes
        size = SQLITE_BATCH_SIZE if dialect_of(self.openwebui) == "sqlite" else BATCH_SIZE
        for start in range(0, len(changes), size):
            batch = changes[start : start + size]
            done = self._apply_batch(batch)
            outcomes.extend(done)
            self._record(done)
        return outcomes

    def _apply_batch(self, batch: Sequence[Change]) -> list[Outcome]:
        bridge_db.upsert_links(self.litellm, self._links_before(batch))
        bridge_db.upsert_model_rows(
            self.litellm,
            {
                c.openwebui_id: c.entity_id
                for c in batch
                if OPERATIONS[c.operation].model_row_before
            },
        )
        self.target.hashes = self._password_hashes(batch)
        for attempt in range(1, LOCKED_ATTEMPTS + 1):
            failed_before = set(self.target.failed_users)
            try:
                return self._write_batch(batch)
            except DatabaseLocked as exc:
                self.target.failed_users = failed_before  # nothing of the batch was written
                if attempt == LOCKED_ATTEMPTS:
                    raise DatabaseUnavailable(
                        f"Open WebUI's database file stayed locked by another writer through "
                        f"{LOCKED_ATTEMPTS} tries ({short(exc)}); nothing of this batch was "
                        "written and the next run tries again"
                    ) from None
                log.warning(
                    "litellm-bridge: Open WebUI's database is locked by another writer (%s); "
                    "trying the batch of %d change(s) again (%d of %d)",
                    short(exc),
                    len(batch),
                    attempt + 1,
                    LOCKED_ATTEMPTS,
                )
                time.sleep(LOCKED_PAUSE * attempt)
        raise AssertionError("unreachable")

    def _write_batch(self, batch: Sequence[Change]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        try:
            with self.openwebui.transaction(), self.openwebui.cursor() as cur:
                for change in batch:
                    outcomes.append(self._apply_one(cur, change))
        except psycopg.Error as exc:
            if self.openwebui.broken or self.openwebui.closed:
                raise DatabaseUnavailable(
                    f"lost the Open WebUI database while applying changes: {short(exc)}"
                ) from None
            raise
        return outcomes

    def _apply_one(self, cur: psycopg.Cursor[Any], change: Change) -> Outcome:
        started = time.perf_counter()
        write = OPERATIONS[change.operation].write
        try:
            if write is not None:
                with self.openwebui.transaction():
                    write(self.target, cur, change)
        except psycopg.Error as exc:
            if self.openwebui.broken or self.openwebui.closed or isinstance(exc, DatabaseLocked):
                raise
            if change.operation == "create_user":
                self.target.failed_users.add(change.openwebui_id)
            return Outcome(change, "FAILED", short(exc), (time.perf_counter() - started) * 1000)
        return Outcome(change, "SUCCESS", None, (time.perf_counter() - started) * 1000)

    def _password_hashes(self, batch: Sequence[Change]) -> dict[str, str]:
        needed = [c.entity_id for c in batch if OPERATIONS[c.operation].password(c)]
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
        return [
            {
                "entity_type": c.entity_type,
                "litellm_id": c.entity_id,
                "openwebui_id": c.openwebui_id,
                "created_by_bridge": c.created_by_bridge,
                "password_placeholder": c.operation == "create_user"
                and c.entity_id not in self.passwords,
                "linked_by": "bridge" if c.created_by_bridge else "auto",
            }
            for c in batch
            if OPERATIONS[c.operation].link_before
        ]

    def _record(self, outcomes: Sequence[Outcome]) -> None:
        updates = [
            found
            for o in outcomes
            if o.result == "SUCCESS"
            and (found := OPERATIONS[o.change.operation].after(o.change)) is not None
        ]
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
