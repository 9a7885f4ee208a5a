"""Telling every proxy process that access changed, so each re-reads it within a second.

Each process keeps its own copy of LiteLLM's grants for the check on Open WebUI calls. A change
one process learns of (a management call it served, an outbox batch it consumed, a CLI run) is
announced with ``NOTIFY litellm_bridge_access``; every process listening re-reads the grants of
the users it names from LiteLLM (teams and organisations are always read whole). Like the outbox
channel, a notification carries ids only and is a hint: a missed one is repaired by the sweep.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import psycopg

from litellm_bridge_plugin.queries import query

CHANNEL = "litellm_bridge_access"
MAX_PAYLOAD = 7000
"""PostgreSQL's NOTIFY payload limit is 8000 bytes; longer lists become "everyone"."""
EVERYONE = "*"


def payload(users: Iterable[str] | None) -> str:
    """The notification for ``users`` (None: everyone)."""
    if users is None:
        return EVERYONE
    text = json.dumps(sorted(set(users)))
    return text if len(text.encode()) <= MAX_PAYLOAD else EVERYONE


def parse(text: str) -> frozenset[str] | None:
    """The users a notification names; None for everyone (also for anything unreadable)."""
    try:
        found = json.loads(text)
    except ValueError:
        return None
    if not isinstance(found, list) or not all(isinstance(u, str) for u in found):
        return None
    return frozenset(found)


def announce(conn: psycopg.Connection[Any], users: Iterable[str] | None) -> None:
    """Send the notification (delivered when ``conn``'s transaction commits; at once in
    autocommit)."""
    conn.execute(query("broadcast.sql", "announce"), {"payload": payload(users)})


def listen(conn: psycopg.Connection[Any]) -> None:
    """Subscribe ``conn`` to the channel."""
    conn.execute(query("broadcast.sql", "listen"))
