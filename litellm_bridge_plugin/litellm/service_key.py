"""Which LiteLLM key is Open WebUI's service key, and whether it works: for ``doctor``,
``status`` and the proxy's start-up log.

The proxy's check (``enforcement.py``) treats a call as Open WebUI's when the call's key is
``BRIDGE_OPENWEBUI_SERVICE_KEY`` (compared by hash; it may be the master key) or, when that is
not set, when the key carries the alias ``BRIDGE_OPENWEBUI_KEY_ALIAS``. This module reads the
same rule against LiteLLM's key table and says what is wrong when not exactly one live key
answers to it, or when that key may call routes where the check never runs. Only counts and
route names are read: never a key's hash or value.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import psycopg
import yaml

from litellm_bridge_plugin.queries import query
from litellm_bridge_plugin.settings import Settings

MASTER_KEY_ENV = "LITELLM_MASTER_KEY"

OPENWEBUI_ROUTES = ("/v1/chat/completions", "/v1/models", "/v1/embeddings")
"""What Open WebUI 0.12.4 calls on its OpenAI-style connection (its routers/openai.py): the
model list, chat completions and embeddings. Its key needs no other route."""

CHECKED_ROUTES = frozenset(
    {
        *OPENWEBUI_ROUTES,
        "/chat/completions",
        "/embeddings",
        "/v1/completions",
        "/completions",
        "/v1/images/generations",
        "/images/generations",
        "/v1/audio/speech",
        "/audio/speech",
        "/v1/audio/transcriptions",
        "/audio/transcriptions",
    }
)
"""``allowed_routes`` entries that let a key reach only routes where LiteLLM runs the
bridge's check (its pre-call hook), or the model list. LiteLLM takes an entry as that path and
(1.106+; 1.77.3 only the path) every path below it (``/v1/models`` admits ``/v1/models/{id}``),
and a route-group name
(``llm_api_routes``, ``openai_routes``) as the whole group; so ``/models``, which admits
Google's ``/models/{model}:generateContent``, and every group are left out."""


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
    allowed_routes: tuple[tuple[str, ...], ...] = ()
    """The ``allowed_routes`` of each live matching key (empty: it may call every route)."""

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
            query("service_key.sql", "matching_keys"),
            {"hash": token_hash(value) if value else None, "alias": None if value else alias},
        )
        row = cur.fetchone()
    assert row is not None  # an aggregate always answers
    live, blocked, expired = int(row["live"]), int(row["blocked"]), int(row["expired"])
    if value is None:
        routes = _routes(conn, None, alias) if live else ()
        problems = _alias_problems(alias, live, blocked, expired) + _route_problems(routes)
        return ServiceKeyReport("alias", alias, live, blocked, expired, False, problems, routes)
    is_master = bool(master_key) and hmac.compare_digest(value.encode(), str(master_key).encode())
    if is_master:
        problems = (_MASTER_KEY_HELD,)
        return ServiceKeyReport("value", alias, max(live, 1), blocked, expired, True, problems)
    routes = _routes(conn, token_hash(value), None) if live else ()
    problems = _value_problems(live, blocked, expired, master_known=bool(master_key))
    problems += _route_problems(routes)
    return ServiceKeyReport("value", alias, live, blocked, expired, False, problems, routes)


def _routes(
    conn: psycopg.Connection[Any], hashed: str | None, alias: str | None
) -> tuple[tuple[str, ...], ...]:
    """The ``allowed_routes`` of each live key with token ``hashed`` or alias ``alias``."""
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(
            query("service_key.sql", "matching_key_routes"), {"hash": hashed, "alias": alias}
        )
        return tuple(tuple(r["allowed_routes"]) for r in cur.fetchall())


def _route_problems(routes: tuple[tuple[str, ...], ...]) -> tuple[Problem, ...]:
    """Warnings for service keys that may call routes where the bridge's check never runs:
    whoever holds the key calls them as Open WebUI, unchecked."""
    problems = []
    if any(not r for r in routes):
        problems.append(
            Problem(
                "warn",
                "Open WebUI's service key may call every LiteLLM route (its allowed_routes is "
                f"empty): on routes that never run the bridge's check ({_UNCHECKED_EXAMPLES}) "
                "whoever holds it is not checked",
                _LIMIT_ROUTES,
            )
        )
    unchecked = sorted({r for limit in routes for r in limit if r not in CHECKED_ROUTES})
    if unchecked:
        problems.append(
            Problem(
                "warn",
                "the allowed_routes of Open WebUI's service key include "
                f"{', '.join(unchecked)}, which admit routes that never run the bridge's check "
                f"(route groups such as llm_api_routes hold {_UNCHECKED_EXAMPLES}): whoever "
                "holds the key is not checked there",
                _LIMIT_ROUTES,
            )
        )
    return tuple(problems)


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


_ROUTE_LIST = json.dumps(list(OPENWEBUI_ROUTES))
_UNCHECKED_EXAMPLES = (
    "pass-through routes such as /openai/* and /anthropic/*, assistants and threads, /a2a, "
    "/mcp, /v1/rag, the token counter"
)
_LIMIT_ROUTES = (
    "limit it to the routes Open WebUI calls: POST /key/update with its key (or key_alias) "
    f'and "allowed_routes": {_ROUTE_LIST}'
)
_MASTER_KEY_HELD = Problem(
    "warn",
    "Open WebUI holds the proxy's master key: whoever obtains it can manage all of LiteLLM",
    "give Open WebUI its own key limited to the routes it calls (POST /key/generate with "
    f'key_alias and "allowed_routes": {_ROUTE_LIST}) and set that key in Open WebUI\'s '
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
