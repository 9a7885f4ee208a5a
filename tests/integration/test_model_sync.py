"""Open WebUI model rows and read grants follow LiteLLM, on both Open WebUI schemas.

The catalogue comes from the example config file (the CLI's and worker's source); the rows
and grants are read back with plain SQL written for each schema (tests/fixtures/support.py).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from devtools import litellm_seed as seed
from litellm_bridge_plugin.domain import Scope
from litellm_bridge_plugin.engine.sync import reconcile
from litellm_bridge_plugin.settings import Settings, load_settings
from tests.fixtures.databases import on_both
from tests.fixtures.support import (
    Databases,
    owui_add_user,
    owui_edit_access_control,
    owui_json,
)

CONFIG = Path(__file__).resolve().parents[2] / "config" / "litellm_config.yaml"
EXPECTED = {
    "gpt-4": {"alice@techcompany.com", "bob@techcompany.com", "carol@techcompany.com"},
    "gpt-3.5-turbo": {"bob@techcompany.com", "carol@techcompany.com", "frank@techcompany.com"},
    "claude-3-sonnet": {"alice@techcompany.com", "carol@techcompany.com"},
}


@pytest.fixture
def databases(request: pytest.FixtureRequest, every_generation: Databases) -> Databases:
    """Every test here runs on each Open WebUI schema generation, on PostgreSQL and on SQLite
    (Open WebUI's default)."""
    return on_both(request, every_generation)


def _settings(databases: Databases, **extra: object) -> Settings:
    return load_settings(
        litellm_database_url=databases.litellm_url,
        openwebui_database_url=databases.openwebui_url,
        litellm_config=extra.pop("litellm_config", CONFIG),
        **extra,
    )


def _readers(databases: Databases) -> dict[str, set[str]]:
    return {i: m["readers"] for i, m in databases.owui_models().items()}


def test_every_served_model_gets_a_row_and_exactly_its_readers(databases: Databases) -> None:
    seed.seed_scenario(databases.litellm())
    settings = _settings(databases)
    result = reconcile(settings)
    assert result.ok, result.outcomes
    models = databases.owui_models()
    assert {i: m["readers"] for i, m in models.items()} == EXPECTED
    carol = databases.owui_users()["carol@techcompany.com"]["id"]
    for row in models.values():
        assert row["base_model_id"] is None and row["is_active"]
        assert row["user_id"] == carol  # the admin owns the rows; admins see every model
        assert row["meta"]["litellm_bridge"] == {"managed": True}
        assert row["params"] == {}
        if databases.grants_in_json:  # NULL would make the model public
            acl = row["access_control"]
            assert acl["write"] == {"group_ids": [], "user_ids": []}
            assert acl["read"]["group_ids"] == []
    ops = [
        (a["operation"], a["entity_id"]) for a in databases.audit() if a["entity_type"] == "model"
    ]
    assert sorted(ops) == [("create_model", m) for m in sorted(EXPECTED)]
    # converged: a second run plans nothing and writes nothing to Open WebUI
    writes = databases.owui_counts()["writes"]
    again = reconcile(settings)
    assert again.planned == ()
    assert databases.owui_counts()["writes"] == writes


def test_an_expiring_key_loses_its_models_by_the_next_sweep(databases: Databases) -> None:
    conn = databases.litellm()
    seed.seed_scenario(conn)
    conn.execute(
        "UPDATE \"LiteLLM_VerificationToken\" SET expires = (now() AT TIME ZONE 'UTC') "
        "+ interval '2 seconds' WHERE key_alias = 'bob-premium-7d'"
    )
    settings = _settings(databases)
    reconcile(settings)
    assert "bob@techcompany.com" in _readers(databases)["gpt-4"]
    time.sleep(2.5)  # the key expires; nothing changes in LiteLLM's tables
    result = reconcile(settings, trigger="sweep")
    assert [(c.operation, c.entity_id, len(c.remove)) for c in result.planned] == [
        ("set_model_access", "gpt-4", 1)
    ]
    readers = _readers(databases)
    assert "bob@techcompany.com" not in readers["gpt-4"]
    assert "bob@techcompany.com" in readers["gpt-3.5-turbo"]


def test_grants_follow_keys_users_and_the_catalogue(databases: Databases, tmp_path: Path) -> None:
    conn = databases.litellm()
    seed.seed_scenario(conn)
    settings = _settings(databases)
    reconcile(settings)
    # Dave gets a key: a reconcile scoped to him (what a change signal runs) grants it
    seed.add_key(conn, "hashed-dave", "dave-basic", "dave", ["gpt-3.5-turbo"])
    reconcile(settings, Scope(users=frozenset({"dave"})), trigger="signal")
    assert "dave@techcompany.com" in _readers(databases)["gpt-3.5-turbo"]
    # Alice's team loses claude; Bob is removed from LiteLLM (his account is deactivated)
    conn.execute(
        "UPDATE \"LiteLLM_TeamTable\" SET models = '{gpt-4}' WHERE team_id = 'team-ai-research'"
    )
    seed.delete_user(conn, "bob")
    reconcile(settings)
    readers = _readers(databases)
    assert readers["claude-3-sonnet"] == {"carol@techcompany.com"}
    assert all("bob@techcompany.com" not in r for r in readers.values())
    # LiteLLM stops serving claude: its bridge row goes, with its grants
    smaller = tmp_path / "config.yaml"
    smaller.write_text(
        "model_list:\n"
        "  - model_name: gpt-4\n    litellm_params: {model: openai/gpt-4}\n"
        "  - model_name: gpt-3.5-turbo\n    litellm_params: {model: openai/gpt-3.5-turbo}\n"
    )
    result = reconcile(_settings(databases, litellm_config=smaller))
    assert [c.operation for c in result.planned if c.entity_type == "model"] == ["delete_model"]
    assert set(databases.owui_models()) == {"gpt-4", "gpt-3.5-turbo"}
    if not databases.grants_in_json:
        with databases.openwebui() as owui:
            left = owui.execute(
                "SELECT count(*) AS n FROM access_grant WHERE resource_id = 'claude-3-sonnet'"
            ).fetchone()
        assert left["n"] == 0


def test_rows_and_grants_made_in_open_webui_are_left_alone(databases: Databases) -> None:
    seed.seed_scenario(databases.litellm())
    with databases.openwebui() as owui:
        for user_id, email, role in (
            ("local-admin", "admin@local.test", "admin"),
            ("viewer", "viewer@local.test", "user"),
        ):
            owui_add_user(owui, user_id, email, user_id, role, version=databases.version)
    with databases.openwebui() as owui:
        owui.execute(
            "INSERT INTO model (id, user_id, name, meta, params, created_at, updated_at"
            + (", access_control" if databases.grants_in_json else "")
            + ") VALUES ('claude-3-sonnet', 'local-admin', 'Claude (ours)', '{}', '{}', 1, 1"
            + (", NULL" if databases.grants_in_json else "")
            + ")"
        )
    settings = _settings(databases)
    result = reconcile(settings)
    assert result.ok
    models = databases.owui_models()
    assert models["claude-3-sonnet"]["name"] == "Claude (ours)"
    assert models["claude-3-sonnet"]["readers"] == set()
    skip = [
        a for a in databases.audit() if a["result"] == "SKIPPED" and a["entity_type"] == "model"
    ]
    assert [a["entity_id"] for a in skip] == ["claude-3-sonnet"]
    assert "made in Open WebUI" in skip[0]["error"]
    # someone grants a group and an account of their own on a bridge row in Open WebUI
    with databases.openwebui() as owui:
        if databases.grants_in_json:
            owui_edit_access_control(owui, "gpt-4", _grant_g1_and_viewer)
        else:
            for kind, who in (("group", "g-1"), ("user", "viewer")):
                owui.execute(
                    "INSERT INTO access_grant VALUES (%s, 'model', 'gpt-4', %s, %s, 'read', 1)",
                    (f"human-{kind}", kind, who),
                )
    seed.add_key(databases.litellm(), "hashed-dave", "dave-4", "dave", ["gpt-4"])
    reconcile(settings)
    readers = _readers(databases)
    assert readers["gpt-4"] == EXPECTED["gpt-4"] | {"dave@techcompany.com", "viewer@local.test"}
    with databases.openwebui() as owui:
        if databases.grants_in_json:
            row = owui.execute("SELECT access_control FROM model WHERE id = 'gpt-4'").fetchone()
            assert owui_json(row["access_control"])["read"]["group_ids"] == ["g-1"]
        else:
            row = owui.execute(
                "SELECT count(*) AS n FROM access_grant WHERE principal_id = 'g-1'"
            ).fetchone()
            assert row["n"] == 1
    assert reconcile(settings).planned == ()


def _grant_g1_and_viewer(acl: dict[str, Any]) -> None:
    read = acl.setdefault("read", {})
    read["group_ids"] = ["g-1"]
    read["user_ids"] = [*(read.get("user_ids") or []), "viewer"]


def test_a_connection_prefix_and_an_unknown_catalogue(databases: Databases) -> None:
    seed.seed_scenario(databases.litellm())
    # no config file and no router: the catalogue is unknown, so no model row is touched
    reconcile(
        load_settings(
            litellm_database_url=databases.litellm_url,
            openwebui_database_url=databases.openwebui_url,
        )
    )
    assert databases.owui_models() == {}
    reconcile(_settings(databases, openwebui_model_prefix="litellm"))
    assert set(databases.owui_models()) == {f"litellm.{m}" for m in EXPECTED}
    assert _readers(databases)["litellm.gpt-4"] == EXPECTED["gpt-4"]
    # the config file goes away: rows stay (unknown is not "nothing served")
    reconcile(
        load_settings(
            litellm_database_url=databases.litellm_url,
            openwebui_database_url=databases.openwebui_url,
        )
    )
    assert len(databases.owui_models()) == 3


def test_odd_access_control_json_on_a_bridge_row_is_repaired(databases: Databases) -> None:
    if not databases.grants_in_json:
        pytest.skip("grants are rows of access_grant from Open WebUI 0.8")
    seed.seed_scenario(databases.litellm())
    settings = _settings(databases)
    reconcile(settings)
    with databases.openwebui() as owui:
        owui.execute("UPDATE model SET access_control = 'null' WHERE id = 'gpt-4'")
        owui.execute(
            'UPDATE model SET access_control = \'{"read": {"user_ids": 7}}\' '
            "WHERE id = 'claude-3-sonnet'"
        )
    result = reconcile(settings)
    assert result.ok
    readers = _readers(databases)
    assert readers["gpt-4"] == EXPECTED["gpt-4"]
    assert readers["claude-3-sonnet"] == EXPECTED["claude-3-sonnet"]


def _owners(databases: Databases) -> set[str]:
    with databases.openwebui() as owui:
        return {r["user_id"] for r in owui.execute("SELECT user_id FROM model")}


def test_a_row_a_person_puts_in_place_of_a_bridge_row_is_theirs(
    databases: Databases, tmp_path: Path
) -> None:
    seed.seed_scenario(databases.litellm())
    settings = _settings(databases)
    reconcile(settings)
    with databases.openwebui() as owui:
        owui_add_user(
            owui, "local-admin", "admin@local.test", "Admin", "admin", version=databases.version
        )
        owui.execute("DELETE FROM model WHERE id = 'gpt-4'")  # as Open WebUI deletes it:
        if not databases.grants_in_json:  # with its grants
            owui.execute("DELETE FROM access_grant WHERE resource_id = 'gpt-4'")
        owui.execute(
            "INSERT INTO model (id, user_id, name, meta, params, created_at, updated_at) "
            "VALUES ('gpt-4', 'local-admin', 'GPT-4 (ours)', '{}', '{}', 1, 1)"
        )
    result = reconcile(settings)
    assert [(c.operation, c.entity_id) for c in result.planned if c.entity_type == "model"] == [
        ("unlink", "gpt-4")
    ]
    row = databases.owui_models()["gpt-4"]
    assert row["name"] == "GPT-4 (ours)" and row["readers"] == set()
    if databases.grants_in_json:
        assert row["access_control"] is None  # still public, as its owner left it
    # LiteLLM stops serving gpt-4: the person's row stays
    smaller = tmp_path / "config.yaml"
    smaller.write_text(
        "model_list:\n  - model_name: gpt-3.5-turbo\n  - model_name: claude-3-sonnet\n"
    )
    reconcile(_settings(databases, litellm_config=smaller))
    assert databases.owui_models()["gpt-4"]["name"] == "GPT-4 (ours)"


def test_lost_bookkeeping_is_rebuilt_from_the_mark(databases: Databases) -> None:
    seed.seed_scenario(databases.litellm())
    settings = _settings(databases)
    reconcile(settings)
    databases.litellm().execute("DELETE FROM litellm_bridge.model_row")
    result = reconcile(settings)
    assert sorted(c.operation for c in result.planned) == ["link_model"] * 3
    seed.add_key(databases.litellm(), "hashed-dave", "dave-4", "dave", ["gpt-4"])
    reconcile(settings)
    assert "dave@techcompany.com" in _readers(databases)["gpt-4"]
    assert reconcile(settings).planned == ()


def test_a_demoted_admin_stops_owning_the_rows(databases: Databases) -> None:
    conn = databases.litellm()
    seed.seed_scenario(conn)
    settings = _settings(databases)
    reconcile(settings)
    carol = databases.owui_users()["carol@techcompany.com"]["id"]
    assert _owners(databases) == {carol}
    with databases.openwebui() as owui:
        owui_add_user(
            owui, "local-admin", "admin@local.test", "Admin", "admin", version=databases.version
        )
    conn.execute(
        "UPDATE \"LiteLLM_UserTable\" SET user_role = 'internal_user', models = '{gpt-3.5-turbo}' "
        "WHERE user_id = 'carol'"
    )
    reconcile(settings)
    assert _owners(databases) == {"local-admin"}
    readers = _readers(databases)
    assert "carol@techcompany.com" not in readers["gpt-4"]
    assert "carol@techcompany.com" in readers["gpt-3.5-turbo"]
    assert reconcile(settings).planned == ()


def test_a_scoped_run_never_names_an_owner_that_does_not_exist(databases: Databases) -> None:
    seed.seed_scenario(databases.litellm())
    settings = _settings(databases)
    # a change signal for Alice arrives before any full run: Carol, the admin, is not created
    reconcile(settings, Scope(users=frozenset({"alice"})), trigger="signal")
    users = {u["id"] for u in databases.owui_users().values()}
    assert _owners(databases) <= users
    reconcile(settings)
    carol = databases.owui_users()["carol@techcompany.com"]["id"]
    assert _owners(databases) == {carol}
    assert _readers(databases)["gpt-4"] == EXPECTED["gpt-4"]
