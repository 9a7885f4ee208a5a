"""The bridge's own tables in the LiteLLM database: links, audit, skips, runs, the lock."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from litellm_bridge_plugin.domain import Link
from litellm_bridge_plugin.errors import LockTimeout, ReconcileBusy, SchemaError
from litellm_bridge_plugin.queries import fetch as queries_fetch
from litellm_bridge_plugin.queries import query, read_sql_file, sql_files

log = logging.getLogger("litellm_bridge")


def _q(name: str) -> Any:
    return query("bridge.sql", name)


@dataclass(frozen=True, slots=True)
class AuditRow:
    run_id: str | None
    operation: str
    entity_type: str
    entity_id: str
    result: str
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    error: str | None = None
    duration_ms: float | None = None


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


_MIGRATION = re.compile(r"^(\d{4})_(\w+)\.sql$")


def migrations() -> list[Migration]:
    """The numbered migrations shipped with this release, in order (``sql/migrations``)."""
    found = []
    for filename in sql_files("migrations"):
        mark = _MIGRATION.match(filename)
        if mark is None:
            raise SchemaError(f"sql/migrations/{filename} is not named NNNN_name.sql")
        found.append(
            Migration(int(mark.group(1)), mark.group(2), read_sql_file(f"migrations/{filename}"))
        )
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise SchemaError("sql/migrations must be numbered 0001, 0002, ... without gaps")
    return found


LATEST = len(migrations())
"""The schema version this release writes."""

_SCHEMA_READY: set[str] = set()


def ensure_schema(conn: psycopg.Connection[Any], *, force: bool = False) -> int:
    """Bring the ``litellm_bridge`` schema to this release's version: every migration not
    applied yet, in order, once each, in one transaction under the schema lock (a crash
    leaves the previous version whole). Returns the version now recorded.

    Done once per database and process unless ``force``. A database already at a higher
    version (a newer release wrote it) is left as it is, with a warning.
    """
    key = f"{conn.info.host}:{conn.info.port}/{conn.info.dbname}"
    if key in _SCHEMA_READY and not force:
        return LATEST
    with conn.transaction():
        conn.execute(read_sql_file("schema.sql").encode())
        applied = {row["version"] for row in queries_fetch(conn, "bridge.sql", "schema_versions")}
        for migration in migrations():
            if migration.version in applied:
                continue
            conn.execute(migration.sql.encode())
            conn.execute(
                _q("record_version"), {"version": migration.version, "name": migration.name}
            )
            log.info(
                "litellm-bridge: applied migration %04d_%s to the litellm_bridge schema",
                migration.version,
                migration.name,
            )
    version = max(applied | {LATEST})
    if version > LATEST:
        log.warning(
            "litellm-bridge: the litellm_bridge schema is at version %d, newer than this "
            "release knows (%d): a newer litellm-bridge wrote it; run that release",
            version,
            LATEST,
        )
    _SCHEMA_READY.add(key)
    return version


def schema_version(conn: psycopg.Connection[Any]) -> int | None:
    """The ``litellm_bridge`` schema's recorded version (None before the first migration)."""
    if not fetch(conn, "schema_version_present")[0]["present"]:
        return None
    versions = [row["version"] for row in fetch(conn, "schema_versions")]
    return max(versions, default=None)


@contextmanager
def reconcile_lock(
    conn: psycopg.Connection[Any], timeout: float, *, wait: bool = True
) -> Iterator[None]:
    """Hold the cluster-wide reconcile lock (session advisory lock) for the block: waiting up
    to ``timeout`` for it, or with ``wait=False`` taking it only if it is free now
    (:class:`ReconcileBusy` otherwise)."""
    if not wait:
        with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
            row = cur.execute(_q("try_lock")).fetchone()
        if not row or not row["taken"]:
            raise ReconcileBusy("another litellm-bridge process is reconciling")
    else:
        try:
            conn.execute(f"SET lock_timeout = '{int(timeout * 1000)}ms'".encode())
            conn.execute(_q("lock"))
        except psycopg.errors.LockNotAvailable:
            raise LockTimeout(
                f"another litellm-bridge reconcile held the lock for over {timeout:g}s "
                "(BRIDGE_LOCK_TIMEOUT); it is probably still running, try again later"
            ) from None
        finally:
            conn.execute(b"SET lock_timeout = 0")
    try:
        yield
    finally:
        if not conn.closed and not conn.broken:  # a lost session released its lock
            conn.execute(_q("unlock"))


