"""Create, fill and drop the PostgreSQL databases that tests, the demo and benchmarks use.

LiteLLM's schema comes from the migrations of the installed ``litellm_proxy_extras`` (the
same SQL files LiteLLM applies); Open WebUI's from snapshots that
``devtools/openwebui_snapshot.py`` takes after running a real Open WebUI's own migrations.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

SNAPSHOTS = Path(__file__).with_name("openwebui_schemas")
OPENWEBUI_VERSIONS = ("0.6.30", "0.12.4")
"""The two ends of the supported range: most tests run on these two."""
OPENWEBUI_GENERATIONS = ("0.6.30", "0.6.37", "0.6.41", "0.8.12", "0.12.4")
"""One release per schema generation the bridge supports (group_user_ids JSON; group_member
table; api_key table and user.oauth; access_grant table; session_stamp and key/value config):
the sync tests run on each, from that release's own migrations (openwebui_schemas/)."""
LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_url() -> str:
    """The maintenance URL of the server to use: ``BRIDGE_TEST_DATABASE_URL`` or local."""
    return os.environ.get("BRIDGE_TEST_DATABASE_URL") or LOCAL_SERVER


def database_url(server: str, name: str) -> str:
    """``server`` with its database name replaced by ``name``."""
    return urlunsplit(urlsplit(server)._replace(path="/" + name))


def ensure_local_server() -> None:
    """Start the machine's PostgreSQL cluster if it is installed and not answering."""
    try:
        psycopg.connect(LOCAL_SERVER, connect_timeout=3).close()
        return
    except psycopg.OperationalError:
        pass
    clusters = Path("/etc/postgresql")
    if not clusters.is_dir() or shutil.which("pg_ctlcluster") is None:
        raise RuntimeError("PostgreSQL is not running at 127.0.0.1:5432 and is not installed")
    version = sorted(p.name for p in clusters.iterdir())[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=True
    )


def create_database(server: str, name: str, template: str | None = None) -> str:
    """Create database ``name`` (dropping an old one of that name) and return its URL."""
    drop_database(server, name)
    with psycopg.connect(server, autocommit=True) as conn:
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            query = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        conn.execute(query)
    return database_url(server, name)


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def litellm_migrations() -> list[Path]:
    """LiteLLM's migration files in the order LiteLLM applies them."""
    import litellm_proxy_extras

    root = Path(litellm_proxy_extras.__file__).parent / "migrations"
    return sorted(root.glob("*/migration.sql"), key=lambda p: p.parent.name)


def apply_litellm_schema(url: str) -> int:
    """Apply every LiteLLM migration to the empty database at ``url``; return how many."""
    files = litellm_migrations()
    with psycopg.connect(url, autocommit=True) as conn:
        for path in files:
            conn.execute(path.read_text(encoding="utf-8").encode())
    return len(files)


def apply_openwebui_schema(url: str, version: str) -> None:
    """Load the Open WebUI ``version`` schema snapshot into the empty database at ``url``."""
    snapshot = SNAPSHOTS / f"openwebui-{version}.sql"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(snapshot.read_text(encoding="utf-8").encode())


def make_openwebui_sqlite(path: Path, version: str) -> str:
    """Open WebUI ``version``'s SQLite file at ``path`` (its schema made by its own
    migrations, ``openwebui-<version>.sqlite.sql``); returns its URL."""
    import sqlite3

    snapshot = SNAPSHOTS / f"openwebui-{version}.sqlite.sql"
    made = sqlite3.connect(path)
    try:
        made.executescript(snapshot.read_text(encoding="utf-8"))
    finally:
        made.close()
    return f"sqlite:///{path}"


@contextmanager
def scratch_databases(prefix: str, version: str) -> Iterator[tuple[str, str]]:
    """A LiteLLM and an Open WebUI database with real schemas, dropped afterwards."""
    server = server_url()
    litellm_name, openwebui_name = f"{prefix}_litellm", f"{prefix}_openwebui"
    litellm_url = create_database(server, litellm_name)
    openwebui_url = create_database(server, openwebui_name)
    try:
        apply_litellm_schema(litellm_url)
        apply_openwebui_schema(openwebui_url, version)
        yield litellm_url, openwebui_url
    finally:
        drop_database(server, litellm_name)
        drop_database(server, openwebui_name)
