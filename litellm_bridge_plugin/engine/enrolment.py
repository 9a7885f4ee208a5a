"""Open WebUI first (``BRIDGE_ENROL``): find the Open WebUI accounts to enrol, and record an
enrolment once LiteLLM's own code has made the user (proxy/enrolment.py makes it).

Each look reads only the accounts made, changed or used since the previous look (a process's
first look: since the mark saved in the bridge's schema, when every account changed before it
had been handed out or held; every account once, on a new installation), plus the
``pending`` ones (Open WebUI approves an account without touching its timestamps) and the next
:data:`BATCH` of the backlog. Decisions are plan/enrolment.py's. A burst larger than a batch
waits in the backlog (account ids, oldest first), each re-read and decided again just before it
is enrolled: the cost of a look is the changes since the last one plus one batch, never every
account again. A held account is audited once per reason; an enrolment is audited with the
LiteLLM user it made. Two kept connections serve every look and record.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg

from litellm_bridge_plugin.connections import KeptConnections, connect
from litellm_bridge_plugin.domain import OpenWebUIUser
from litellm_bridge_plugin.engine import bridge_db
from litellm_bridge_plugin.engine.bridge_db import AuditRow
from litellm_bridge_plugin.engine.sync import detect_schema
from litellm_bridge_plugin.openwebui import state as openwebui_state
from litellm_bridge_plugin.plan.enrolment import (
    ENROLLED_FROM,
    HELD_LINKED,
    HELD_TAKEN,
    Rules,
    email_of,
    hold_reason,
)
from litellm_bridge_plugin.queries import fetch, query
from litellm_bridge_plugin.settings import Settings

log = logging.getLogger("litellm_bridge")

OVERLAP_SECONDS = 2
"""Each look reaches back this far before the previous one (Open WebUI's timestamps are whole
seconds, and a row can be committed a moment after its timestamp)."""
RETRY_MAX_SECONDS = 300.0
"""Longest wait before an enrolment LiteLLM refused is tried again (doubling from 1 s)."""
PENDING_LIMIT = 10_000
"""Pending accounts re-read on every look, at most (the newest are kept)."""
BATCH = 20
"""Enrolments a look hands out at most (the rest wait in the backlog, in order)."""


@dataclass(frozen=True, slots=True)
class Candidate:
    account: OpenWebUIUser
    email: str
    finish: str | None = None
    """A LiteLLM user enrolment made from this account before its link was written."""


@dataclass
class Look:
    """What one look found: accounts to enrol, and how many were held."""

    enrol: list[Candidate] = field(default_factory=list)
    held: dict[str, str] = field(default_factory=dict)
    """Open WebUI id -> why it is held."""
    waiting: set[str] = field(default_factory=set)
    """To enrol, but LiteLLM refused them lately: tried again after their wait."""


class Enrolment:
    """The thread-side half of enrolment: looks, decisions and records. Its methods take
    turns on the kept connections (the proxy records several enrolments at once)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.rules = Rules(settings.enrol, settings.enrol_domains)
        self.since: int | None = None
        self.pending: dict[str, int] = {}
        self.backlog: dict[str, None] = {}
        """Account ids to enrol, oldest first (an ordered set)."""
        self._done_until: int | None = None
        """The mark to save at the next look: when this look started, if it left nothing
        due in the backlog (refused ones waiting aside)."""
        self.connections = KeptConnections(
            settings.litellm_database_url, settings.openwebui_database_url
        )
        self._locker: psycopg.Connection[Any] | None = None
        self._turn = threading.Lock()
        self.retry: dict[str, tuple[float, float]] = {}
        """Open WebUI id -> (when to try again, the wait after that) for refused ones."""

    def lock(self, wait: bool) -> bool:
        """Take enrolment's lock across processes (``wait``: up to BRIDGE_LOCK_TIMEOUT):
        whether it was taken. Held on a kept connection until :meth:`unlock`."""
        try:
            if self._locker is None or self._locker.closed:
                self._locker = connect(
                    self.settings.litellm_database_url, "the LiteLLM database", autocommit=True
                )
            if not wait:
                return bool(fetch(self._locker, "bridge.sql", "enrol_try_lock")[0]["taken"])
            self._locker.execute(f"SET lock_timeout = '{int(self.settings.lock_timeout * 1000)}ms'")
            fetch(self._locker, "bridge.sql", "enrol_lock")
            return True
        except psycopg.Error as exc:
            log.warning("litellm-bridge: enrolment could not take its lock: %s", exc)
            if self._locker is not None:
                self._locker.close()
                self._locker = None
            return False

    def close(self) -> None:
        with self._turn:
            self.connections.close()
        if self._locker is not None:
            self._locker.close()
            self._locker = None

    def unlock(self) -> None:
        if self._locker is not None and not self._locker.closed:
            try:
                fetch(self._locker, "bridge.sql", "enrol_unlock")
            except psycopg.Error:
                self._locker.close()  # closing the session lets the lock go
                self._locker = None

    def look(self) -> Look:
        """The accounts to enrol now, at most :data:`BATCH`, the backlog's oldest first (the
        held ones audited once per reason)."""
        started = int(time.time())
        queued = list(self.backlog)[:BATCH]
        with self._turn:
            try:
                litellm, owui = self.connections.get()
                if self._done_until is not None:  # the batch it handed out is done now
                    mark = {"seen_until": self._done_until}
                    litellm.execute(query("bridge.sql", "enrol_mark_save"), mark)
                    self._done_until = None
                since = self._since(litellm, owui)
                found = openwebui_state.accounts(
                    owui, detect_schema(owui), since, set(self.pending) | set(queued)
                )
                look = self._decide(litellm, found)
            except psycopg.Error:
                self.connections.discard_broken()
                raise
        self.since = started
        fresh = {c.account.id: c for c in look.enrol}
        for account_id in queued:
            if account_id not in found or account_id in look.held:
                self.backlog.pop(account_id, None)  # gone, or not to be enrolled now
        for account_id in look.held:
            self.backlog.pop(account_id, None)
        for account_id in look.waiting:  # LiteLLM refused it lately: behind the others
            self.backlog.pop(account_id, None)
            self.backlog[account_id] = None
        for account_id in fresh:
            self.backlog.setdefault(account_id, None)
        emails: set[str] = set()
        look.enrol = []
        for account_id in list(self.backlog)[:BATCH]:
            candidate = fresh.get(account_id)
            if candidate is None or candidate.email in emails:
                continue  # one account per email a batch (they are enrolled at once)
            emails.add(candidate.email)
            look.enrol.append(candidate)
            self.backlog.pop(account_id)
        now = time.monotonic()
        if all(self.retry.get(i, (0.0, 0.0))[0] > now for i in self.backlog):
            self._done_until = started  # saved once this batch is done (the next look)
        return look

    def _since(self, litellm: psycopg.Connection[Any], owui: psycopg.Connection[Any]) -> int:
        """Where this look starts reading: the previous look (less the overlap); a process's
        first look starts at the mark enrolment saved (every account changed before it was
        handed out or held) and reads the pending accounts too, or at 0 without a mark."""
        if self.since is not None:
            return self.since - OVERLAP_SECONDS
        mark = fetch(litellm, "bridge.sql", "enrol_mark")
        if not mark:
            return 0
        for account_id in openwebui_state.pending_ids(owui, PENDING_LIMIT):
            self.pending.setdefault(account_id, 0)
        return int(mark[0]["seen_until"]) - OVERLAP_SECONDS

    def account(self, openwebui_id: str) -> Candidate | str:
        """One account, decided now (a call by someone LiteLLM does not know yet): the
        candidate, or why it is held."""
        with self._turn:
            try:
                litellm, owui = self.connections.get()
                found = openwebui_state.accounts(owui, detect_schema(owui), None, {openwebui_id})
                if openwebui_id not in found:
                    return "no such Open WebUI account"
                look = self._decide(litellm, found)
            except psycopg.Error:
                self.connections.discard_broken()
                raise
        if look.enrol:
            self.backlog.pop(openwebui_id, None)
            return look.enrol[0]
        return look.held.get(openwebui_id, "held")

    @staticmethod
    def made_elsewhere(reason: str) -> bool:
        """Whether a held account's reason says a LiteLLM user exists for it already (another
        process enrolled it, or the sync linked it): its call is decided once the checks
        know that user."""
        return reason.startswith((HELD_LINKED, HELD_TAKEN))

    def _decide(self, litellm: psycopg.Connection[Any], found: dict[str, OpenWebUIUser]) -> Look:
        look = Look()
        if not found:
            return look
        emails = {e for e in (email_of(a) for a in found.values()) if e is not None}
        taken = {
            r["email"]
            for r in fetch(litellm, "litellm.sql", "emails_taken", {"emails": sorted(emails)})
        }
        linked = {
            r["openwebui_id"]
            for r in fetch(litellm, "bridge.sql", "linked_accounts", {"ids": sorted(found)})
        }
        for account in found.values():
            reason = hold_reason(account, self.rules, taken, linked)
            email = email_of(account)
            if reason is None and email is not None:
                if self.retry.get(account.id, (0.0, 0.0))[0] > time.monotonic():
                    look.waiting.add(account.id)  # LiteLLM refused it lately: later
                    continue
                look.enrol.append(Candidate(account, email))
                self.pending.pop(account.id, None)
                continue
            if email is not None and email in taken and account.id not in linked:
                finish = self._enrolled_before(litellm, account, email)
                if finish is not None:
                    look.enrol.append(Candidate(account, email, finish))
                    continue
            reason = reason or "no usable email"
            self._track_pending(account)
            look.held[account.id] = reason
        self._tell(
            litellm,
            {
                i: (found[i], r)
                for i, r in look.held.items()
                if not r.startswith((HELD_LINKED, HELD_TAKEN))  # the sync's, not news
            },
            "SKIPPED",
        )
        return look

    def _tell(
        self,
        litellm: psycopg.Connection[Any],
        held: dict[str, tuple[OpenWebUIUser, str]],
        result: str,
    ) -> set[str]:
        """Audit each account's reason unless it is the one audited last for it: the ids
        audited now."""
        if not held or self.rules.mode == "none":
            return set()
        told = {
            r["entity_id"]: r["error"]
            for r in fetch(litellm, "bridge.sql", "enrol_reasons_told", {"ids": sorted(held)})
        }
        new = {i for i, (_, reason) in held.items() if told.get(i) != reason}
        for account_id in sorted(new):
            account, reason = held[account_id]
            _account_audit(litellm, account_id, result, email_of(account), reason)
        return new

    def _enrolled_before(
        self, litellm: psycopg.Connection[Any], account: OpenWebUIUser, email: str
    ) -> str | None:
        rows = fetch(
            litellm,
            "litellm.sql",
            "enrolled_user",
            {"email": email, "key": ENROLLED_FROM, "account": account.id},
        )
        return str(rows[0]["user_id"]) if len(rows) == 1 else None

    def _track_pending(self, account: OpenWebUIUser) -> None:
        """Pending accounts are read again at every look until approved (or gone)."""
        if account.role == "pending":
            self.pending[account.id] = account.created_at or 0
            if len(self.pending) > PENDING_LIMIT:
                oldest = min(self.pending, key=lambda i: self.pending[i])
                self.pending.pop(oldest)
        else:
            self.pending.pop(account.id, None)

    def record(self, candidate: Candidate, litellm_id: str, started: float, via: str) -> None:
        """The link of a user LiteLLM made from ``candidate`` (the account is the person's
        own: linked as the bridge links accounts it finds), and the audit row (``via``: a
        look, or the person's first call)."""
        account = candidate.account
        link = {
            "entity_type": "user",
            "litellm_id": litellm_id,
            "openwebui_id": account.id,
            "created_by_bridge": False,
            "password_placeholder": False,
            "linked_by": "auto",
        }
        after = {
            "email": candidate.email,
            "openwebui_id": account.id,
            "sso": account.sso,
            "finished": candidate.finish is not None,
            "via": via,
        }
        with self._turn:
            self._record(link, litellm_id, after, started)
            self.retry.pop(account.id, None)

    def _record(
        self, link: dict[str, Any], litellm_id: str, after: dict[str, Any], started: float
    ) -> None:
        try:
            litellm = self.connections.litellm()
            with litellm.transaction():
                bridge_db.upsert_links(litellm, [link])
                bridge_db.write_audit(
                    litellm,
                    [
                        AuditRow(
                            None,
                            "enrol",
                            "user",
                            litellm_id,
                            "SUCCESS",
                            after=after,
                            duration_ms=(time.monotonic() - started) * 1000,
                        )
                    ],
                )
        except psycopg.Error:
            self.connections.discard_broken()
            raise

    def failed(self, candidate: Candidate, reason: str) -> None:
        """LiteLLM refused to make the user: audited (and logged) once per reason, tried
        again after a wait that doubles up to :data:`RETRY_MAX_SECONDS`."""
        account = candidate.account
        said = f"LiteLLM refused: {reason}"
        with self._turn:
            wait = self.retry.get(account.id, (0.0, 0.5))[1] * 2
            self.retry[account.id] = (time.monotonic() + wait, min(wait, RETRY_MAX_SECONDS))
            self.backlog.pop(account.id, None)
            self.backlog[account.id] = None  # tried again after its wait, behind the others
            try:
                litellm = self.connections.litellm()
                told = self._tell(litellm, {account.id: (account, said)}, "FAILED")
            except psycopg.Error:
                self.connections.discard_broken()
                raise
        if told:
            log.warning(
                "litellm-bridge: could not enrol Open WebUI account %s: %s",
                candidate.email,
                reason,
            )


