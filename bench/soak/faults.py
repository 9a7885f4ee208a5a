"""Faults on a schedule: each in turn, every ``every`` seconds, recorded as a window (start,
end, clock time) so that refusals inside a window are told apart from refusals outside one.

Proxy 1 and worker 1 are never killed: they live the whole soak, the witnesses for memory
and connections growing over time; proxy 2 and worker 2 are killed with -9 and started
again."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg

from devtools import dbs

from .periodic import Periodic
from .stack import Stack

OPENWEBUI_DB_FAULT = "restart Open WebUI's PostgreSQL"
GRACE_SECONDS = 15.0
"""After a fault ends, how long its effects may last (a restarted proxy's first reads, a
reconnect, the next sweep's repair) and still count as inside the window."""


@dataclass
class Windows:
    spans: list[tuple[str, float, float]] = field(default_factory=list)

    def inside(self, at: float, until: float | None = None) -> bool:
        """Whether ``at`` (or any time from ``at`` to ``until``) falls in a fault's window."""
        last = at if until is None else until
        return any(start <= last and at <= end + GRACE_SECONDS for _, start, end in self.spans)

    def after(self, at: float, fault: str, seconds: float) -> bool:
        """Whether ``at`` is within ``seconds`` of the end of a ``fault``."""
        return any(name == fault and end <= at <= end + seconds for name, _, end in self.spans)


class Faults(Periodic):
    def __init__(self, stack: Stack, every: float) -> None:
        super().__init__(every)
        self.stack = stack
        self.windows = Windows()
        self._done = 0
        database: tuple[str, Callable[[], None]] = (
            (OPENWEBUI_DB_FAULT, self._restart_postgres)
            if stack.postgres is not None
            else ("hold Open WebUI's SQLite file locked", self._lock_sqlite)
        )
        self.schedule: list[tuple[str, Callable[[], None]]] = [
            ("kill -9 proxy2", lambda: self._restart("proxy2")),
            ("kill -9 worker2", lambda: self._restart("worker2")),
            ("terminate the bridge's connections", self._terminate_connections),
            database,
            ("restart Redis", self._restart_redis),
        ]

    def tick(self) -> None:
        name, fault = self.schedule[self._done % len(self.schedule)]
        self._done += 1
        began = time.time()
        print(f"  soak: fault: {name}", flush=True)
        try:
            fault()
        except BaseException as exc:  # the soak reports it; a fault that fails is a finding
            print(f"  soak: fault {name} failed: {exc}", flush=True)
        self.windows.spans.append((name, began, time.time()))

    def _restart(self, name: str) -> None:
        process = self.stack.processes[name]
        process.kill()
        process.start()

    def _terminate_connections(self) -> None:
        query = (
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = 'litellm-bridge' AND pid <> pg_backend_pid()"
        )
        servers = [dbs.server_url()]
        if self.stack.postgres is not None:
            servers.append(self.stack.postgres.url)
        for url in servers:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(query)

    def _restart_postgres(self) -> None:
        assert self.stack.postgres is not None
        self.stack.postgres.stop("fast")
        time.sleep(2)
        self.stack.postgres.start()

    def _lock_sqlite(self, seconds: float = 10.0) -> None:
        """Another process holds the file's write lock, as a backup or a long write does."""
        assert self.stack.sqlite_file is not None
        with contextlib.closing(
            sqlite3.connect(self.stack.sqlite_file, timeout=30, isolation_level=None)
        ) as lite:
            lite.execute("BEGIN EXCLUSIVE")
            time.sleep(seconds)
            lite.execute("ROLLBACK")

    def _restart_redis(self) -> None:
        self.stack.redis.kill()
        time.sleep(1)
        self.stack.redis.start()
