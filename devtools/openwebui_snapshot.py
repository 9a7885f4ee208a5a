"""Take a schema snapshot of a real Open WebUI release, for tests and the demo.

Runs the release's own migrations (its Alembic ``upgrade head``, the call ``open-webui serve``
makes at start; importing ``open_webui.internal.db`` first runs the peewee migrations older
releases still have) against a scratch PostgreSQL database, then dumps the schema plus the
migration bookkeeping rows with ``pg_dump``.

    python -m devtools.openwebui_snapshot --version 0.12.4 --python /path/to/venv/bin/python
    python -m devtools.openwebui_snapshot --version 0.12.4 --python ... --sqlite

With ``--sqlite`` the same migrations run against a scratch SQLite file (Open WebUI's default
database) and the snapshot is that file's SQL text (``sqlite3``'s ``iterdump``: schema plus the
migration bookkeeping rows), ``openwebui-<version>.sqlite.sql``.

The Open WebUI install needs ``psycopg2-binary`` (see README, "Open WebUI schema snapshots").
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from urllib.parse import urlsplit

from devtools import dbs

BOOKKEEPING_TABLES = ("alembic_version", "migratehistory")
MIGRATE = """
import pathlib
import open_webui, open_webui.internal.db
from alembic import command
from alembic.config import Config
root = pathlib.Path(open_webui.__file__).parent
config = Config(str(root / "alembic.ini"))
config.set_main_option("script_location", str(root / "migrations"))
command.upgrade(config, "head")
"""


def _pg_dump(url: str, *args: str) -> str:
    parts = urlsplit(url)
    env = {**os.environ, "PGPASSWORD": parts.password or ""}
    command = [
        "pg_dump",
        "--no-owner",
        "--no-privileges",
        "-h",
        parts.hostname or "127.0.0.1",
        "-p",
        str(parts.port or 5432),
        "-U",
        parts.username or "postgres",
        *args,
        parts.path.lstrip("/"),
    ]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout


def _strip_dump(text: str) -> str:
    # psql meta-commands (\restrict in newer pg_dump) cannot run through a driver.
    return "\n".join(line for line in text.splitlines() if not line.startswith("\\")) + "\n"


def snapshot(version: str, python: str) -> str:
    """Migrate a scratch database with Open WebUI ``version`` and return the dump."""
    server = dbs.server_url()
    name = "owui_snapshot_" + version.replace(".", "_")
    url = dbs.create_database(server, name)
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            env = {
                **os.environ,
                "DATA_DIR": data_dir,
                "DATABASE_URL": url,
                "OFFLINE_MODE": "true",
                "HF_HUB_OFFLINE": "1",
                "WEBUI_SECRET_KEY": "snapshot-only",
            }
            subprocess.run([python, "-c", MIGRATE], env=env, check=True)
        schema = _pg_dump(url, "--schema-only")
        with dbs.psycopg.connect(url) as conn:
            present = [
                t
                for t in BOOKKEEPING_TABLES
                if conn.execute("SELECT to_regclass(%s)", (f"public.{t}",)).fetchone()[0]  # type: ignore[index]
            ]
        data = _pg_dump(url, "--data-only", "--inserts", *[f"--table=public.{t}" for t in present])
    finally:
        dbs.drop_database(server, name)
    header = (
        f"-- Open WebUI {version} schema, made by its own migrations on PostgreSQL.\n"
        "-- Regenerate: python -m devtools.openwebui_snapshot --version "
        f"{version} --python <venv>/bin/python\n"
    )
    return header + _strip_dump(schema) + _strip_dump(data)


def snapshot_sqlite(version: str, python: str) -> str:
    """Migrate a scratch SQLite file with Open WebUI ``version`` and return its SQL text."""
    import sqlite3

    with tempfile.TemporaryDirectory() as data_dir:
        path = os.path.join(data_dir, "webui.db")
        env = {
            **os.environ,
            "DATA_DIR": data_dir,
            "DATABASE_URL": f"sqlite:///{path}",
            "OFFLINE_MODE": "true",
            "HF_HUB_OFFLINE": "1",
            "WEBUI_SECRET_KEY": "snapshot-only",
        }
        subprocess.run([python, "-c", MIGRATE], env=env, check=True)
        conn = sqlite3.connect(path)
        try:
            lines = [
                line
                for line in conn.iterdump()
                if not line.startswith("INSERT INTO")
                or any(f'INSERT INTO "{t}"' in line for t in BOOKKEEPING_TABLES)
            ]
        finally:
            conn.close()
    header = (
        f"-- Open WebUI {version} schema, made by its own migrations on SQLite.\n"
        "-- Regenerate: python -m devtools.openwebui_snapshot --version "
        f"{version} --python <venv>/bin/python --sqlite\n"
    )
    return header + "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", required=True, help="Open WebUI release, e.g. 0.12.4")
    parser.add_argument("--python", required=True, help="python of a venv with that release")
    parser.add_argument("--sqlite", action="store_true", help="snapshot Open WebUI on SQLite")
    args = parser.parse_args()
    if args.sqlite:
        text = snapshot_sqlite(args.version, args.python)
        target = dbs.SNAPSHOTS / f"openwebui-{args.version}.sqlite.sql"
    else:
        text = snapshot(args.version, args.python)
        target = dbs.SNAPSHOTS / f"openwebui-{args.version}.sql"
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target} ({len(text.splitlines())} lines)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
