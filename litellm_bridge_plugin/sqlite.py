"""Open WebUI's SQLite database (its default, ``DATA_DIR/webui.db``) behind the small part of
psycopg's connection API the bridge's Open WebUI code uses.

The same named queries run on both databases, each from its dialect's file (``sql/`` for
PostgreSQL, ``sql/sqlite/`` for SQLite, chosen by :attr:`SQLiteConnection.dialect`);
placeholders are written psycopg's way (``%(name)s``) and turned into SQLite's (``:name``).
Transactions nest as psycopg's do (the outermost is ``BEGIN``, inner ones savepoints). A busy
timeout makes the bridge wait for Open WebUI's own writes instead of failing at once.
Open WebUI's journal mode is never changed.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import rows, sql

from litellm_bridge_plugin.errors import DatabaseUnavailable, SchemaError
from litellm_bridge_plugin.queries import NamedQuery, query

BUSY_TIMEOUT_MS = 5_000
_PARAM = re.compile(r"%\((\w+)\)s")


def is_sqlite_url(url: str) -> bool:
    return url.startswith("sqlite:")


def sqlite_path(url: str, cwd: Path | None = None) -> Path:
    """The file an Open WebUI ``DATABASE_URL`` of SQLite names: ``sqlite:////abs/webui.db``
    (absolute) or ``sqlite:///relative/webui.db`` (against the working directory), as
    SQLAlchemy reads them."""
    parts = urlsplit(url)
    if parts.scheme != "sqlite" or parts.netloc or not parts.path.startswith("/"):
        raise SchemaError(
            f"{url!r} is not a SQLite URL Open WebUI would take: write "
            "sqlite:////absolute/path/webui.db or sqlite:///relative/path/webui.db"
        )
    raw = parts.path[1:]
    if not raw or raw == ":memory:":
        raise SchemaError(f"{url!r} names no file: give the path of Open WebUI's webui.db")
    path = Path(raw)
    return path if path.is_absolute() else (cwd or Path.cwd()) / path


def _text(named: Any) -> str:
    """SQL text for SQLite: a named query's SQLite version (sql/sqlite/, else the shared
    text), psycopg's placeholders and ``%%`` rewritten."""
    if isinstance(named, NamedQuery):
        named = query(named.filename, named.name, "sqlite")
    text = named.as_string() if isinstance(named, sql.Composable) else named
    if isinstance(text, bytes):
        text = text.decode()
    parts = str(text).split("%%")  # a literal percent sign, kept apart from placeholders
    return "%".join(_PARAM.sub(r":\1", p).replace("%s", "?") for p in parts)


def _params(params: Mapping[str, Any] | Sequence[Any] | None) -> Any:
    """Lists (PostgreSQL arrays) go as JSON text: SQLite's queries read them with json_each."""
    if params is None:
        return ()
    if isinstance(params, Mapping):
        return {k: _value(v) for k, v in params.items()}
    return [_value(v) for v in params]


def _value(value: Any) -> Any:
    if isinstance(value, list | tuple | set | frozenset):
        return json.dumps(sorted(value) if isinstance(value, set | frozenset) else list(value))
    return value


class DatabaseLocked(psycopg.OperationalError):
    """Another connection (Open WebUI's) held the file's write lock for longer than the busy
    timeout: nothing of the transaction was written, and trying again later may succeed."""


_BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _as_psycopg(exc: sqlite3.Error) -> psycopg.Error:
    """SQLite's error as the psycopg error class the engine handles (a change that fails is
    recorded as FAILED; a locked file stops the batch, which is tried again; a lost database
    stops the run and is retried)."""
    if isinstance(exc, sqlite3.IntegrityError):
        return psycopg.errors.IntegrityError(str(exc))
    if isinstance(exc, sqlite3.OperationalError):
        if (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in _BUSY_CODES:
            return DatabaseLocked(str(exc))
        return psycopg.OperationalError(str(exc))
    return psycopg.DatabaseError(str(exc))


class SQLiteCursor:
    """A cursor whose rows come as psycopg's ``dict_row`` or ``tuple_row`` would give them."""

    def __init__(self, cursor: sqlite3.Cursor, row_factory: Callable[..., Any] | None) -> None:
        self._cursor = cursor
        self._dicts = row_factory is not rows.tuple_row

    def execute(self, query: Any, params: Any = None) -> SQLiteCursor:
        try:
            self._cursor.execute(_text(query), _params(params))
        except sqlite3.Error as exc:
            raise _as_psycopg(exc) from exc
        return self

    def executemany(self, query: Any, params_seq: Any) -> None:
        try:
            self._cursor.executemany(_text(query), [_params(p) for p in params_seq])
        except sqlite3.Error as exc:
            raise _as_psycopg(exc) from exc

    def _row(self, row: Any) -> Any:
        if row is None or not self._dicts:
            return row
        names = [d[0] for d in self._cursor.description]
        return dict(zip(names, row, strict=True))

    def fetchone(self) -> Any:
        return self._row(self._cursor.fetchone())

    def fetchall(self) -> list[Any]:
        return [self._row(r) for r in self._cursor.fetchall()]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    def __enter__(self) -> SQLiteCursor:
        return self

    def __exit__(self, *_: object) -> None:
        self._cursor.close()


class SQLiteConnection:
    """One connection to Open WebUI's SQLite file."""

    dialect = "sqlite"

    def __init__(self, path: Path, busy_timeout_ms: int | None = None) -> None:
        self.path = path
        self.busy_timeout_ms = BUSY_TIMEOUT_MS if busy_timeout_ms is None else busy_timeout_ms
        self._conn = sqlite3.connect(
            f"file:{path}?mode=rw",  # never create a file that is not there
            uri=True,
            isolation_level=None,  # transactions are begun explicitly (transaction())
            timeout=self.busy_timeout_ms / 1000,
            check_same_thread=False,
        )
        self._depth = 0
        self.closed = False
        self.broken = False

    def cursor(self, row_factory: Callable[..., Any] | None = None) -> SQLiteCursor:
        return SQLiteCursor(self._conn.cursor(), row_factory)

    def execute(self, query: Any, params: Any = None) -> SQLiteCursor:
        return self.cursor().execute(query, params)

    def _run(self, statement: str) -> None:
        try:
            self._conn.execute(statement)
        except sqlite3.Error as exc:
            raise _as_psycopg(exc) from exc

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """``BEGIN`` ... ``COMMIT`` (or a savepoint when nested); rolled back on error. A
        statement or ``COMMIT`` that finds the file locked past the busy timeout raises
        :class:`DatabaseLocked` and the whole transaction is rolled back, never left open
        (reads take no write lock, so Open WebUI's writers are not held up by them)."""
        name = f"sp{self._depth}"
        self._run("BEGIN" if self._depth == 0 else f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self._conn.rollback()  # a no-op when SQLite already rolled it back
            elif self._conn.in_transaction:  # SQLite rolls back everything on some errors
                self._run(f"ROLLBACK TO {name}")
                self._run(f"RELEASE {name}")
            raise
        self._depth -= 1
        if self._depth:
            self._run(f"RELEASE {name}")
            return
        try:
            self._run("COMMIT")
        except psycopg.Error:
            self._conn.rollback()
            raise

    def close(self) -> None:
        if not self.closed:
            self._conn.close()
            self.closed = True

    def __enter__(self) -> SQLiteConnection:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def connect_sqlite(url: str, what: str = "Open WebUI") -> SQLiteConnection:
    """Open the SQLite file ``url`` names, or raise naming what is wrong: no such file, or not
    a SQLite database at all."""
    path = sqlite_path(url)
    if not path.is_file():
        raise DatabaseUnavailable(
            f"the {what} database file {path} does not exist: set the URL to the webui.db "
            "Open WebUI uses (its DATA_DIR, /app/backend/data in the official image)"
        )
    try:
        conn = SQLiteConnection(path)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except (sqlite3.DatabaseError, psycopg.DatabaseError) as exc:
        raise SchemaError(
            f"{path} is not a SQLite database ({exc}): point the URL at Open WebUI's webui.db"
        ) from None
    return conn
