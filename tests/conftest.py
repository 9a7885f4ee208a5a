"""Databases for the tests: real PostgreSQL, LiteLLM's real migrations, Open WebUI snapshots.

The server is ``BRIDGE_TEST_DATABASE_URL`` when set, else a testcontainers PostgreSQL when a
Docker engine answers, else the local server at 127.0.0.1:5432. Each session builds one
template database per schema and each test gets fresh copies, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

# LiteLLM fetches its model cost map from the internet at import unless told not to.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import psycopg
import pytest

from devtools import dbs
from litellm_bridge_plugin.settings import Settings, load_settings

from .roles import as_bridge
from .support import Databases, owui_save_signup_role


def _docker_server() -> Iterator[str] | None:
    try:
        import docker  # type: ignore[import-untyped]

        docker.from_env().ping()
    except Exception:
        return None
    from testcontainers.postgres import PostgresContainer

    def run() -> Iterator[str]:
        with PostgresContainer("postgres:15", driver=None) as container:
            yield container.get_connection_url()

    return run()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    if os.environ.get("BRIDGE_TEST_DATABASE_URL"):
        yield dbs.server_url()
        return
    container = _docker_server()
    if container is not None:
        yield from container
        return
    dbs.ensure_local_server()
    yield dbs.LOCAL_SERVER


@pytest.fixture(scope="session")
def templates(pg_server: str) -> Iterator[dict[str, str]]:
    """Template databases: 'litellm' plus one per Open WebUI version."""
    tag = uuid.uuid4().hex[:8]
    names = {"litellm": f"tpl_{tag}_litellm"}
    dbs.apply_litellm_schema(dbs.create_database(pg_server, names["litellm"]))
    for version in dbs.OPENWEBUI_VERSIONS:
        name = f"tpl_{tag}_owui_{version.replace('.', '_')}"
        url = dbs.create_database(pg_server, name)
        dbs.apply_openwebui_schema(url, version)
        with psycopg.connect(url, autocommit=True) as conn:
            # Open WebUI's default, saved as Open WebUI saves it (see owui_save_signup_role)
            owui_save_signup_role(conn, "pending")
        names[version] = name
    yield names
    for name in names.values():
        dbs.drop_database(pg_server, name)


@pytest.fixture(params=dbs.OPENWEBUI_VERSIONS, ids=lambda v: f"owui-{v}")
def databases(
    request: pytest.FixtureRequest, pg_server: str, templates: dict[str, str]
) -> Iterator[Databases]:
    """A fresh LiteLLM database and Open WebUI database (one per supported version)."""
    version: str = request.param
    tag = uuid.uuid4().hex[:10]
    litellm_name, openwebui_name = f"t_{tag}_litellm", f"t_{tag}_owui"
    admin_litellm = dbs.create_database(pg_server, litellm_name, templates["litellm"])
    admin_openwebui = dbs.create_database(pg_server, openwebui_name, templates[version])
    found = Databases(
        version=version,
        litellm_url=as_bridge(admin_litellm, "litellm"),
        openwebui_url=as_bridge(admin_openwebui, "openwebui"),
        admin_litellm_url=admin_litellm,
        admin_openwebui_url=admin_openwebui,
    )
    try:
        yield found
    finally:
        found.close()
        dbs.drop_database(pg_server, litellm_name)
        dbs.drop_database(pg_server, openwebui_name)


@pytest.fixture
def settings(databases: Databases) -> Settings:
    return load_settings(
        litellm_database_url=databases.litellm_url,
        openwebui_database_url=databases.openwebui_url,
    )
