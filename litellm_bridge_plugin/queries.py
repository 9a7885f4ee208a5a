"""Named SQL queries kept in ``sql/*.sql`` files: the one reader every module uses.

A file holds several queries, each introduced by a ``-- name: query_name`` line; the comment
lines after it document the query. Placeholders are psycopg's ``%(name)s``. Rows come back in
one shape: a dict per row (:func:`fetch`).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)


def read_sql_file(filename: str) -> str:
    """Return the text of ``sql/<filename>`` shipped with the package."""
    return (Path(__file__).with_name("sql") / filename).read_text(encoding="utf-8")


def sql_files(folder: str) -> list[str]:
    """The names of the .sql files in sql/<folder>, sorted."""
    return sorted(p.name for p in (Path(__file__).with_name("sql") / folder).glob("*.sql"))


class NamedQuery(sql.SQL):
    """A query of a ``sql/*.sql`` file that knows its file and name, so a connection to
    another dialect can run that dialect's version of it (sqlite.py)."""

    def __init__(self, text: str, filename: str, name: str) -> None:
        super().__init__(text)
        self.filename = filename
        self.name = name


@cache
def queries(filename: str) -> dict[str, sql.SQL]:
    """Parse ``sql/<filename>`` into ``{name: query}``."""
    text = read_sql_file(filename)
    found: dict[str, sql.SQL] = {}
    marks = list(_NAME.finditer(text))
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        end = following.start() if following else len(text)
        body = text[mark.end() : end].strip()
        found[mark.group(1)] = NamedQuery(body, filename, mark.group(1))
    return found


def query(filename: str, name: str, dialect: str = "postgresql") -> sql.SQL:
    """The query ``name`` of ``sql/<filename>``. For another dialect, its version in
    ``sql/<dialect>/<filename>`` when it has one, else the shared text (portable SQL)."""
    if dialect != "postgresql" and (Path(__file__).with_name("sql") / dialect / filename).exists():
        own = queries(f"{dialect}/{filename}")
        if name in own:
            return own[name]
    found = queries(filename)
    if name not in found:
        raise KeyError(f"sql/{filename} has no query named {name!r}")
    return found[name]


def dialect_of(conn: Any) -> str:
    """``postgresql`` for psycopg's connections, else the connection's own ``dialect``."""
    return str(getattr(conn, "dialect", "postgresql"))


def fetch(
    conn: psycopg.Connection[Any], filename: str, name: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Run the named query (in the connection's dialect) and return its rows as dicts."""
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(query(filename, name, dialect_of(conn)), params)
        return cur.fetchall()
