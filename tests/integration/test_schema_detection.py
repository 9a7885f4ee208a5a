"""Open WebUI's layout is read from the live database; unknown layouts are refused."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from devtools import dbs
from devtools import litellm_seed as seed
from litellm_bridge_plugin.engine.sync import reconcile
from litellm_bridge_plugin.errors import SchemaError
from litellm_bridge_plugin.openwebui.schema import detect
from litellm_bridge_plugin.settings import Settings, load_settings
from tests.fixtures.support import Databases


@pytest.fixture
def empty_db(pg_server: str) -> Iterator[str]:
    name = f"t_{uuid.uuid4().hex[:10]}_empty"
    url = dbs.create_database(pg_server, name)
    yield url
    dbs.drop_database(pg_server, name)


GENERATIONS = {  # release: (generation, members, api keys, sso, config, alembic revision)
    "0.6.30": ("0.6.30", "user_ids", "column", "oauth_sub", "document", "38d63c18f30f"),
    "0.6.37": ("0.6.37", "group_member", "column", "oauth_sub", "document", "37f288994c47"),
    "0.6.41": ("0.6.41", "group_member", "table", "oauth", "document", "3e0e00844bb0"),
    "0.8.12": ("0.8", "group_member", "table", "oauth", "document", "b2c3d4e5f6a7"),
    "0.12.4": ("0.12", "group_member", "table", "oauth", "rows", "0bd252b206fb"),
}


def test_detects_each_supported_generation(every_generation: Databases) -> None:
    """Each release's own migrations (PostgreSQL and SQLite) read as its generation."""
    assert set(GENERATIONS) == set(dbs.OPENWEBUI_GENERATIONS)
    with every_generation.openwebui() as conn:
        schema = detect(conn)
    generation, members, api_keys, sso, config, revision = GENERATIONS[every_generation.version]
    assert (schema.generation, schema.membership, schema.api_keys) == (
        generation,
        members,
        api_keys,
    )
    assert (schema.sso, schema.config, schema.revision) == (sso, config, revision)
    assert schema.access_grant == (not every_generation.grants_in_json)
    assert schema.session_stamp == every_generation.session_stamp


def test_unmigrated_database_is_refused_with_the_fix(empty_db: str) -> None:
    with psycopg.connect(empty_db) as conn, pytest.raises(SchemaError) as caught:
        detect(conn)
    assert "no table 'user'" in str(caught.value)
    assert "start Open WebUI" in str(caught.value)


def test_missing_column_is_refused(databases: Databases) -> None:
    with databases.openwebui() as conn:
        conn.execute("ALTER TABLE auth DROP COLUMN active")
    with psycopg.connect(databases.openwebui_url) as conn, pytest.raises(SchemaError) as caught:
        detect(conn)
    assert "'auth' lacks column(s) active" in str(caught.value)


def test_unknown_required_column_stops_every_write(
    databases: Databases, settings: Settings
) -> None:
    seed.seed_company(databases.litellm())
    with databases.openwebui() as conn:
        conn.execute('ALTER TABLE "user" ADD COLUMN tenant_id text NOT NULL')
    writes = databases.owui_counts()["writes"]
    with pytest.raises(SchemaError) as caught:
        reconcile(settings)
    assert "requires column(s) tenant_id" in str(caught.value)
    assert databases.owui_counts()["writes"] == writes
    assert databases.owui_users() == {}


def test_reconcile_refuses_an_unmigrated_open_webui(databases: Databases, empty_db: str) -> None:
    settings = load_settings(
        litellm_database_url=databases.litellm_url, openwebui_database_url=empty_db
    )
    seed.seed_company(databases.litellm())
    with pytest.raises(SchemaError):
        reconcile(settings)
    with psycopg.connect(empty_db) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert tables == (0,)
