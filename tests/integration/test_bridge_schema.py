"""The bridge's own schema: numbered migrations, applied once each (engine/bridge_db.py).

A fresh install, an install upgraded one migration at a time and a database written by the
previous release (the last commit before numbered migrations, run from git) all end in the
same catalogue; the previous release's accounts, links and audit are taken over as they were.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import psycopg
import pytest

from devtools import litellm_seed as seed
from litellm_bridge_plugin.engine import bridge_db
from litellm_bridge_plugin.engine.sync import reconcile
from litellm_bridge_plugin.ops.cli import main
from litellm_bridge_plugin.queries import read_sql_file
from litellm_bridge_plugin.settings import load_settings
from tests.fixtures.support import Databases

ROOT = Path(__file__).resolve().parents[2]
PREVIOUS_RELEASE = "d04a3e49fd791ad5b068f91096f5d0e750fa9f19"
"""The last commit whose bridge schema was re-applied with IF NOT EXISTS (schema.sql)."""

CATALOGUE = """
SELECT 'column' AS kind, table_name || '.' || column_name AS name,
       concat_ws(' ', data_type, is_nullable, column_default) AS definition
FROM information_schema.columns WHERE table_schema = 'litellm_bridge'
UNION ALL
SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = 'litellm_bridge'
UNION ALL
SELECT 'constraint', conrelid::regclass || '.' || conname, pg_get_constraintdef(oid)
FROM pg_constraint WHERE connamespace = 'litellm_bridge'::regnamespace
UNION ALL
SELECT 'view', viewname, definition FROM pg_views WHERE schemaname = 'litellm_bridge'
ORDER BY 1, 2
"""


def _catalogue(conn: psycopg.Connection[Any]) -> list[tuple[str, str, str]]:
    with conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
        return [tuple(r) for r in cur.execute(CATALOGUE).fetchall()]


def _fresh(databases: Databases) -> psycopg.Connection[Any]:
    """An empty litellm_bridge schema owned by the bridge's role (as `grants` makes it)."""
    conn = databases.bridge_litellm()
    role = conn.execute("SELECT current_user AS role").fetchone()["role"]  # type: ignore[index]
    admin = databases.litellm()
    admin.execute("DROP SCHEMA IF EXISTS litellm_bridge CASCADE")
    admin.execute(f'CREATE SCHEMA litellm_bridge AUTHORIZATION "{role}"')
    return conn


def test_every_migration_is_applied_once_and_recorded(databases: Databases) -> None:
    conn = _fresh(databases)
    assert bridge_db.schema_version(conn) is None
    assert bridge_db.ensure_schema(conn, force=True) == bridge_db.LATEST
    assert bridge_db.schema_version(conn) == bridge_db.LATEST
    names = [m.name for m in bridge_db.migrations()]
    recorded = conn.execute("SELECT name FROM litellm_bridge.schema_version ORDER BY version")
    assert [r["name"] for r in recorded.fetchall()] == names
    before = _catalogue(conn)
    bridge_db.ensure_schema(conn, force=True)  # nothing left to apply
    assert _catalogue(conn) == before
    assert len(bridge_db.migrations()) == bridge_db.LATEST >= 2


def test_a_fresh_install_equals_one_upgraded_through_every_migration(
    databases: Databases,
) -> None:
    conn = _fresh(databases)
    bridge_db.ensure_schema(conn, force=True)
    fresh = _catalogue(conn)
    for stop in range(1, bridge_db.LATEST):
        conn = _fresh(databases)
        with conn.transaction():  # an install that stopped at version `stop`
            conn.execute(read_sql_file("schema.sql").encode())
            for migration in bridge_db.migrations()[:stop]:
                conn.execute(migration.sql.encode())
                conn.execute(
                    "INSERT INTO litellm_bridge.schema_version (version, name) VALUES (%s, %s)",
                    (migration.version, migration.name),
                )
        assert bridge_db.ensure_schema(conn, force=True) == bridge_db.LATEST
        assert _catalogue(conn) == fresh, f"upgraded from version {stop}"


def _previous_release(tmp_path: Path) -> Path:
    """The package as it was at :data:`PREVIOUS_RELEASE`, unpacked from git."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", PREVIOUS_RELEASE, "litellm_bridge_plugin"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    assert archive.returncode == 0, (
        f"git cannot give the previous release {PREVIOUS_RELEASE} (a shallow clone?): "
        f"{archive.stderr.decode()[:300]}"
    )
    target = tmp_path / "previous"
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return target


def test_a_database_written_by_the_previous_release_is_taken_over(
    databases: Databases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed.seed_company(databases.litellm())
    env = os.environ | {
        "PYTHONPATH": str(_previous_release(tmp_path)),
        "BRIDGE_LITELLM_DATABASE_URL": databases.litellm_url,
        "BRIDGE_OPENWEBUI_DATABASE_URL": databases.openwebui_url,
    }
    env.pop("DATABASE_URL", None)
    old = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from litellm_bridge_plugin.ops.cli import main; sys.exit(main(['sync']))",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert old.returncode == 0, old.stdout + old.stderr
    conn = databases.bridge_litellm()
    assert bridge_db.schema_version(conn) is None  # the previous release numbered nothing
    accounts = databases.owui_users()
    links = conn.execute("SELECT * FROM litellm_bridge.link ORDER BY 1, 2").fetchall()
    audit = databases.audit()
    assert accounts and links and audit
    seed.add_user(databases.litellm(), "zoe", "zoe@techcompany.com")
    settings = load_settings(
        litellm_database_url=databases.litellm_url,
        openwebui_database_url=databases.openwebui_url,
    )
    result = reconcile(settings)
    assert result.ok
    assert [o.change.entity_id for o in result.outcomes] == ["zoe"]  # nobody twice
    after = databases.owui_users()
    assert {k: v for k, v in after.items() if k != "zoe@techcompany.com"} == accounts
    kept = conn.execute("SELECT * FROM litellm_bridge.link ORDER BY 1, 2").fetchall()
    assert [k for k in kept if k["litellm_id"] != "zoe"] == links  # linked_by filled in
    assert databases.audit()[: len(audit)] == audit  # none lost
    assert bridge_db.schema_version(conn) == bridge_db.LATEST
    capsys.readouterr()
    os.environ["BRIDGE_LITELLM_DATABASE_URL"] = databases.litellm_url
    os.environ["BRIDGE_OPENWEBUI_DATABASE_URL"] = databases.openwebui_url
    try:
        main(["status", "--json"])
    finally:
        del os.environ["BRIDGE_LITELLM_DATABASE_URL"], os.environ["BRIDGE_OPENWEBUI_DATABASE_URL"]
    assert json.loads(capsys.readouterr().out)["bridge_schema_version"] == bridge_db.LATEST
