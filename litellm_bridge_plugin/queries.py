"""Named SQL queries kept in ``sql/*.sql`` files.

A file holds several queries, each introduced by a ``-- name: query_name`` line; the comment
lines after it document the query. Placeholders are psycopg's ``%(name)s``.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from psycopg import sql

_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)


def read_sql_file(filename: str) -> str:
    """Return the text of ``sql/<filename>`` shipped with the package."""
    return (Path(__file__).with_name("sql") / filename).read_text(encoding="utf-8")


@cache
def queries(filename: str) -> dict[str, sql.SQL]:
    """Parse ``sql/<filename>`` into ``{name: query}``."""
    text = read_sql_file(filename)
    found: dict[str, sql.SQL] = {}
    marks = list(_NAME.finditer(text))
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        end = following.start() if following else len(text)
        body = text[mark.end() : end].strip()
        found[mark.group(1)] = sql.SQL(body)
    return found
