"""Background sweeps inside the proxy: reconcile at start, then every BRIDGE_SWEEP_INTERVAL.

Runs in its own thread with blocking psycopg, so the proxy's event loop never waits on a
database. A failure (an unreachable Open WebUI database, say) is logged and retried with
backoff; it never reaches a LiteLLM request.
"""

from __future__ import annotations

import logging
import threading

from .db import connect
from .errors import BridgeError
from .settings import Settings
from .sync import SyncResult, detect_schema, reconcile

log = logging.getLogger("litellm_bridge")

FIRST_RETRY_SECONDS = 5.0


class SweepRunner:
    """Owns the sweep thread; :meth:`start` and :meth:`stop` are idempotent."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_result: SyncResult | None = None
        self.last_error: str | None = None
        self.runs = 0
        self._announced = False

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._loop, name="litellm-bridge-sweep", daemon=True
            )
            self._thread.start()

    def wake(self) -> None:
        """Run a sweep now instead of waiting for the interval."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("litellm-bridge: sweep still running after %.0fs; leaving it", timeout)
            self._thread = None

    def _announce(self) -> None:
        """One start-up line: the settings (credentials masked) and Open WebUI's schema."""
        conn = connect(self.settings.openwebui_database_url, "Open WebUI", autocommit=True)
        try:
            schema = detect_schema(conn)
        finally:
            conn.close()
        log.info("litellm-bridge: started; %s; %s", self.settings.describe(), schema.describe())

    def run_once(self, trigger: str) -> SyncResult | None:
        """One reconcile; errors are logged and kept in :attr:`last_error`, never raised."""
        try:
            if not self._announced:
                self._announce()
                self._announced = True
            result = reconcile(self.settings, trigger=trigger)
        except BridgeError as exc:
            self.last_error = str(exc)
            log.error("litellm-bridge: %s", exc)
            return None
        except Exception:
            self.last_error = "unexpected error (see the log's traceback)"
            log.exception("litellm-bridge: unexpected error during reconcile")
            return None
        self.runs += 1
        self.last_error = None
        self.last_result = result
        if result.failed:
            log.error(
                "litellm-bridge: %d change(s) failed; see `litellm-bridge audit --failed`",
                result.failed,
            )
        return result

    def _loop(self) -> None:
        delay = FIRST_RETRY_SECONDS
        trigger = "startup"
        while not self._stop.is_set():
            result = self.run_once(trigger)
            if result is None:
                wait = min(delay, self.settings.sweep_interval)
                log.warning("litellm-bridge: will retry in %.0fs", wait)
                delay = min(delay * 2, self.settings.sweep_interval)
            else:
                wait = self.settings.sweep_interval
                delay = FIRST_RETRY_SECONDS
                trigger = "sweep"
            self._wake.wait(wait)
            self._wake.clear()
