"""The bridge's background work: sweeps, outbox consumption and in-process change signals.

One worker thread does every reconcile (so they never overlap inside a process); a second
thread only LISTENs and wakes it. Runs inside the proxy (started by the plugin) and alone as
``litellm-bridge worker``. Failures are logged and retried, never raised to a caller: LiteLLM
never waits for, or fails because of, Open WebUI.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import psycopg

from litellm_bridge_plugin import metrics
from litellm_bridge_plugin.capture import outbox
from litellm_bridge_plugin.connections import KeptConnections, connect
from litellm_bridge_plugin.domain import EVERYTHING, Ref, Scope
from litellm_bridge_plugin.engine import broadcast
from litellm_bridge_plugin.engine.results import SyncResult, failed_entities
from litellm_bridge_plugin.engine.sync import detect_schema, reconcile
from litellm_bridge_plugin.errors import BridgeError, ReconcileBusy
from litellm_bridge_plugin.litellm import service_key
from litellm_bridge_plugin.litellm.access_reads import (
    AccessState,
    SpendFigures,
    read_access,
    read_spend,
)
from litellm_bridge_plugin.litellm.catalog import ModelSource
from litellm_bridge_plugin.settings import Settings

log = logging.getLogger("litellm_bridge")

FIRST_RETRY_SECONDS = 5.0
"""A signal naming no entity in particular: reconcile everything."""


def scope_users(result: SyncResult) -> frozenset[str]:
    """The users a scoped run read grants for (all it read: the scope and its neighbours)."""
    assert result.access is not None
    return frozenset(result.access.users) | (
        result.scope.users if result.scope is not None else frozenset()
    )


class BridgeWorker:
    """Owns the worker and listener threads; :meth:`start` and :meth:`stop` are idempotent."""

    def __init__(
        self,
        settings: Settings,
        *,
        sweeps: bool = True,
        models: ModelSource | None = None,
        on_access: Callable[[AccessState, frozenset[str] | None], None] | None = None,
        on_service_key: Callable[[service_key.ServiceKeyRead], None] | None = None,
        on_spend: Callable[[SpendFigures], None] | None = None,
        master_key: Callable[[], str | None] | None = None,
    ) -> None:
        self.settings = settings
        self.sweeps = sweeps
        self.models = models
        self.on_access = on_access
        self.on_service_key = on_service_key
        self.on_spend = on_spend
        self._master_key = master_key or (
            lambda: service_key.proxy_master_key(settings.litellm_config)
        )
        self._service_key_line: str | None = None
        self._service_key_lock = threading.Lock()
        """One read of the service key at a time (worker and freshness threads), so the check
        is handed reads in the order they were made."""
        self._captured = threading.Event()
        """A capture trigger fired: LiteLLM's tables changed behind the proxy's back."""
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._fresh_wake = threading.Event()
        self._to_announce: set[str] | None = set()
        """Users whose access changed here, to announce to every process (None: everyone)."""
        self._to_reload: set[str] | None = set()
        """Users whose access another process (or this one) announced (None: everyone)."""
        self._announcing = False
        self._reloading = False
        self._lock = threading.Lock()
        self._refs: set[Ref] = set()
        self._submitted_at: dict[Ref, float] = {}
        """When each waiting entity was first submitted (for the change latency)."""
        self._passwords: dict[str, str] = {}
        self._threads: list[threading.Thread] = []
        self._announced = False
        self._next_sweep = 0.0
        self._sweep_delay = FIRST_RETRY_SECONDS
        self._connections = KeptConnections(
            settings.litellm_database_url, settings.openwebui_database_url
        )
        self.last_result: SyncResult | None = None
        self.last_error: str | None = None
        self._outbox_conn: psycopg.Connection[Any] | None = None
        """The outbox consumer's own LiteLLM connection (see :meth:`_drain_outbox`)."""
        self._access_fingerprint: str | None = None
        """The fingerprint of the full state this process's check last read (fingerprint.py)."""

    # --- control -------------------------------------------------------------------------
    def start(self) -> None:
        if any(t.is_alive() for t in self._threads):
            return
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self._loop, name="litellm-bridge-worker", daemon=True),
            threading.Thread(target=self._listen, name="litellm-bridge-listen", daemon=True),
        ]
        if self.on_spend is not None:
            self._threads.append(
                threading.Thread(target=self._fresh, name="litellm-bridge-fresh", daemon=True)
            )
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self._fresh_wake.set()
        for thread in self._threads:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("litellm-bridge: %s still busy after %.0fs", thread.name, timeout)
        self._threads = []

    def wait(self) -> None:
        """Block until :meth:`stop` (for the standalone worker)."""
        while not self._stop.wait(0.5):
            pass

    def submit(self, refs: Iterable[Ref], passwords: Mapping[str, str] | None = None) -> None:
        """Queue entities a management call changed (and passwords it set) and wake up.

        Cheap and non-blocking: called on the proxy's request path after the response.
        """
        refs = set(refs)
        now = time.monotonic()
        with self._lock:
            self._refs.update(refs)
            for ref in refs:
                self._submitted_at.setdefault(ref, now)
            if passwords:
                self._passwords.update(passwords)
            if self.on_spend is not None:  # a proxy process: tell every process at once
                self._to_announce = _add(
                    self._to_announce,
                    None if EVERYTHING in refs else {i for t, i in refs if t == "user"},
                )
                self._announcing = True
        self._wake.set()
        self._fresh_wake.set()

    # --- the worker thread -----------------------------------------------------------------
    def _announce(self) -> None:
        conn = connect(self.settings.openwebui_database_url, "Open WebUI", autocommit=True)
        try:
            schema = detect_schema(conn)
        finally:
            conn.close()
        log.info("litellm-bridge: started; %s; %s", self.settings.describe(), schema.describe())

    def _check_service_key(self, conn: psycopg.Connection[Any]) -> None:
        """Read which keys are Open WebUI's service key; hand them to the proxy's check and
        log how the key is recognised at start and whenever that changes (loudly when
        something is wrong). Runs after every read of grants and every change to keys."""
        with self._service_key_lock:
            try:
                found = service_key.read(conn, self.settings, self._master_key())
            except psycopg.Error as exc:
                log.warning("litellm-bridge: cannot read the service key's rows: %s", exc)
                return
            level, line = service_key.startup_line_of(found.report)
            if line != self._service_key_line:
                log.log(level, "litellm-bridge: %s", line)
                self._service_key_line = line
            if self.on_service_key is not None:
                self.on_service_key(found)

    def _recheck_service_key(self) -> None:
        """:meth:`_check_service_key` on its own, for a change no reconcile has read: one whose
        reconcile failed, or a key changed by SQL that names no user or team (the operator's
        key for Open WebUI enqueues nothing, but its trigger wakes the worker)."""
        try:
            self._check_service_key(self._connections.litellm())
        except BridgeError as exc:
            log.warning("litellm-bridge: cannot read the service key's rows: %s", exc)

    def _refresh_access(self, fingerprint: str | None = None) -> None:
        """Read grants and budgets from LiteLLM alone and hand them to the proxy's check: the
        check must not wait for Open WebUI, whose database may be down or mid-upgrade while a
        reconcile cannot run. ``fingerprint``: that of the state as of just before."""
        if self.on_access is None:
            return
        try:
            conn = self._connections.litellm()
            with metrics.timed(metrics.ACCESS_REFRESH_SECONDS):
                access = read_access(conn)
            self.on_access(access, None)
            self._access_fingerprint = fingerprint
            self._check_service_key(conn)
        except (BridgeError, psycopg.Error) as exc:
            self._connections.discard_broken()
            log.error("litellm-bridge: cannot read LiteLLM's grants: %s", exc)

    def _guarded(
        self,
        what: str,
        scope: Scope | None = None,
        passwords: Mapping[str, str] | None = None,
        *,
        wait: bool = True,
    ) -> SyncResult | None:
        try:
            if not self._announced:
                self._announce()
                self._announced = True
            result = reconcile(
                self.settings,
                scope,
                trigger=what,
                passwords=passwords,
                connections=self._connections,
                models=self.models,
                wait=wait,
            )
            self._publish(result)
        except ReconcileBusy:
            raise
        except BridgeError as exc:
            self.last_error = str(exc)
            log.error("litellm-bridge: %s", exc)
            return None
        except Exception:
            self.last_error = "unexpected error (see the traceback above)"
            log.exception("litellm-bridge: unexpected error during %s reconcile", what)
            return None
        self.last_error = None
        self.last_result = result
        if result.failed:
            log.error(
                "litellm-bridge: %d change(s) failed; see `litellm-bridge audit --failed`",
                result.failed,
            )
        return result

    def _take_submitted(self) -> tuple[set[Ref], dict[str, str]]:
        with self._lock:
            refs, passwords = self._refs, self._passwords
            self._refs, self._passwords = set(), {}
        return refs, passwords

    def _run_submitted(self) -> None:
        refs, passwords = self._take_submitted()
        if not refs and not passwords:
            return
        if EVERYTHING in refs:
            scope = None
        else:
            scope = Scope(
                users=frozenset(i for t, i in refs if t == "user") | frozenset(passwords),
                teams=frozenset(i for t, i in refs if t == "team"),
                organizations=frozenset(i for t, i in refs if t == "organization"),
            )
        if self._guarded("signal", scope, passwords) is not None:
            self._observe_latency(refs)
        else:
            # keep the entities for the next try; a password is not kept: it would have to
            # live in memory indefinitely, and the account still converges without it
            with self._lock:
                self._refs.update(refs)
            self._recheck_service_key()  # a key made or deleted counts at once all the same

    def _observe_latency(self, refs: set[Ref]) -> None:
        """From each management call's answer to its change applied (the tap's changes)."""
        now = time.monotonic()
        with self._lock:
            taken = [self._submitted_at.pop(ref, now) for ref in refs if ref not in self._refs]
        for at in taken:
            metrics.CHANGE_LATENCY.labels("api").observe(now - at)

    def _drain_outbox(self) -> None:
        # its own connection (the claim's transaction stays open while the reconcile runs on
        # the kept ones), kept between drains: a connection per wake-up cost each change
        # several milliseconds
        conn = self._outbox_conn
        if conn is None or conn.closed or conn.broken:
            try:
                conn = self._outbox_conn = connect(
                    self.settings.litellm_database_url, "LiteLLM", autocommit=True
                )
            except BridgeError as exc:  # said by the reconciles that cannot run either
                self.last_error = str(exc)
                return
        try:
            if not outbox.outbox_present(conn):
                return
            while not self._stop.is_set():
                drained = outbox.drain_once(self.settings, conn, self._reconcile_outbox)
                if drained.claimed == 0 or drained.failed == drained.claimed:
                    return
        except (BridgeError, psycopg.Error) as exc:
            self.last_error = str(exc)
            log.error("litellm-bridge: outbox: %s", exc)
            self._close_outbox_conn()

    def _close_outbox_conn(self) -> None:
        if self._outbox_conn is not None:
            self._outbox_conn.close()
            self._outbox_conn = None

    def _reconcile_outbox(self, settings: Settings, scope: Scope) -> set[tuple[str, str]]:
        result = reconcile(
            settings, scope, trigger="outbox", connections=self._connections, models=self.models
        )
        self._publish(result)
        return failed_entities(result)

    def _publish(self, result: SyncResult) -> None:
        """Hand the grants this run read to the proxy's checks."""
        if self.on_access is None:
            return
        if result.unchanged:
            # nothing changed since the last full read; this process's check still reads it
            # once (it has just started, or its last full read was of an older state)
            if result.fingerprint != self._access_fingerprint:
                self._refresh_access(result.fingerprint)
            else:
                self._check_service_key(self._connections.litellm())
        elif result.access is not None:
            scope = result.scope
            users = None if scope is None else scope_users(result)
            self.on_access(result.access, users)
            if scope is None:
                self._access_fingerprint = result.fingerprint
            conn = self._connections.litellm()
            self._check_service_key(conn)

    def _sweep_if_due(self) -> None:
        if not self.sweeps or time.monotonic() < self._next_sweep:
            return
        trigger = "sweep" if self._announced else "startup"
        try:
            # replicas starting (or sweeping) together: one reconciles, the others skip
            result = self._guarded(trigger, wait=False)
        except ReconcileBusy:
            log.info(
                "litellm-bridge: another litellm-bridge process is reconciling; this one skips "
                "its %s reconcile (next in %.0fs) and reads LiteLLM's grants for its checks",
                trigger,
                self.settings.sweep_interval,
            )
            self._refresh_access()
            self._next_sweep = time.monotonic() + self.settings.sweep_interval
            return
        if result is None:
            self._refresh_access()
            wait = min(self._sweep_delay, self.settings.sweep_interval)
            log.warning("litellm-bridge: will retry in %.0fs", wait)
            self._sweep_delay = min(self._sweep_delay * 2, self.settings.sweep_interval)
        elif not result.models_known and self.models is not None and self.models.router:
            # the proxy builds its router after loading callbacks: models at the next round
            wait = min(1.0, self.settings.sweep_interval)
        else:
            wait = self.settings.sweep_interval
            self._sweep_delay = FIRST_RETRY_SECONDS
        self._next_sweep = time.monotonic() + wait

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            self._sweep_if_due()
            self._run_submitted()
            self._drain_outbox()
            if self._captured.is_set():
                self._captured.clear()
                self._recheck_service_key()
            timeout = self.settings.poll_interval
            if self.sweeps:
                timeout = max(0.0, min(timeout, self._next_sweep - time.monotonic()))
            self._wake.wait(timeout)
        self._connections.close()
        self._close_outbox_conn()

    # --- the freshness thread ----------------------------------------------------------------
    def _take(self) -> tuple[set[str] | None, bool, set[str] | None, bool]:
        with self._lock:
            taken = (self._to_announce, self._announcing, self._to_reload, self._reloading)
            self._to_announce, self._to_reload = set(), set()
            self._announcing = self._reloading = False
        return taken

    def _fresh(self) -> None:
        """Keep the proxy's check fresh, on a connection of its own so a long reconcile never
        delays it: announce access changes this process learnt of, re-read the grants other
        processes announce, and read spend figures every BRIDGE_SPEND_INTERVAL seconds (LiteLLM
        records spend without a signal)."""
        assert self.on_spend is not None and self.on_access is not None
        conn: psycopg.Connection[Any] | None = None
        next_spend = time.monotonic() + self.settings.spend_interval
        while not self._stop.is_set():
            self._fresh_wake.wait(max(0.0, next_spend - time.monotonic()))
            self._fresh_wake.clear()
            if self._stop.is_set():
                break
            announce, announcing, reload, reloading = self._take()
            try:
                if conn is None or conn.closed or conn.broken:
                    conn = connect(self.settings.litellm_database_url, "LiteLLM", autocommit=True)
                if announcing:
                    broadcast.announce(conn, announce)
                if reloading:
                    users = None if reload is None else frozenset(reload)
                    with metrics.timed(metrics.ACCESS_REFRESH_SECONDS):
                        access = read_access(conn, users)
                    self.on_access(access, users)
                    self._check_service_key(conn)  # the change may have been to a key
                if time.monotonic() >= next_spend:
                    with metrics.timed(metrics.SPEND_READ_SECONDS):
                        figures = read_spend(conn)
                    self.on_spend(figures)
                    next_spend = time.monotonic() + self.settings.spend_interval
            except (BridgeError, psycopg.Error) as exc:
                log.warning("litellm-bridge: cannot keep the proxy's grants fresh: %s", exc)
                with self._lock:  # try those again
                    if announcing:
                        self._to_announce = _add(self._to_announce, announce)
                        self._announcing = True
                    if reloading:
                        self._to_reload = _add(self._to_reload, reload)
                        self._reloading = True
                if conn is not None:
                    conn.close()
                conn = None
                self._stop.wait(FIRST_RETRY_SECONDS)
                next_spend = time.monotonic()
        if conn is not None:
            conn.close()

    def _heard(self, text: str) -> None:
        """Another process (or this one) announced an access change."""
        if self.on_access is None or self.on_spend is None:
            return
        with self._lock:
            self._to_reload = _add(self._to_reload, broadcast.parse(text))
            self._reloading = True
        self._fresh_wake.set()

    # --- the listener thread ---------------------------------------------------------------
    def _listen(self) -> None:
        delay = FIRST_RETRY_SECONDS
        while not self._stop.is_set():
            try:
                with outbox.listening(self.settings) as conn:
                    delay = FIRST_RETRY_SECONDS
                    broadcast.listen(conn)
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=1.0, stop_after=1):
                            if note.channel == broadcast.CHANNEL:
                                self._heard(note.payload)
                            else:
                                self._captured.set()
                                self._wake.set()
            except (BridgeError, psycopg.Error) as exc:
                log.warning(
                    "litellm-bridge: change notifications unavailable (%s); polling every %.0fs",
                    exc,
                    self.settings.poll_interval,
                )
                self._stop.wait(delay)
                delay = min(delay * 2, self.settings.sweep_interval)


def _add(pending: set[str] | None, more: set[str] | frozenset[str] | None) -> set[str] | None:
    """Pending users plus ``more`` (None, everyone, absorbs all)."""
    if pending is None or more is None:
        return None
    return pending | set(more)
