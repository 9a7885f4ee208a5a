"""Opening connections with errors that say which database failed, credentials masked."""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

from .errors import DatabaseUnavailable
from .settings import mask_url

CONNECT_TIMEOUT_SECONDS = 5


def connect(
    url: str, what: str, *, autocommit: bool = False
) -> psycopg.Connection[dict[str, object]]:
    """Open one connection to ``url`` or raise :class:`DatabaseUnavailable` naming ``what``."""
    try:
        return psycopg.connect(
            url,
            autocommit=autocommit,
            row_factory=dict_row,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            application_name="litellm-bridge",
        )
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(
            f"cannot connect to the {what} database at {mask_url(url)}: {reason}"
        ) from None
