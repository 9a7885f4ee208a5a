"""Which LiteLLM key is Open WebUI's service key, and whether it works: for the proxy's check,
``doctor``, ``status`` and the proxy's start-up log.

The key is recognised by value when ``BRIDGE_OPENWEBUI_SERVICE_KEY`` is set (compared by hash;
it may be the master key), else by a *trusted alias*: a key carrying ``BRIDGE_OPENWEBUI_KEY_ALIAS``
that a proxy admin created, no ordinary user owns, in no team or organisation
(plan/trust.py). This module reads that rule against LiteLLM's key table, names the key (its
masked ``key_name``, alias, owner and creator) and says what is wrong when not exactly one live
key answers to it, when a key carries the alias without being trusted, or when the key may call
routes where the check never runs. In alias mode it also hands the proxy's check the token
hashes of the trusted live keys (:class:`ServiceKeyRead`): in memory only, never in a report.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import psycopg
import yaml

from litellm_bridge_plugin.plan.trust import TRUSTED_ALIAS_RULE, KeyFacts, Principal, distrust
from litellm_bridge_plugin.queries import fetch
from litellm_bridge_plugin.releases import proxy_admin_name
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
class Untrusted:
    """A live key that carries the service-key alias without being trusted, and why not."""

    key: KeyFacts
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ServiceKeyReport:
    """How the service key is recognised, which keys answer to it, and what is wrong."""

    mode: Literal["value", "alias"]
    alias: str
    live: int
    """Live keys (not blocked, not expired) that are the service key; the master key counts as
    one. By alias, trusted keys only."""
    blocked: int
    expired: int
    master_key: bool
    """Value mode: the value is the proxy's master key."""
    problems: tuple[Problem, ...]
    allowed_routes: tuple[tuple[str, ...], ...] = ()
    """The ``allowed_routes`` of each live key counted (empty: it may call every route)."""
    keys: tuple[KeyFacts, ...] = ()
    """The keys counted (live, blocked or expired), oldest first."""
    untrusted: tuple[Untrusted, ...] = ()
    """By alias: live keys carrying the alias that are not trusted (ordinary keys)."""

    @property
    def result(self) -> Literal["ok", "warn", "fail"]:
        severities = {p.severity for p in self.problems}
        return "fail" if "fail" in severities else "warn" if severities else "ok"

    def describe(self) -> str:
        """One line: how the key is recognised, how many live keys match and which they are."""
        if self.mode == "value":
            how = "by value (BRIDGE_OPENWEBUI_SERVICE_KEY" + (
                ", the proxy's master key)" if self.master_key else ")"
            )
        else:
            how = f"by trusted alias {self.alias!r} ({TRUSTED_ALIAS_RULE})"
        unusable = ((self.blocked, "blocked"), (self.expired, "expired"))
        line = f"recognised {how}; {self.live} live key(s) match" + "".join(
            f", {n} {what}" for n, what in unusable if n
        )
        live = [k.describe() for k in self.keys if k.state == "live"]
        if live:
            line += ": " + "; ".join(live)
        if self.untrusted:
            line += f"; {len(self.untrusted)} untrusted key(s) carry the alias: " + "; ".join(
                u.key.describe() for u in self.untrusted
            )
        return line

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"result": self.result, "describe": self.describe()}


@dataclass(frozen=True)
class ServiceKeyRead:
    """One read of the service key: the report, and in alias mode the token hashes of the
    trusted live keys for the proxy's check (None by value: the check hashes the value
    itself). The hashes stay in memory: they are in no report, repr or log line."""

    report: ServiceKeyReport
    tokens: frozenset[str] | None = field(default=None, repr=False)


def token_hash(value: str) -> str:
    """What LiteLLM stores as a key's ``token``: the sha256 of its value (``hash_token``)."""
    return hashlib.sha256(value.encode()).hexdigest()


def inspect(
    conn: psycopg.Connection[Any], settings: Settings, master_key: str | None = None
) -> ServiceKeyReport:
    """The service key under ``settings``: the keys that are it, counted live, blocked and
    expired, and every problem. ``master_key`` is the proxy's, when known: a service key
    equal to it matches without a row in LiteLLM's table."""
    return read(conn, settings, master_key).report


def read(
    conn: psycopg.Connection[Any],
    settings: Settings,
    master_key: str | None = None,
    admin_name: str | None = None,
) -> ServiceKeyRead:
    """:func:`inspect`, with the trusted keys' hashes in alias mode. ``admin_name``: the user
    id LiteLLM's master key acts as (default: :func:`releases.proxy_admin_name`)."""
    secret = settings.openwebui_service_key
    if secret is not None:
        value = secret.get_secret_value()
        return ServiceKeyRead(_by_value(conn, settings.openwebui_key_alias, value, master_key))
    return _by_alias(conn, settings.openwebui_key_alias, admin_name or proxy_admin_name())


