"""Whether anything a full reconcile reads has changed since the last one that found nothing to
do: then a sweep need not read and plan everything again to learn that.

The fingerprint is a digest of exactly what a full read reads (each of its named queries,
digested in the database: only a few bytes per query leave it), plus what else the plan
depends on: the plan-relevant settings, the served catalogue and the router's model list, the
Open WebUI schema and its sign-up role, this release and LiteLLM's. It leaves out what no
decision depends on: spend and budget resets (they move with every call; the proxy's check
reads them on its own, ``BRIDGE_SPEND_INTERVAL``).

A full run that planned no change records the fingerprint it computed *before* reading (a
change made meanwhile makes the next fingerprint differ: the next sweep reads). A sweep whose
fingerprint equals the recorded one, before that record's ``valid_until``, skips reading and
planning. ``valid_until`` is the next key expiry (a grant that ends by itself changes the plan
with no row changing) or :data:`MAX_AGE_SECONDS`, whichever is first.

tests/integration/test_fingerprint.py checks that every query of a full read is covered and
that each kind of change, on either side, makes the next sweep read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import psycopg
from psycopg import sql

from litellm_bridge_plugin import __version__
from litellm_bridge_plugin.litellm.catalog import ModelSource
from litellm_bridge_plugin.openwebui import models as openwebui_models
from litellm_bridge_plugin.openwebui.config import signup_role
from litellm_bridge_plugin.openwebui.schema import OpenWebUISchema
from litellm_bridge_plugin.queries import dialect_of, fetch, query
from litellm_bridge_plugin.settings import Settings

MAX_AGE_SECONDS = 3600.0
"""The longest a recorded fingerprint is trusted: a sweep reads everything at least hourly."""

VOLATILE = ("spend", "team_spend", "team_member_spend", "user_spend", "budget_reset_at")
"""Columns of the reads no grant or account depends on (budgets are the proxy's check's)."""

PLAN_SETTINGS = (
    "role_map",
    "on_user_delete",
    "link_existing",
    "access_source",
    "openwebui_model_prefix",
    "litellm_config",
)
"""The settings a plan depends on (tests/unit/test_fingerprint_settings.py checks planning
reads no other)."""

Read = tuple[str, str, dict[str, Any]]

LITELLM_READS: tuple[Read, ...] = (
    ("litellm.sql", "users", {}),
    ("litellm.sql", "teams", {}),
    ("litellm.sql", "organizations", {}),
    ("litellm.sql", "team_memberships", {}),
    ("litellm.sql", "organization_memberships", {}),
    ("litellm.sql", "access_users", {"users": None}),
    ("litellm.sql", "access_keys", {"users": None}),
    ("litellm.sql", "access_teams", {"teams": None}),
    ("litellm.sql", "access_organizations", {"organizations": None}),
    ("litellm.sql", "user_links", {"users": None}),
    ("bridge.sql", "links", {}),
    ("bridge.sql", "model_rows", {}),
    # a superset of litellm.sql's proxy_models: what the router takes of each
    ("fingerprint.sql", "proxy_models", {}),
)


def openwebui_reads(schema: OpenWebUISchema, marked_models: Sequence[str]) -> tuple[Read, ...]:
    """The queries a full read of this Open WebUI schema runs (model rows aside: read here)."""
    reads: list[Read] = [("openwebui.sql", "users", {}), ("openwebui.sql", "groups", {})]
    if schema.api_keys in ("table", "column"):
        reads.append(("openwebui.sql", f"api_key_owners_{schema.api_keys}", {}))
    if schema.sso != "none":
        reads.append(("openwebui.sql", f"sso_users_{schema.sso}", {}))
    if schema.membership == "group_member":
        reads.append(("openwebui.sql", "group_members_table", {}))
    else:
        reads.append(("openwebui.sql", "group_user_ids", {}))
    models = sorted(marked_models)
    if schema.access_grant:
        reads.append(("openwebui_models.sql", "grants_table", {"models": models, "users": None}))
    elif models:
        reads.append(("openwebui_models.sql", "grants_json", {"models": models}))
    return tuple(reads)


@dataclass(frozen=True)
class Fingerprint:
    digest: str
    next_expiry: datetime | None
    """When the next key expires (the record is trusted until then at most)."""
    catalog_known: bool
    """The served models could be known (as a full read would know them)."""


def _wrapped(wrapper: str, filename: str, name: str, **parts: sql.Composable) -> sql.Composed:
    """``fingerprint.sql``'s ``wrapper`` around the named read (each without its ``;``)."""
    text = query(filename, name).as_string().rstrip().rstrip(";")
    outer = query("fingerprint.sql", wrapper).as_string().rstrip().rstrip(";")
    return sql.SQL(outer).format(read=sql.SQL(text), **parts)


