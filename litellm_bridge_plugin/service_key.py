"""Which LiteLLM key is Open WebUI's service key, and whether it works: for ``doctor``,
``status`` and the proxy's start-up log.

The proxy's check (``enforcement.py``) treats a call as Open WebUI's when the call's key is
``BRIDGE_OPENWEBUI_SERVICE_KEY`` (compared by hash; it may be the master key) or, when that is
not set, when the key carries the alias ``BRIDGE_OPENWEBUI_KEY_ALIAS``. This module reads the
same rule against LiteLLM's key table and says what is wrong when not exactly one live key
answers to it. Only counts are read: never a key's hash or value.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import psycopg
import yaml

from .queries import queries
from .settings import Settings

MASTER_KEY_ENV = "LITELLM_MASTER_KEY"


@dataclass(frozen=True)
class Problem:
    """Something wrong with the service key, and what to do about it."""

    severity: Literal["fail", "warn"]
    problem: str
    fix: str


@dataclass(frozen=True)
class ServiceKeyReport:
    """How the service key is recognised and how many of LiteLLM's keys answer to it."""

    mode: Literal["value", "alias"]
    alias: str
    live: int
    """Live keys (not blocked, not expired) that match; the master key counts as one."""
    blocked: int
    expired: int
    master_key: bool
    """Value mode: the value is the proxy's master key."""
    problems: tuple[Problem, ...]

    @property
    def result(self) -> Literal["ok", "warn", "fail"]:
        severities = {p.severity for p in self.problems}
        return "fail" if "fail" in severities else "warn" if severities else "ok"

    def describe(self) -> str:
        """One line: how the key is recognised and how many live keys match."""
        if self.mode == "value":
            how = "by value (BRIDGE_OPENWEBUI_SERVICE_KEY" + (
                ", the proxy's master key)" if self.master_key else ")"
            )
        else:
            how = f"by alias {self.alias!r} (BRIDGE_OPENWEBUI_KEY_ALIAS)"
        unusable = ((self.blocked, "blocked"), (self.expired, "expired"))
        return f"recognised {how}; {self.live} live key(s) match" + "".join(
            f", {n} {what}" for n, what in unusable if n
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"result": self.result, "describe": self.describe()}


def token_hash(value: str) -> str:
    """What LiteLLM stores as a key's ``token``: the sha256 of its value (``hash_token``)."""
    return hashlib.sha256(value.encode()).hexdigest()


def inspect(
    conn: psycopg.Connection[Any], settings: Settings, master_key: str | None = None
) -> ServiceKeyReport:
    """Count the live, blocked and expired keys that are Open WebUI's service key under
    ``settings`` and name every problem. ``master_key`` is the proxy's, when known: a service
    key equal to it matches without a row in LiteLLM's table."""
    secret = settings.openwebui_service_key
    value = secret.get_secret_value() if secret else None
    alias = settings.openwebui_key_alias
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(
            queries("service_key.sql")["matching_keys"],
            {"hash": token_hash(value) if value else None, "alias": None if value else alias},
        )
        row = cur.fetchone()
    assert row is not None  # an aggregate always answers
    live, blocked, expired = int(row["live"]), int(row["blocked"]), int(row["expired"])
    if value is None:
        problems = _alias_problems(alias, live, blocked, expired)
        return ServiceKeyReport("alias", alias, live, blocked, expired, False, problems)
    is_master = bool(master_key) and hmac.compare_digest(value.encode(), str(master_key).encode())
    if is_master:
        problems = (_MASTER_KEY_HELD,)
        return ServiceKeyReport("value", alias, max(live, 1), blocked, expired, True, problems)
    problems = _value_problems(live, blocked, expired, master_known=bool(master_key))
    return ServiceKeyReport("value", alias, live, blocked, expired, False, problems)


def startup_line(
    conn: psycopg.Connection[Any], settings: Settings, master_key: str | None = None
) -> tuple[int, str]:
    """The start-up log's word on the service key: ``(logging level, line)``; WARNING when
    something is wrong (the line then names each problem and its fix)."""
    return startup_line_of(inspect(conn, settings, master_key))


def startup_line_of(found: ServiceKeyReport) -> tuple[int, str]:
    """:func:`startup_line` for a report already made."""
    line = "service key " + found.describe()
    for p in found.problems:
        line += f"; {p.severity.upper()}: {p.problem} (fix: {p.fix})"
    return (logging.WARNING if found.problems else logging.INFO), line