def status(litellm: psycopg.Connection[Any], settings: Settings, limit: int = 20) -> dict[str, Any]:
    """Enrolment for `status`: the mode, how many were enrolled, and the accounts held now
    (the latest first, at most ``limit``) with the reason last audited."""
    counts = fetch(litellm, "bridge.sql", "enrol_counts")[0]
    return {
        "mode": settings.enrol,
        "domains": sorted(settings.enrol_domains),
        "key": settings.enrol_key,
        "enrolled": counts["enrolled"],
        "enrolled_24h": counts["enrolled_24h"],
        "held": fetch(litellm, "bridge.sql", "enrol_held", {"limit": limit}),
    }


def of_person(
    litellm: psycopg.Connection[Any], account_id: str | None, user_ids: list[str]
) -> str | None:
    """What enrolment last did about one person, in words (None: nothing)."""
    rows = fetch(
        litellm, "bridge.sql", "enrol_of_person", {"account": account_id, "users": user_ids}
    )
    if not rows:
        return None
    row = rows[0]
    when = f"{row['at']:%Y-%m-%d %H:%M:%S %Z}"
    if row["result"] == "SUCCESS":
        via = (row["after"] or {}).get("via", "look")
        at = "their first call" if via == "call" else "a look"
        return f"enrolled from Open WebUI on {when} (at {at})"
    return f"{'held' if row['result'] == 'SKIPPED' else 'refused'} on {when}: {row['reason']}"


def _account_audit(
    litellm: psycopg.Connection[Any], account_id: str, result: str, email: str | None, why: str
) -> None:
    """An audit row about an Open WebUI account enrolment held (SKIPPED) or could not make
    (FAILED), with the reason."""
    row = AuditRow(
        None, "enrol", "openwebui_account", account_id, result, after={"email": email}, error=why
    )
    bridge_db.write_audit(litellm, [row])
