"""Apply a plan to Open WebUI: in batches, each change in a savepoint, links first, audited.

What each kind of change writes and records comes from the table in ``operations``; this
module only runs it: the bridge's links and model rows recorded before the writes, password
hashes computed by a thread pool one batch ahead (outside the transaction), one Open WebUI
transaction per batch with a savepoint per change (one failing change does not undo the
others), then the bookkeeping and the audit rows of the batch.
"""

from __future__ import annotations

import base64
import itertools
import logging
import os
import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import bcrypt
import psycopg

from litellm_bridge_plugin.domain import Change, Plan
from litellm_bridge_plugin.engine import bridge_db, observed
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
PASSWORD_ROUNDS = 12
"""Passwords people set are hashed at Open WebUI's own bcrypt cost."""
MAX_ERROR_LENGTH = 2000

log = logging.getLogger(__name__)


def _hash_password(secret: str, rounds: int) -> str:
    return bcrypt.hashpw(secret.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


_BCRYPT_ALPHABET = bytes.maketrans(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
)


def _bcrypt_b64(raw: bytes) -> str:
    return base64.b64encode(raw).rstrip(b"=").translate(_BCRYPT_ALPHABET).decode("ascii")


def placeholder_hash() -> str:
    """The password of an account nobody has set one for: a bcrypt hash (cost 4, as every
    bcrypt checker reads it) whose salt and digest are random bytes from the system's secure
    source. No password matches it: finding one means inverting bcrypt to a random 184-bit
    digest. Unlike hashing a random secret, there is no secret that ever existed, and it
    costs microseconds instead of a millisecond of CPU per account (about a third of a full
    reconcile of 10,000 people, measured). Each account's is different."""
    salt, digest = secrets.token_bytes(16), secrets.token_bytes(23)
    return f"$2b$04${_bcrypt_b64(salt)}{_bcrypt_b64(digest)}"


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
        batches = [changes[start : start + size] for start in range(0, len(changes), size)]
        # bcrypt releases the GIL: the next batch's password hashes are computed by the pool
        # while this batch is written, so hashing is off the write path (one batch ahead,
        # which bounds what is held)
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            ahead = [self._hash_ahead(pool, b) for b in batches[:1]]
            for index, batch in enumerate(batches):
                if index + 1 < len(batches):
                    ahead.append(self._hash_ahead(pool, batches[index + 1]))
                self.target.hashes = {i: f.result() for i, f in ahead.pop(0).items()}
                done = self._apply_batch(batch)
                outcomes.extend(done)
                self._record(done)
                observed.advance(len(done))
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
                for creates, run in itertools.groupby(
                    batch, key=lambda c: c.operation == "create_user"
                ):
                    changes = list(run)
                    done = self._create_together(cur, changes) if creates else None
                    outcomes.extend(done or (self._apply_one(cur, c) for c in changes))
        except psycopg.Error as exc:
            if self.openwebui.broken or self.openwebui.closed:
                raise DatabaseUnavailable(
                    f"lost the Open WebUI database while applying changes: {short(exc)}"
                ) from None
            raise
        return outcomes

    def _create_together(
        self, cur: psycopg.Cursor[Any], changes: Sequence[Change]
    ) -> list[Outcome] | None:
        """New accounts next to each other in the plan, written by two multi-row statements in
        one savepoint; None when that fails (then each is written on its own, so only the
        failing one fails)."""
        if len(changes) < 2:
            return None
        started = time.perf_counter()
        users = [
            (
                c.openwebui_id,
                (c.after or {})["email"],
                (c.after or {})["name"],
                (c.after or {})["role"],
                self.target.hashes[c.entity_id],
            )
            for c in changes
        ]
        try:
            with self.openwebui.transaction():
                self.target.writer.create_users(cur, users)
        except DatabaseLocked:
            raise  # the whole batch is tried again
        except psycopg.Error:
            if self.openwebui.broken or self.openwebui.closed:
                raise
            return None
        each = (time.perf_counter() - started) * 1000 / len(changes)
        return [Outcome(c, "SUCCESS", None, each) for c in changes]

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

    def _hash_ahead(
        self, pool: ThreadPoolExecutor, batch: Sequence[Change]
    ) -> dict[str, Future[str]]:
        """Start hashing the passwords ``batch`` needs: the password supplied for the user at
        Open WebUI's cost, else a placeholder (:func:`placeholder_hash`, made at once)."""
        needed = [c.entity_id for c in batch if OPERATIONS[c.operation].password(c)]
        hashes: dict[str, Future[str]] = {}
        for i in needed:
            if i in self.passwords:
                hashes[i] = pool.submit(_hash_password, self.passwords[i], PASSWORD_ROUNDS)
            else:
                hashes[i] = Future()
                hashes[i].set_result(placeholder_hash())
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