def _by_value(
    conn: psycopg.Connection[Any], alias: str, value: str, master_key: str | None
) -> ServiceKeyReport:
    keys = tuple(key for _, key in _matching(conn, token_hash(value), None))
    live, blocked, expired = _counts(keys)
    if bool(master_key) and hmac.compare_digest(value.encode(), str(master_key).encode()):
        problems: tuple[Problem, ...] = (_MASTER_KEY_HELD,)
        return ServiceKeyReport(
            "value", alias, max(live, 1), blocked, expired, True, problems, keys=keys
        )
    routes = _live_routes(keys)
    problems = _value_problems(live, blocked, expired, master_known=bool(master_key))
    problems += _route_problems(routes)
    return ServiceKeyReport("value", alias, live, blocked, expired, False, problems, routes, keys)


def _by_alias(conn: psycopg.Connection[Any], alias: str, admin_name: str) -> ServiceKeyRead:
    found = [(token, key, distrust(key, admin_name)) for token, key in _matching(conn, None, alias)]
    keys = tuple(key for _, key, reasons in found if not reasons)
    untrusted = tuple(
        Untrusted(key, reasons) for _, key, reasons in found if reasons and key.state == "live"
    )
    live, blocked, expired = _counts(keys)
    routes = _live_routes(keys)
    problems = _untrusted_problems(alias, untrusted)
    if not (untrusted and not keys):  # else the untrusted key's problem says it all
        problems += _alias_problems(alias, live, blocked, expired)
    problems += _route_problems(routes)
    report = ServiceKeyReport(
        "alias", alias, live, blocked, expired, False, problems, routes, keys, untrusted
    )
    tokens = frozenset(
        token for token, key, reasons in found if token and not reasons and key.state == "live"
    )
    return ServiceKeyRead(report, tokens)


def _matching(
    conn: psycopg.Connection[Any], hashed: str | None, alias: str | None
) -> list[tuple[str | None, KeyFacts]]:
    """``(token, facts)`` of each key with token ``hashed`` or alias ``alias``; the token only
    by alias."""
    rows = fetch(conn, "service_key.sql", "matching_keys", {"hash": hashed, "alias": alias})
    return [(row["token"], _facts(row)) for row in rows]


def _facts(row: Mapping[str, Any]) -> KeyFacts:
    return KeyFacts(
        key_name=row["key_name"],
        key_alias=row["key_alias"],
        owner=Principal(row["owner_id"], bool(row["owner_known"]), row["owner_role"]),
        creator=Principal(row["creator_id"], bool(row["creator_known"]), row["creator_role"]),
        team_id=row["team_id"],
        organization_id=row["organization_id"],
        state=row["state"],
        allowed_routes=tuple(row["allowed_routes"]),
    )


def _counts(keys: tuple[KeyFacts, ...]) -> tuple[int, int, int]:
    """Live, blocked and expired keys among ``keys``."""
    states = [key.state for key in keys]
    return states.count("live"), states.count("blocked"), states.count("expired")


def _live_routes(keys: tuple[KeyFacts, ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(key.allowed_routes for key in keys if key.state == "live")


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


def _create_as_admin(alias: str) -> str:
    """How an operator makes a key the alias mode trusts, or leaves the alias behind."""
    return (
        "have a proxy admin create Open WebUI's key (with the master key: POST /key/generate "
        f"with key_alias {alias!r} and no user_id, team_id or organization_id) and set it in "
        "Open WebUI's OPENAI_API_KEY; recommended: also set BRIDGE_OPENWEBUI_SERVICE_KEY to "
        "that value (the key is then recognised by value and the alias is ignored)"
    )


def _untrusted_problems(alias: str, untrusted: tuple[Untrusted, ...]) -> tuple[Problem, ...]:
    return tuple(
        Problem(
            "fail",
            f"key {u.key.describe()} carries the service-key alias {alias!r} but is not "
            f"trusted: {'; '.join(u.reasons)}. Calls with it are ordinary calls (their "
            "X-OpenWebUI-User-* headers are ignored), so if Open WebUI uses it, its calls are "
            "not checked per person",
            "delete it (POST /key/delete; LiteLLM lets only one key hold an alias); if Open "
            f"WebUI used it, {_create_as_admin(alias)}",
        )
        for u in untrusted
    )


def _alias_problems(alias: str, live: int, blocked: int, expired: int) -> tuple[Problem, ...]:
    """Problems of the trusted keys carrying the alias (``live``, ``blocked``, ``expired``)."""
    if live > 1:
        return (
            Problem(
                "fail",
                f"{live} trusted live keys carry the service-key alias {alias!r}: Open WebUI's "
                "calls are refused (503) until one is left",
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
            f"no trusted live LiteLLM key carries the alias {alias!r} ({TRUSTED_ALIAS_RULE}): "
            "Open WebUI's calls are not checked (its key passes as any other) or fail",
            _create_as_admin(alias),
        ),
    )