_ROWS: dict[tuple[str, str], sql.Composed] = {}
_UNHASHABLE = frozenset({114})  # json (not jsonb) has no hash function: hashed as its text


def _row_of(conn: Any, filename: str, name: str, params: dict[str, Any]) -> sql.Composed:
    """``ROW(...)`` of the read's columns but the volatile ones (a query's columns never
    change: asked once per process)."""
    key = (filename, name)
    if key not in _ROWS:
        with conn.cursor() as cur:
            cur.execute(_wrapped("columns", filename, name), params)
            found = [(c.name, c.type_code) for c in cur.description or ()]
        _ROWS[key] = sql.SQL("ROW({})").format(
            sql.SQL(", ").join(
                sql.SQL("{}::text" if oid in _UNHASHABLE else "{}").format(
                    sql.Identifier("q", column)
                )
                for column, oid in found
                if column not in VOLATILE
            )
        )
    return _ROWS[key]


def _digest_rows(conn: Any, filename: str, name: str, params: dict[str, Any]) -> str:
    """One read's rows, digested: in PostgreSQL itself, or here (SQLite, a local file)."""
    if dialect_of(conn) == "postgresql":
        row_of = _row_of(conn, filename, name, params)
        with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
            cur.execute(_wrapped("digest", filename, name, row=row_of), params)
            row = cur.fetchone()
        assert row is not None  # an aggregate's one row
        return f"{row['n']}:{row['total']}"
    rows = fetch(conn, filename, name, params)
    lines = sorted(
        json.dumps({k: v for k, v in row.items() if k not in VOLATILE}, default=str, sort_keys=True)
        for row in rows
    )
    return f"{len(lines)}:{hashlib.sha256(chr(10).join(lines).encode()).hexdigest()}"


def _router_models(source: ModelSource | None) -> str:
    """What the running proxy's router holds of each deployment that a grant depends on: its
    name and ``model_info`` (access groups, team), never ``litellm_params`` (secrets)."""
    router = source.current_router() if source is not None else None
    if router is None:
        return "no router"
    entries = [
        {"model_name": e.get("model_name"), "model_info": e.get("model_info")}
        for e in getattr(router, "model_list", None) or ()
        if isinstance(e, dict)
    ]
    return json.dumps(
        sorted(json.dumps(e, default=str, sort_keys=True) for e in entries), sort_keys=True
    )


def _release(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def compute(
    settings: Settings,
    litellm: psycopg.Connection[Any],
    openwebui: Any,
    schema: OpenWebUISchema,
    source: ModelSource | None,
) -> Fingerprint:
    """The fingerprint of what a full reconcile would read now."""
    catalog = source.served(litellm) if source is not None else None
    parts = [
        f"litellm-bridge {__version__}, litellm {_release('litellm')}",
        f"schema {schema.describe()}",
        json.dumps({n: str(getattr(settings, n)) for n in PLAN_SETTINGS}, sort_keys=True),
        f"catalog {catalog}",
        f"router {_router_models(source)}",
    ]
    with litellm.transaction():
        litellm.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        # LiteLLM's times are UTC without a zone (Prisma): compared and returned as UTC
        litellm.execute("SET LOCAL TIME ZONE 'UTC'")
        for filename, name, params in LITELLM_READS:
            parts.append(f"{filename}:{name} {_digest_rows(litellm, filename, name, params)}")
        expiry = fetch(litellm, "fingerprint.sql", "next_expiry")[0]["at"]
    if expiry is not None and expiry.tzinfo is None:
        expiry = expiry.replace(tzinfo=UTC)
    with openwebui.transaction():
        if dialect_of(openwebui) == "postgresql":
            openwebui.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        rows = openwebui_models.read_rows(openwebui)
        parts.append(f"model rows {sorted(repr(row) for row in rows.values())}")
        parts.append(f"signup {signup_role(openwebui, schema)!r}")
        marked = [i for i, row in rows.items() if row.marked]
        for filename, name, params in openwebui_reads(schema, marked):
            parts.append(f"{filename}:{name} {_digest_rows(openwebui, filename, name, params)}")
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return Fingerprint(digest, expiry, catalog is not None)


def unchanged(litellm: psycopg.Connection[Any], current: Fingerprint) -> bool:
    """The recorded fingerprint is ``current`` and still trusted."""
    rows = fetch(litellm, "fingerprint.sql", "read")
    return bool(rows) and rows[0]["digest"] == current.digest and bool(rows[0]["valid"])


def record(litellm: psycopg.Connection[Any], current: Fingerprint) -> None:
    """Remember ``current`` as the fingerprint of a state with nothing to do."""
    with litellm.transaction():
        litellm.execute(
            query("fingerprint.sql", "record"),
            {
                "digest": current.digest,
                "expires": current.next_expiry,
                "max_age": MAX_AGE_SECONDS,
            },
        )