def proxy_master_key(config: Path | None, environ: Mapping[str, str] = os.environ) -> str | None:
    """The proxy's master key as LiteLLM finds it outside the proxy: ``general_settings.
    master_key`` of its config file (``os.environ/NAME`` read from the environment), else
    ``LITELLM_MASTER_KEY``. None when neither says."""
    configured: object = None
    if config is not None:
        try:
            loaded = yaml.safe_load(config.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            loaded = None  # doctor's "proxy config" check reports an unreadable file
        general = loaded.get("general_settings") if isinstance(loaded, dict) else None
        configured = general.get("master_key") if isinstance(general, dict) else None
    if isinstance(configured, str) and configured.startswith("os.environ/"):
        configured = environ.get(configured.removeprefix("os.environ/"))
    if isinstance(configured, str) and configured:
        return configured
    return environ.get(MASTER_KEY_ENV) or None


_MASTER_KEY_HELD = Problem(
    "warn",
    "Open WebUI holds the proxy's master key: whoever obtains it can manage all of LiteLLM",
    "give Open WebUI its own key limited to the LLM routes (POST /key/generate with "
    'key_alias and "allowed_routes": ["llm_api_routes"]) and set that key in Open WebUI\'s '
    "OPENAI_API_KEY and in BRIDGE_OPENWEBUI_SERVICE_KEY",
)
_UNBLOCK = "unblock it: POST /key/unblock"
_RENEW = (
    "give it a later expiry (POST /key/update with duration), or generate a new key and set "
    "it in Open WebUI's OPENAI_API_KEY and in BRIDGE_OPENWEBUI_SERVICE_KEY"
)


def _unusable(blocked: int, expired: int) -> Problem | None:
    """The problem when the matching keys exist but none is live."""
    if blocked:
        return Problem(
            "fail",
            "Open WebUI's service key is blocked: LiteLLM refuses every Open WebUI call",
            _UNBLOCK,
        )
    if expired:
        return Problem(
            "fail",
            "Open WebUI's service key has expired: LiteLLM refuses every Open WebUI call",
            _RENEW,
        )
    return None


def _value_problems(
    live: int, blocked: int, expired: int, *, master_known: bool
) -> tuple[Problem, ...]:
    if live:
        return ()
    unusable = _unusable(blocked, expired)
    if unusable is not None:
        return (unusable,)
    create = (
        'create that key in LiteLLM (POST /key/generate with it as "key"), or set '
        "BRIDGE_OPENWEBUI_SERVICE_KEY to the key Open WebUI's OPENAI_API_KEY holds"
    )
    if not master_known:
        return (
            Problem(
                "warn",
                "BRIDGE_OPENWEBUI_SERVICE_KEY matches no LiteLLM key; it may be the proxy's "
                "master key, which is not known here",
                f"set {MASTER_KEY_ENV} (or BRIDGE_LITELLM_CONFIG) for this command to compare "
                f"it; if it is not the master key, {create}",
            ),
        )
    return (
        Problem(
            "fail",
            "BRIDGE_OPENWEBUI_SERVICE_KEY is neither a live LiteLLM key nor the master key: "
            "Open WebUI's calls with it fail, and calls with another key go unchecked",
            create,
        ),
    )


def _alias_problems(alias: str, live: int, blocked: int, expired: int) -> tuple[Problem, ...]:
    if live > 1:
        return (
            Problem(
                "fail",
                f"{live} live keys carry the service-key alias {alias!r}: each is treated as "
                "Open WebUI's, so whoever holds one can name anyone in the user headers and "
                "act as them",
                "set BRIDGE_OPENWEBUI_SERVICE_KEY to the value of Open WebUI's key (the alias "
                "is then ignored), or delete or rename the other keys",
            ),
        )
    if live:
        return ()
    unusable = _unusable(blocked, expired)
    if unusable is not None:
        return (unusable,)
    return (
        Problem(
            "fail",
            f"no live LiteLLM key carries the alias {alias!r}: Open WebUI's calls are not "
            "checked (its key passes as any other) or fail",
            f"create Open WebUI's key with key_alias {alias!r} (POST /key/generate), or set "
            "BRIDGE_OPENWEBUI_SERVICE_KEY to the key Open WebUI's OPENAI_API_KEY holds",
        ),
    )
