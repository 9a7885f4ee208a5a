"""Open WebUI on SQLite: the URL Open WebUI's DATABASE_URL takes, a clear refusal for a missing
file, a file that is no database, one that is not Open WebUI's and one Open WebUI has not
migrated, and the schema generation read from the real releases' SQLite schemas (made by
their own migrations: devtools/openwebui_schemas/*.sqlite.sql)."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from devtools import dbs
from devtools import litellm_seed as seed
from litellm_bridge_plugin.domain import Scope
from litellm_bridge_plugin.errors import DatabaseUnavailable, SchemaError
from litellm_bridge_plugin.openwebui.schema import detect
from litellm_bridge_plugin.settings import Settings
from litellm_bridge_plugin.sqlite import connect_sqlite, sqlite_path
from tests.fixtures.support import Databases

CONFIG = Path(__file__).resolve().parents[2] / "config" / "litellm_config.yaml"


def _snapshot_db(version: str, path: Path) -> Path:
    dbs.make_openwebui_sqlite(path, version)
    return path


def test_urls_as_open_webui_takes_them(tmp_path: Path) -> None:
    assert sqlite_path("sqlite:////data/webui.db") == Path("/data/webui.db")
    assert sqlite_path("sqlite:///data/webui.db", cwd=tmp_path) == tmp_path / "data/webui.db"
    for bad in ("sqlite://host/x.db", "sqlite:///", "sqlite:///:memory:", "postgresql:///x"):
        with pytest.raises(SchemaError):
            sqlite_path(bad)


def test_what_is_wrong_with_a_file_is_said(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnavailable, match="does not exist"):
        connect_sqlite(f"sqlite:///{tmp_path}/missing.db")
    assert not (tmp_path / "missing.db").exists()  # never created by the bridge
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database, just some text " * 100)
    with pytest.raises(SchemaError, match="is not a SQLite database"):
        connect_sqlite(f"sqlite:///{junk}")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE invoices (id integer)").connection.close()
    with (
        connect_sqlite(f"sqlite:///{other}") as conn,
        pytest.raises(SchemaError, match="not an Open WebUI database"),
    ):
        detect(conn)
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).execute("PRAGMA user_version = 0").connection.close()
    with (
        connect_sqlite(f"sqlite:///{empty}") as conn,
        pytest.raises(SchemaError, match="start Open WebUI"),
    ):
        detect(conn)


@pytest.mark.parametrize(("version", "generation"), [("0.12.4", "0.12"), ("0.6.30", "0.6.30")])
def test_the_generation_is_read_from_the_real_sqlite_schema(
    tmp_path: Path, version: str, generation: str
) -> None:
    path = _snapshot_db(version, tmp_path / "webui.db")
    with connect_sqlite(f"sqlite:///{path}") as conn:
        with conn.transaction():
            schema = detect(conn)
        assert schema.generation == generation
        assert schema.revision is not None
        journal = conn.execute("PRAGMA journal_mode").fetchone()
    assert journal == {"journal_mode": "delete"}  # left as Open WebUI made it


def test_transactions_nest_and_roll_back(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    sqlite3.connect(path).execute("CREATE TABLE t (v integer)").connection.close()
    with connect_sqlite(f"sqlite:///{path}") as conn:
        with conn.transaction():
            conn.execute("INSERT INTO t VALUES (%(v)s)", {"v": 1})
            with pytest.raises(RuntimeError), conn.transaction():
                conn.execute("INSERT INTO t VALUES (%(v)s)", {"v": 2})
                raise RuntimeError("undo the inner one only")
        assert conn.execute("SELECT v FROM t").fetchall() == [{"v": 1}]


def _picture(conn: Any) -> dict[str, Any]:
    """Open WebUI's users, groups, members and model readers as the bridge reads them."""
    from litellm_bridge_plugin.openwebui import models
    from litellm_bridge_plugin.openwebui.state import read_state

    with conn.transaction():
        schema = detect(conn)
    state = read_state(conn, schema)
    rows = models.read_rows(conn)
    readers = models.read_readers(conn, schema, list(rows))
    email = {u.id: u.email for u in state.users.values()}
    return {
        "users": sorted(
            (u.email, u.name, u.role, u.active, u.has_auth) for u in state.users.values()
        ),
        "groups": sorted(
            (g.name, g.description, sorted(email[m] for m in g.member_ids))
            for g in state.groups.values()
        ),
        "models": sorted(
            (r.id, r.active, r.marked, sorted(email[u] for u in readers.get(r.id, ())))
            for r in rows.values()
        ),
    }


