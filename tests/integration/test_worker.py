"""Changes made by SQL reach Open WebUI through the outbox worker, and nothing is lost.

Timeouts here are generous ceilings for a loaded CI machine, not performance claims: the
latency figures come from bench/latency.py.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from devtools import litellm_seed as seed
from litellm_bridge_plugin.capture import outbox, triggers
from litellm_bridge_plugin.engine import bridge_db
from litellm_bridge_plugin.engine.results import failed_entities
from litellm_bridge_plugin.engine.sync import reconcile
from litellm_bridge_plugin.engine.worker import BridgeWorker
from litellm_bridge_plugin.settings import Settings, load_settings
from litellm_bridge_plugin.sqlite import sqlite_path
from tests.fixtures.databases import on_both
from tests.fixtures.support import Databases, owui_slow_inserts
from tests.fixtures.tcp_proxy import TcpProxy


@pytest.fixture
def databases(request: pytest.FixtureRequest, both_databases: Databases) -> Databases:
    """Every test here runs on PostgreSQL and on SQLite (Open WebUI's default)."""
    return on_both(request, both_databases)


only_newest = pytest.mark.parametrize("databases", ["0.12.4"], indirect=True)


def wait_for(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


def _settings(databases: Databases, **overrides: Any) -> Settings:
    values = {
        "litellm_database_url": databases.litellm_url,
        "openwebui_database_url": databases.openwebui_url,
        "poll_interval": 0.5,
        "sweep_interval": 600,
    } | overrides
    return load_settings(**values)


def _pending(databases: Databases) -> int:
    with databases.litellm() as conn:
        row = conn.execute("SELECT count(*) AS n FROM litellm_bridge.outbox").fetchone()
    return int(row["n"])


def _links(databases: Databases) -> int:
    with databases.litellm() as conn:
        row = conn.execute("SELECT count(*) AS n FROM litellm_bridge.link").fetchone()
    return int(row["n"])


def _in_sync(settings: Settings) -> bool:
    return reconcile(settings, dry_run=True).planned == ()


@pytest.fixture
def captured(databases: Databases) -> Databases:
    bridge = databases.bridge_litellm()
    bridge_db.ensure_schema(bridge)
    triggers.install(bridge)
    return databases


@pytest.fixture
def thread_worker(captured: Databases) -> Iterator[Callable[..., BridgeWorker]]:
    workers: list[BridgeWorker] = []

    def start(**overrides: Any) -> BridgeWorker:
        worker = BridgeWorker(_settings(captured, **overrides), sweeps=False)
        worker.start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def _worker_process(settings_env: dict[str, str], log: Path) -> subprocess.Popen[Any]:
    command = [str(Path(sys.executable).with_name("litellm-bridge")), "worker", "--no-sweep"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")} | settings_env
    return subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def _env(litellm_url: str, openwebui_url: str, **extra: str) -> dict[str, str]:
    return {
        "BRIDGE_LITELLM_DATABASE_URL": litellm_url,
        "BRIDGE_OPENWEBUI_DATABASE_URL": openwebui_url,
        "BRIDGE_POLL_INTERVAL": "0.5",
        "BRIDGE_SWEEP_INTERVAL": "2",
    } | extra


def test_sql_changes_on_each_table_reach_open_webui(
    captured: Databases, thread_worker: Callable[..., BridgeWorker]
) -> None:
    thread_worker()
    conn = captured.litellm()
    seed.add_organization(conn, "o1", "Org One")
    seed.add_team(conn, "t1", "Team One", "o1")
    seed.add_user(conn, "u1", "U1@x.com", "User One", organization_id="o1")
    wait_for(
        lambda: (
            "u1@x.com" in captured.owui_users()
            and set(captured.owui_groups()) == {"Org One", "Team One"}
        ),
        "user and groups",
    )
    seed.add_team_member(conn, "u1", "t1")
    wait_for(
        lambda: captured.owui_groups()["Team One"]["members"] == {"u1@x.com"}, "team membership"
    )
    conn.execute("UPDATE \"LiteLLM_UserTable\" SET user_role = 'proxy_admin' WHERE user_id = 'u1'")
    wait_for(lambda: captured.owui_users()["u1@x.com"]["role"] == "admin", "role change")
    conn.execute('UPDATE "LiteLLM_OrganizationTable" SET organization_alias = %s', ("Org Renamed",))
    wait_for(lambda: "Org Renamed" in captured.owui_groups(), "organisation rename")
    seed.delete_team(conn, "t1")
    wait_for(lambda: "Team One" not in captured.owui_groups(), "team deletion")
    seed.delete_user(conn, "u1")
    wait_for(lambda: captured.owui_users()["u1@x.com"]["active"] is False, "deactivation")
    wait_for(lambda: _pending(captured) == 0, "an empty outbox")


def test_spend_updates_cost_no_outbox_rows_and_no_work(
    captured: Databases, thread_worker: Callable[..., BridgeWorker]
) -> None:
    conn = captured.litellm()
    seed.seed_company(conn)
    worker = thread_worker()
    wait_for(lambda: _pending(captured) == 0 and len(captured.owui_users()) == 3, "first sync")
    inserted_before = _outbox_inserts(conn)
    for _ in range(50):
        conn.execute(
            'UPDATE "LiteLLM_UserTable" SET spend = spend + 0.5, updated_at = now() '
            "WHERE user_id = 'alice'"
        )
    assert _outbox_inserts(conn) == inserted_before  # not one row, even consumed at once
    conn.execute(
        'UPDATE "LiteLLM_UserTable" SET user_alias = %s WHERE user_id = %s', ("Alice B.", "alice")
    )
    assert _outbox_inserts(conn) == inserted_before + 1  # the counter does see real changes
    wait_for(
        lambda: captured.owui_users()["alice@techcompany.com"]["name"] == "Alice B.",
        "the real change",
    )
    assert worker.last_error is None


def _outbox_inserts(conn: Any) -> int:
    """Rows ever inserted into the outbox, from the statistics (own writes flushed first)."""
    conn.execute("SELECT pg_stat_force_next_flush()")
    conn.execute("SELECT pg_stat_clear_snapshot()")
    row = conn.execute(
        "SELECT n_tup_ins FROM pg_stat_user_tables "
        "WHERE schemaname = 'litellm_bridge' AND relname = 'outbox'"
    ).fetchone()
    return int(row["n_tup_ins"])


@only_newest
def test_kill_9_mid_batch_loses_nothing(captured: Databases, tmp_path: Path) -> None:
    with captured.openwebui() as owui:  # slow Open WebUI down so the kill lands mid-batch
        owui_slow_inserts(owui)
    conn = captured.litellm()
    with conn.transaction():
        for i in range(300):
            seed.add_user(conn, f"u{i}", f"user{i}@x.com")
    env = _env(captured.litellm_url, captured.openwebui_url)
    first = _worker_process(env, tmp_path / "first.log")
    try:
        # links are committed just before the Open WebUI transaction of their batch starts
        wait_for(lambda: _links(captured) > 0, "the first worker to start a batch")
        time.sleep(0.5)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert len(captured.owui_users()) < 300, "the kill should land mid-batch"
    assert _pending(captured) > 0
    second = _worker_process(env, tmp_path / "second.log")
    try:
        wait_for(lambda: _pending(captured) == 0, "the second worker to drain the outbox", 120)
    finally:
        second.terminate()
        second.wait(20)
    assert len(captured.owui_users()) == 300
    assert _in_sync(_settings(captured))


def _via_proxy(url: str, proxy: TcpProxy) -> str:
    parts = urlsplit(url)
    return urlunsplit(
        parts._replace(netloc=f"{parts.username or 'postgres'}@127.0.0.1:{proxy.port}")
    )


@only_newest
def test_open_webui_cut_off_during_a_burst_then_converges(
    captured: Databases, tmp_path: Path
) -> None:
    if captured.on_sqlite:
        pytest.skip("a file has no connection to cut: the locked-file test stands for it")
    parts = urlsplit(captured.openwebui_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    env = _env(
        captured.litellm_url, _via_proxy(captured.openwebui_url, proxy), BRIDGE_MAX_ATTEMPTS="1000"
    )
    worker = _worker_process(env, tmp_path / "worker.log")
    conn = captured.litellm()
    try:
        seed.add_team(conn, "t", "Burst Team")
        for i in range(1000):
            seed.add_user(conn, f"u{i}", f"burst{i}@x.com")
            if i % 10 == 0:
                seed.add_team_member(conn, f"u{i}", "t")
            if i == 300:
                proxy.cut()
        time.sleep(2)
        assert len(captured.owui_users()) < 1000
        proxy.restore()
        wait_for(lambda: _pending(captured) == 0, "the outbox to drain after the cut", 180)
    finally:
        worker.terminate()
        worker.wait(20)
        proxy.close()
    assert len(captured.owui_users()) == 1000
    assert len(captured.owui_groups()["Burst Team"]["members"]) == 100
    assert _in_sync(_settings(captured))


@only_newest
def test_open_webui_locked_during_a_burst_then_converges(
    captured: Databases, tmp_path: Path
) -> None:
    """Open WebUI on SQLite holds the file's write lock for 8 s, past the bridge's 5 s busy
    timeout, in the middle of a burst of 1,000 new people: the worker waits and tries again,
    nothing is lost or recorded as FAILED, and everyone arrives once the lock is let go."""
    if not captured.on_sqlite:
        pytest.skip("SQLite's file lock; PostgreSQL's outage is the cut-off test")
    worker = _worker_process(
        _env(captured.litellm_url, captured.openwebui_url), tmp_path / "worker.log"
    )
    open_webui = sqlite3.connect(sqlite_path(captured.openwebui_url), isolation_level=None)
    conn = captured.litellm()
    try:
        seed.add_team(conn, "t", "Burst Team")
        for i in range(1000):
            seed.add_user(conn, f"u{i}", f"burst{i}@x.com")
            if i % 10 == 0:
                seed.add_team_member(conn, f"u{i}", "t")
            if i == 300:  # as Open WebUI's own long write transaction would
                open_webui.execute("BEGIN IMMEDIATE")
                open_webui.execute("UPDATE config SET updated_at = updated_at")
                locked_at = time.monotonic()
        time.sleep(max(0.0, 8 - (time.monotonic() - locked_at)))
        open_webui.execute("COMMIT")
        wait_for(lambda: _pending(captured) == 0, "the outbox to drain after the lock", 180)
    finally:
        worker.terminate()
        worker.wait(20)
        open_webui.close()
    assert len(captured.owui_users()) == 1000
    assert len(captured.owui_groups()["Burst Team"]["members"]) == 100
    assert [r for r in captured.audit() if r["result"] == "FAILED"] == []
    assert "locked by another writer" in (tmp_path / "worker.log").read_text()
    assert _in_sync(_settings(captured))


@only_newest
def test_three_workers_converge_without_duplicates(captured: Databases, tmp_path: Path) -> None:
    env = _env(captured.litellm_url, captured.openwebui_url)
    workers = [_worker_process(env, tmp_path / f"w{i}.log") for i in range(3)]
    conn = captured.litellm()
    try:
        seed.seed_company(conn)
        for i in range(200):
            seed.add_user(conn, f"u{i}", f"many{i}@x.com")
            seed.add_team_member(conn, f"u{i}", "team-product")
            if i % 20 == 0:
                conn.execute(
                    'UPDATE "LiteLLM_TeamTable" SET team_alias = %s '
                    "WHERE team_id = 'team-product'",
                    (f"Product v{i}",),
                )
        wait_for(lambda: _pending(captured) == 0, "three workers to drain the outbox", 120)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(20)
    for i in range(len(workers)):
        log = (tmp_path / f"w{i}.log").read_text()
        assert "deadlock" not in log.lower() and "Traceback" not in log, log[-2000:]
    with captured.openwebui() as owui:
        dupes = owui.execute('SELECT lower(email) FROM "user" GROUP BY 1 HAVING count(*) > 1')
        assert dupes.fetchall() == []
    assert len(captured.owui_users()) == 203
    assert captured.owui_groups()["Product v180"]["members"] >= {"many0@x.com", "many199@x.com"}
    assert _in_sync(_settings(captured))


def test_outbox_failures_back_off_and_park(captured: Databases) -> None:
    conn = captured.litellm()
    seed.add_user(conn, "u1", "u1@x.com")
    settings = _settings(captured, max_attempts=2)

    def broken(_settings: Settings, _scope: Any) -> Any:
        from litellm_bridge_plugin.errors import DatabaseUnavailable

        raise DatabaseUnavailable("Open WebUI is down (test)")

    first = outbox.drain_once(settings, conn, broken)
    assert (first.claimed, first.failed) == (1, 1)
    assert outbox.drain_once(settings, conn, broken).claimed == 0  # backing off
    conn.execute("UPDATE litellm_bridge.outbox SET next_attempt_at = now()")
    outbox.drain_once(settings, conn, broken)
    dead = outbox.dead_rows(conn)
    assert [(r["entity_id"], r["attempts"]) for r in dead] == [("u1", 2)]
    assert "Open WebUI is down" in dead[0]["last_error"]
    assert outbox.retry_dead(conn) == 1
    done = outbox.drain_once(
        settings, conn, lambda s, scope: failed_entities(reconcile(s, scope, trigger="outbox"))
    )
    assert (done.claimed, done.completed) == (1, 1)
    assert "u1@x.com" in captured.owui_users()


def test_signals_reconcile_at_once_and_carry_passwords_in_memory(
    databases: Databases,
) -> None:
    import bcrypt

    from tests.fixtures.support import owui_add_user

    conn = databases.litellm()
    seed.add_user(conn, "u1", "u1@x.com")
    seed.add_user(conn, "mine", "mine@x.com")
    owui_add_user(databases.openwebui(), "own-id", "mine@x.com", "Mine")
    worker = BridgeWorker(_settings(databases, poll_interval=30), sweeps=False)
    worker.start()
    try:
        worker.submit([("user", "u1")], {"u1": "First-pass-1"})
        wait_for(lambda: "u1@x.com" in databases.owui_users(), "the signalled user")
        hashed = databases.owui_users()["u1@x.com"]["password"].encode()
        assert bcrypt.checkpw(b"First-pass-1", hashed)
        worker.submit([("user", "u1")], {"u1": "Second-pass-2"})
        wait_for(
            lambda: bcrypt.checkpw(
                b"Second-pass-2", databases.owui_users()["u1@x.com"]["password"].encode()
            ),
            "the new password",
        )
        before = databases.owui_users()["mine@x.com"]["password"]
        worker.submit([("user", "mine")], {"mine": "Not-yours-3"})
        wait_for(
            lambda: any(
                r["entity_id"] == "mine" and r["result"] == "SKIPPED" for r in databases.audit()
            ),
            "the refusal to be audited",
        )
        assert databases.owui_users()["mine@x.com"]["password"] == before
    finally:
        worker.stop()
    text = json.dumps([dict(r) for r in databases.audit()], default=str)
    assert "pass-1" not in text and "pass-2" not in text and "Not-yours" not in text


def test_sweeps_repair_changes_without_triggers(databases: Databases) -> None:
    worker = BridgeWorker(_settings(databases, sweep_interval=0.5))
    worker.start()
    try:
        seed.add_user(databases.litellm(), "late", "late@x.com")
        wait_for(lambda: "late@x.com" in databases.owui_users(), "a sweep to add the user")
        # the row is visible before the sweep that wrote it has returned
        wait_for(lambda: worker.last_result is not None, "the sweep to finish")
        assert worker.last_error is None
    finally:
        worker.stop()


@only_newest
def test_a_sweep_skips_while_another_process_reconciles(databases: Databases) -> None:
    """Replicas starting together do one full reconcile between them: a process that finds
    the reconcile lock held skips its start-up reconcile at once (it does not wait out
    BRIDGE_LOCK_TIMEOUT), says so, and still reads LiteLLM's grants for its checks. A CLI run
    still waits for the lock."""
    import logging

    from litellm_bridge_plugin.errors import LockTimeout, ReconcileBusy

    seed.seed_scenario(databases.litellm())
    settings = _settings(databases, lock_timeout=60)
    holder = databases.litellm()
    holder.execute("SELECT pg_advisory_lock(hashtext('litellm_bridge.reconcile'))")
    with pytest.raises(ReconcileBusy):
        reconcile(settings, wait=False)
    with pytest.raises(LockTimeout):
        reconcile(_settings(databases, lock_timeout=0.2))
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    bridge_log = logging.getLogger("litellm_bridge")
    level = bridge_log.level
    bridge_log.setLevel(logging.INFO)
    bridge_log.addHandler(handler)
    grants: list[object] = []
    worker = BridgeWorker(settings, on_access=lambda access, users: grants.append(access))
    started = time.monotonic()
    worker.start()
    try:
        wait_for(lambda: bool(grants), "the grants read without a reconcile", timeout=30)
        assert time.monotonic() - started < 30  # did not wait for the 60 s lock timeout
        assert any("skips its startup reconcile" in line for line in lines), lines
        assert databases.owui_users() == {}  # the holder reconciles, not this process
        assert worker.last_error is None
    finally:
        worker.stop()
        bridge_log.removeHandler(handler)
        bridge_log.setLevel(level)
        holder.execute("SELECT pg_advisory_unlock_all()")
    assert reconcile(settings).succeeded > 0  # free again: a run proceeds
