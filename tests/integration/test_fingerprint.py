"""A sweep that finds nothing changed since the last full run with nothing to do reads nothing
(engine/fingerprint.py); any change a full read would see, on either side, makes it read.

Every test checks both halves: the shortcut is taken when it may be, and never when a full read
would plan something.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from devtools import litellm_seed as seed
from litellm_bridge_plugin.engine import fingerprint, reads
from litellm_bridge_plugin.engine.sync import detect_schema, reconcile
from litellm_bridge_plugin.engine.worker import BridgeWorker
from litellm_bridge_plugin.litellm.catalog import ModelSource
from litellm_bridge_plugin.queries import NamedQuery
from litellm_bridge_plugin.settings import Settings, load_settings
from litellm_bridge_plugin.sqlite import connect_sqlite, is_sqlite_url
from tests.fixtures.databases import on_both
from tests.fixtures.support import Databases, owui_edit_access_control
from tests.integration.test_worker import wait_for

CONFIG = Path(__file__).resolve().parents[2] / "config" / "litellm_config.yaml"


@pytest.fixture
def generations(request: pytest.FixtureRequest, every_generation: Databases) -> Databases:
    return on_both(request, every_generation)


def _settings(databases: Databases, **extra: Any) -> Settings:
    return load_settings(
        litellm_database_url=databases.litellm_url,
        openwebui_database_url=databases.openwebui_url,
        litellm_config=CONFIG,
        **extra,
    )


def _converged(settings: Settings) -> None:
    """Full runs until one finds nothing to do (it records the fingerprint)."""
    first = reconcile(settings, trigger="sweep")
    assert first.ok, first.outcomes
    again = reconcile(settings, trigger="sweep")
    assert not again.unchanged and again.planned == (), again.planned
    assert again.fingerprint is not None


def _sweep_reads(settings: Settings) -> Any:
    """A sweep that must read (something changed) and converge."""
    result = reconcile(settings, trigger="sweep")
    assert not result.unchanged
    assert result.ok, result.outcomes
    return result


def _unchanged(settings: Settings, databases: Databases) -> None:
    writes = databases.owui_counts()["writes"]
    result = reconcile(settings, trigger="sweep")
    assert result.unchanged and result.planned == () and result.access is None
    assert databases.owui_counts()["writes"] == writes


def test_a_sweep_skips_only_while_nothing_it_reads_changed(generations: Databases) -> None:
    databases = generations
    litellm = databases.litellm()
    seed.seed_scenario(litellm)
    settings = _settings(databases)
    _converged(settings)
    _unchanged(settings, databases)

    # spend moves with every call; no grant depends on it: still nothing to read
    litellm.execute('UPDATE "LiteLLM_VerificationToken" SET spend = spend + 1')
    litellm.execute('UPDATE "LiteLLM_UserTable" SET spend = spend + 1')
    litellm.execute('UPDATE "LiteLLM_TeamTable" SET spend = spend + 1')
    _unchanged(settings, databases)

    # an Open WebUI edit behind the bridge's back: the sweep reads and puts it back
    openwebui = databases.openwebui()
    alice = databases.owui_users()["alice@techcompany.com"]
    openwebui.execute('UPDATE "user" SET name = %s WHERE id = %s', ("Edited", alice["id"]))
    result = _sweep_reads(settings)
    assert [c.operation for c in result.planned] == ["update_user"]
    assert databases.owui_users()["alice@techcompany.com"]["name"] == alice["name"]
    _converged_again(settings, databases)

    # a read grant taken away in Open WebUI comes back
    gpt4 = databases.owui_models()["gpt-4"]
    assert alice["id"] in {u["id"] for u in databases.owui_users().values()}
    if databases.grants_in_json:
        owui_edit_access_control(
            openwebui, "gpt-4", lambda acl: acl["read"]["user_ids"].remove(alice["id"])
        )
    else:
        openwebui.execute(
            "DELETE FROM access_grant WHERE resource_id = 'gpt-4' AND principal_id = %s",
            (alice["id"],),
        )
    assert "alice@techcompany.com" not in databases.owui_models()["gpt-4"]["readers"]
    _sweep_reads(settings)
    assert databases.owui_models()["gpt-4"]["readers"] == gpt4["readers"]
    _converged_again(settings, databases)

    # a change in LiteLLM behind the proxy's back (no triggers here): the sweep reads
    litellm.execute(
        "UPDATE \"LiteLLM_UserTable\" SET user_alias = 'Alice Renamed' WHERE user_id = 'alice'"
    )
    _sweep_reads(settings)
    assert databases.owui_users()["alice@techcompany.com"]["name"] == "Alice Renamed"
    _converged_again(settings, databases)

    # a key blocked: a grant ends with no person, team or group row changing
    litellm.execute(
        "UPDATE \"LiteLLM_VerificationToken\" SET blocked = true WHERE key_alias = 'bob-basic'"
    )
    _sweep_reads(settings)
    assert "bob@techcompany.com" not in databases.owui_models()["gpt-3.5-turbo"]["readers"]
    _converged_again(settings, databases)


def _converged_again(settings: Settings, databases: Databases) -> None:
    """The sweep after the repair plans nothing (a state put back as it was when recorded has
    the recorded fingerprint: nothing is read), and the one after that reads nothing."""
    again = reconcile(settings, trigger="sweep")
    assert again.ok and again.planned == ()
    _unchanged(settings, databases)


def test_settings_an_operator_run_and_time_end_the_shortcut(databases: Databases) -> None:
    litellm = databases.litellm()
    seed.seed_scenario(litellm)
    # Bob's premium key (his gpt-4) ends in ten minutes: the record is trusted until then
    litellm.execute(
        "UPDATE \"LiteLLM_VerificationToken\" SET expires = (now() AT TIME ZONE 'UTC') "
        "+ interval '10 minutes' "
        "WHERE key_alias = 'bob-premium-7d'"
    )
    settings = _settings(databases)
    _converged(settings)
    row = litellm.execute(
        "SELECT f.valid_until = v.expires AT TIME ZONE 'UTC' AS at_expiry "
        "FROM litellm_bridge.fingerprint f, "
        "\"LiteLLM_VerificationToken\" v WHERE v.key_alias = 'bob-premium-7d'"
    ).fetchone()
    assert row["at_expiry"]
    _unchanged(settings, databases)

    # past valid_until (as when that key has expired): the sweep reads
    litellm.execute("UPDATE litellm_bridge.fingerprint SET valid_until = now()")
    assert not reconcile(settings, trigger="sweep").unchanged
    _unchanged(settings, databases)

    # a setting a plan depends on
    renamed = _settings(databases, openwebui_model_prefix="litellm")
    result = reconcile(renamed, trigger="sweep")
    assert not result.unchanged and result.planned
    _converged_again(renamed, databases)

    # an operator's sync and a dry run always read everything
    assert not reconcile(renamed, trigger="cli").unchanged
    assert not reconcile(renamed, trigger="sweep", dry_run=True).unchanged
    # a person added behind the proxy's back
    seed.add_user(litellm, "gina", "gina@techcompany.com", "Gina", "internal_user", None)
    _sweep_reads(renamed)
    assert "gina@techcompany.com" in databases.owui_users()


def test_every_query_of_a_full_read_is_in_the_fingerprint(
    databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A query added to the full read and not to the fingerprint would let a sweep skip a
    change only that query sees: this fails first."""
    seed.seed_scenario(databases.litellm())
    settings = _settings(databases)
    reconcile(settings)
    ran: set[tuple[str, str]] = set()
    for cursor in (psycopg.Cursor, psycopg.ServerCursor):
        original = cursor.execute

        def recorded(cur: Any, statement: Any, *args: Any, _original: Any = original, **kw: Any):
            if isinstance(statement, NamedQuery):
                ran.add((statement.filename, statement.name))
            return _original(cur, statement, *args, **kw)

        monkeypatch.setattr(cursor, "execute", recorded)
    litellm = psycopg.connect(databases.litellm_url, autocommit=True)
    openwebui: Any = (
        connect_sqlite(databases.openwebui_url)
        if is_sqlite_url(databases.openwebui_url)
        else psycopg.connect(databases.openwebui_url, autocommit=True)
    )
    try:
        schema = detect_schema(openwebui)
        snapshot = reads.read_all(litellm, openwebui, schema, ModelSource(config=CONFIG))
        assert snapshot.models is not None
        marked = [i for i, row in snapshot.models.rows.items() if row.marked]
    finally:
        litellm.close()
        openwebui.close()
    covered = {(f, n) for f, n, _ in fingerprint.LITELLM_READS}
    covered |= {(f, n) for f, n, _ in fingerprint.openwebui_reads(schema, marked)}
    elsewhere = {
        ("litellm.sql", "proxy_models"): "fingerprint.sql's proxy_models holds more of each row",
        ("litellm.sql", "has_links"): "whether the bridge's link table exists (it does)",
        ("openwebui_models.sql", "model_rows"): "read whole and digested in Python",
        ("openwebui.sql", "config_readable"): "the sign-up role is read whole",
        ("openwebui.sql", "config_rows"): "the sign-up role is read whole",
        ("openwebui.sql", "config_document"): "the sign-up role is read whole",
        ("openwebui.sql", "catalog"): "the schema: its description is in the fingerprint",
        ("openwebui.sql", "alembic_revision"): "the schema: its description names it",
    }
    assert ran, "the recorder saw no query"
    assert ran - covered - elsewhere.keys() == set()


def test_a_worker_starting_on_an_unchanged_state_still_gives_its_check_the_grants(
    databases: Databases,
) -> None:
    seed.seed_scenario(databases.litellm())
    settings = _settings(databases)
    _converged(settings)
    grants: list[Any] = []
    worker = BridgeWorker(
        settings,
        models=ModelSource(config=CONFIG),
        on_access=lambda access, users: grants.append((access, users)),
    )
    worker.start()
    try:
        wait_for(lambda: bool(grants), "the grants of an unchanged state", timeout=30)
        wait_for(lambda: worker.last_result is not None, "the startup run", timeout=30)
    finally:
        worker.stop()
    assert worker.last_result is not None and worker.last_result.unchanged
    access, users = grants[0]
    assert users is None and {"alice", "bob", "carol"} <= set(access.users)
    assert worker.last_error is None
