"""Opening connections with errors that say which database failed, credentials masked."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row

from litellm_bridge_plugin.errors import DatabaseUnavailable
from litellm_bridge_plugin.settings import mask_url
from litellm_bridge_plugin.sqlite import connect_sqlite, is_sqlite_url

CONNECT_TIMEOUT_SECONDS = 5


def connect(
    url: str, what: str, *, autocommit: bool = False
) -> psycopg.Connection[dict[str, object]]:
    """Open one connection to ``url`` or raise :class:`DatabaseUnavailable` naming ``what``
    (a ``sqlite:`` URL opens Open WebUI's SQLite file, sqlite.py)."""
    if is_sqlite_url(url):
        return connect_sqlite(url, what)  # type: ignore[return-value]
    try:
        conn = psycopg.connect(
            url,
            autocommit=autocommit,
            row_factory=dict_row,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            application_name="litellm-bridge",
        )
        # No server-side prepared statements: the reads for "all, or these few" (a NULL
        # list means all) need the plan for the list given, which a generic plan of a
        # prepared statement is not (a kept connection's scoped reads became scans of whole
        # tables after five runs). Also what a PgBouncer in transaction mode needs.
        conn.prepare_threshold = None
        return conn
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(
            f"cannot connect to the {what} database at {mask_url(url)}: {reason}"
        ) from None


class KeptConnections:
    """A LiteLLM and an Open WebUI connection a worker keeps between reconciles.

    Reopened when missing, closed or broken; :meth:`discard_broken` drops any that failed.
    """

    def __init__(self, litellm_url: str, openwebui_url: str) -> None:
        self._urls = {"LiteLLM": litellm_url, "Open WebUI": openwebui_url}
        self._conns: dict[str, psycopg.Connection[dict[str, object]]] = {}

    def _one(self, what: str) -> psycopg.Connection[dict[str, object]]:
        conn = self._conns.get(what)
        if conn is not None and not conn.closed and not conn.broken:
            try:
                conn.execute(b"SELECT 1")  # a server restart shows only on use
                return conn
            except psycopg.Error:
                conn.close()
        conn = connect(self._urls[what], what, autocommit=True)
        self._conns[what] = conn
        return conn

    def get(self) -> tuple[psycopg.Connection[Any], psycopg.Connection[Any]]:
        return self._one("LiteLLM"), self._one("Open WebUI")

    def litellm(self) -> psycopg.Connection[Any]:
        """LiteLLM's connection alone (reads that must not wait for Open WebUI)."""
        return self._one("LiteLLM")

    def discard_broken(self) -> None:
        for what, conn in list(self._conns.items()):
            if conn.closed or conn.broken:
                conn.close()
                del self._conns[what]

    def close(self) -> None:
        for conn in self._conns.values():
            conn.close()
        self._conns.clear()