def test_a_reconcile_into_sqlite_writes_what_it_writes_into_postgresql(
    databases: Databases, settings: Settings, tmp_path: Path
) -> None:
    """The same LiteLLM company (users, teams, keys, a model catalogue), reconciled into the
    release's PostgreSQL schema and into its SQLite schema: the same accounts, groups, members
    and model grants; a second run writes nothing; removing a user deactivates them on both."""
    from litellm_bridge_plugin.engine.sync import reconcile
    from litellm_bridge_plugin.litellm.catalog import ModelSource

    seed.seed_scenario(databases.litellm())
    path = _snapshot_db(databases.version, tmp_path / "webui.db")
    on_sqlite = settings.model_copy(update={"openwebui_database_url": f"sqlite:///{path}"})
    catalog = ModelSource(config=CONFIG)
    first = reconcile(settings, models=catalog)
    assert first.ok
    # the bridge's own tables are per LiteLLM database: a second LiteLLM copy for SQLite
    with databases.litellm() as admin:
        admin.execute("DELETE FROM litellm_bridge.link")
        admin.execute("DELETE FROM litellm_bridge.model_row")
    on_file = reconcile(on_sqlite, models=catalog)
    assert on_file.ok, [o.error for o in on_file.outcomes if o.error]
    assert len(on_file.outcomes) == len(first.outcomes)
    with connect_sqlite(f"sqlite:///{path}") as lite:
        assert _picture(lite) == _picture(databases.openwebui())
    assert reconcile(on_sqlite, models=catalog).outcomes == []  # in sync: no write
    seed.delete_user(databases.litellm(), "bob")
    planned = reconcile(on_sqlite, models=catalog, dry_run=True)  # plans, writes nothing
    assert "deactivate_user" in {c.operation for c in planned.planned} and not planned.outcomes
    scoped = reconcile(on_sqlite, Scope(users=frozenset({"bob"})), models=catalog)
    assert scoped.ok  # the run a change signal or the outbox makes
    assert "deactivate_user" in {o.change.operation for o in scoped.outcomes}
    assert reconcile(on_sqlite, models=catalog).outcomes == []  # the full run agrees
    with connect_sqlite(f"sqlite:///{path}") as lite:
        bob = [u for u in _picture(lite)["users"] if u[0] == "bob@techcompany.com"]
    assert bob and bob[0][3] is False  # deactivated by the scoped run, as on PostgreSQL


def test_status_verify_user_and_doctor_on_sqlite(
    databases: Databases,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The operator commands read Open WebUI's SQLite file as they read PostgreSQL."""
    import json

    from litellm_bridge_plugin.ops import cli

    seed.seed_scenario(databases.litellm())
    path = _snapshot_db(databases.version, tmp_path / "webui.db")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("BRIDGE_LITELLM_DATABASE_URL", settings.litellm_database_url)
    monkeypatch.setenv("BRIDGE_OPENWEBUI_DATABASE_URL", f"sqlite:///{path}")  # as an operator
    assert cli.main(["sync"]) == 0
    capsys.readouterr()
    assert cli.main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["openwebui"]["users"] == 6 and "generation" in status["openwebui"]["schema"]
    assert cli.main(["verify-user", "alice@techcompany.com", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["openwebui"]["active"] is True and found["openwebui"]["groups"], found
    assert found["openwebui"]["visible_models"] is not None, found
    code = cli.main(["doctor", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code in (0, 1), report
    checks = {c["name"]: c for c in report}
    assert checks["openwebui file"]["result"] == "ok", checks["openwebui file"]
    assert "journal mode delete" in checks["openwebui file"]["detail"]
    assert "openwebui privileges" not in checks  # SQLite has none: the file's rights decide
    assert checks["openwebui schema"]["result"] == "ok"
    path.chmod(0o444)  # read-only for the bridge's user (tests run as root: skip then)
    if not os.access(path, os.W_OK):
        cli.main(["doctor", "--json"])
        checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)}
        assert checks["openwebui file"]["result"] == "fail"


def test_a_locked_file_is_waited_for_and_a_lock_that_outlasts_the_tries_loses_nothing(
    databases: Databases,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Open WebUI in a long write transaction holds the file's write lock: the bridge waits
    (busy timeout), tries the batch again, and a lock that outlasts every try stops the run
    with nothing half-written and nothing recorded as FAILED; the next run converges."""
    from litellm_bridge_plugin import sqlite as sqlite_module
    from litellm_bridge_plugin.engine import apply
    from litellm_bridge_plugin.engine.sync import reconcile

    monkeypatch.setattr(sqlite_module, "BUSY_TIMEOUT_MS", 500)
    monkeypatch.setattr(apply, "LOCKED_PAUSE", 0.05)
    seed.seed_company(databases.litellm())
    path = _snapshot_db(databases.version, tmp_path / "webui.db")
    on_sqlite = settings.model_copy(update={"openwebui_database_url": f"sqlite:///{path}"})
    open_webui = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    def hold_the_write_lock() -> None:  # as Open WebUI's own write transaction does
        open_webui.execute("BEGIN IMMEDIATE")
        open_webui.execute("UPDATE config SET updated_at = updated_at")

    hold_the_write_lock()
    release = threading.Timer(0.7, open_webui.execute, ("COMMIT",))  # past one busy timeout
    release.start()
    with caplog.at_level("WARNING"):
        first = reconcile(on_sqlite)
    release.join()
    assert first.ok and first.succeeded > 0
    assert "locked by another writer" in caplog.text
    assert [r for r in databases.audit() if r["result"] == "FAILED"] == []

    seed.add_user(databases.litellm(), "late", "late@x.com")
    hold_the_write_lock()
    try:
        with pytest.raises(DatabaseUnavailable, match="stayed locked by another writer"):
            reconcile(on_sqlite)
    finally:
        open_webui.execute("COMMIT")
    assert [r for r in databases.audit() if r["result"] == "FAILED"] == []
    with connect_sqlite(f"sqlite:///{path}") as lite:
        late = lite.execute("SELECT id FROM \"user\" WHERE email = 'late@x.com'").fetchall()
        assert late == []
    assert reconcile(on_sqlite).ok
    with connect_sqlite(f"sqlite:///{path}") as lite:
        late = lite.execute("SELECT id FROM \"user\" WHERE email = 'late@x.com'").fetchall()
        assert len(late) == 1
    open_webui.close()