def read_links(conn: psycopg.Connection[Any]) -> list[Link]:
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(_q("links"))
        return [Link(**row) for row in cur.fetchall()]


def read_links_scoped(
    conn: psycopg.Connection[Any],
    *,
    users: Iterable[str] = (),
    teams: Iterable[str] = (),
    organizations: Iterable[str] = (),
    openwebui_ids: Iterable[str] = (),
) -> list[Link]:
    """Links of the given LiteLLM entities, and any link to the given Open WebUI rows."""
    params = {
        "users": sorted(users),
        "teams": sorted(teams),
        "organizations": sorted(organizations),
        "openwebui_ids": sorted(openwebui_ids),
    }
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(_q("links_scoped"), params)
        return [Link(**row) for row in cur.fetchall()]


def group_link_ids(conn: psycopg.Connection[Any]) -> set[str]:
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(_q("group_link_ids"))
        return {row["openwebui_id"] for row in cur.fetchall()}


def read_model_rows(conn: psycopg.Connection[Any]) -> dict[str, str]:
    """{Open WebUI model id: LiteLLM model name} of the rows the bridge created."""
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(_q("model_rows"))
        return {row["openwebui_id"]: row["model_name"] for row in cur.fetchall()}


def upsert_model_rows(conn: psycopg.Connection[Any], rows: Mapping[str, str]) -> None:
    if rows:
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(
                _q("upsert_model_row"),
                [{"openwebui_id": i, "model_name": n} for i, n in rows.items()],
            )


def upsert_links(conn: psycopg.Connection[Any], rows: Iterable[Mapping[str, Any]]) -> None:
    rows = list(rows)
    if rows:
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(_q("upsert_link"), rows)


def run_link_updates(
    conn: psycopg.Connection[Any], updates: Iterable[tuple[str, dict[str, Any]]]
) -> None:
    """Apply ``(query name, params)`` link updates in one transaction."""
    updates = list(updates)
    if updates:
        with conn.transaction(), conn.cursor() as cur:
            for name, params in updates:
                cur.execute(_q(name), params)


def write_audit(conn: psycopg.Connection[Any], rows: Iterable[AuditRow]) -> int:
    params = [
        {
            "run_id": r.run_id,
            "operation": r.operation,
            "entity_type": r.entity_type,
            "entity_id": r.entity_id,
            "result": r.result,
            "before": Jsonb(dict(r.before)) if r.before is not None else None,
            "after": Jsonb(dict(r.after)) if r.after is not None else None,
            "error": r.error,
            "duration_ms": r.duration_ms,
        }
        for r in rows
    ]
    if params:
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(_q("insert_audit"), params)
    return len(params)


def read_skipped(conn: psycopg.Connection[Any]) -> dict[tuple[str, str], str]:
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(_q("skipped"))
        return {(r["entity_type"], r["entity_id"]): r["reason"] for r in cur.fetchall()}


def update_skipped(
    conn: psycopg.Connection[Any],
    upserts: Iterable[tuple[str, str, str]],
    deletes: Iterable[tuple[str, str]],
) -> None:
    upserts, deletes = list(upserts), list(deletes)
    if not upserts and not deletes:
        return
    with conn.transaction(), conn.cursor() as cur:
        if upserts:
            cur.executemany(
                _q("upsert_skipped"),
                [{"entity_type": t, "entity_id": i, "reason": r} for t, i, r in upserts],
            )
        if deletes:
            cur.executemany(
                _q("delete_skipped"), [{"entity_type": t, "entity_id": i} for t, i in deletes]
            )


def start_run(conn: psycopg.Connection[Any], run_id: str, trigger: str, scope: str) -> None:
    with conn.transaction():
        conn.execute(_q("start_run"), {"id": run_id, "trigger": trigger, "scope": scope})


def finish_run(conn: psycopg.Connection[Any], run_id: str, **fields: Any) -> None:
    values = {
        "openwebui_schema": None,
        "succeeded": 0,
        "failed": 0,
        "skipped": 0,
        "error": None,
    } | fields
    with conn.transaction():
        conn.execute(_q("finish_run"), values | {"id": run_id})


def skipped_count(conn: psycopg.Connection[Any]) -> int:
    """How many entities are skipped now (as the last full run recorded them)."""
    return int(queries_fetch(conn, "bridge.sql", "skipped_count", {})[0]["n"])


def fetch(conn: psycopg.Connection[Any], name: str, **params: Any) -> list[dict[str, Any]]:
    """Run a read-only named query of ``bridge.sql`` (used by the CLI)."""
    return queries_fetch(conn, "bridge.sql", name, params)
