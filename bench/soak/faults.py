"""Faults on a schedule: each in turn, every ``every`` seconds, recorded as a window (start,
end) so that refusals inside a window are told apart from refusals outside one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg

from devtools import dbs

from .stack import Stack

GRACE_SECONDS = 15.0
"""After a fault ends, how long its effects may last (a restarted proxy's first reads, a
reconnect, the next sweep's repair) and still count as inside the window."""


@dataclass
class Windows:
    spans: list[tuple[str, float, float]] = field(default_factory=list)

    def inside(self, at: float) -> bool:
        return any(start <= at <= end + GRACE_SECONDS for _, start, end in self.spans)


class Faults:
    def __init__(self, stack: Stack, every: float) -> None:
        self.stack = stack
        self.every = every
        self.windows = Windows()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.schedule: list[tuple[str, Callable[[], None]]] = [
            ("kill -9 proxy2", lambda: self._restart("proxy2")),
            ("kill -9 worker", lambda: self._restart("worker")),
            ("terminate the bridge's connections", self._terminate_connections),
            ("restart Open WebUI's PostgreSQL", self._restart_postgres),
            ("restart Redis", self._restart_redis),
            ("kill -9 proxy1", lambda: self._restart("proxy1")),
        ]

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(300)

    def _run(self) -> None:
        n = 0
        while not self._stop.wait(self.every):
            name, fault = self.schedule[n % len(self.schedule)]
            n += 1
            began = time.monotonic()
            print(f"  soak: fault: {name}", flush=True)
            try:
                fault()
            except BaseException as exc:  # the soak reports it; a fault that fails is a finding
                print(f"  soak: fault {name} failed: {exc}", flush=True)
            self.windows.spans.append((name, began, time.monotonic()))

    def _restart(self, name: str) -> None:
        process = self.stack.processes[name]
        process.kill()
        process.start()

    def _terminate_connections(self) -> None:
        query = (
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = 'litellm-bridge' AND pid <> pg_backend_pid()"
        )
        for url in (dbs.server_url(), self.stack.postgres.url):
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(query)

    def _restart_postgres(self) -> None:
        self.stack.postgres.stop("fast")
        time.sleep(2)
        self.stack.postgres.start()

    def _restart_redis(self) -> None:
        self.stack.redis.kill()
        time.sleep(1)
        self.stack.redis.start()
