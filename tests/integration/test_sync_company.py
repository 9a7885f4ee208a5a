"""The integration guide's company, synced into real Open WebUI schemas (0.6.30 and 0.12.4),
on PostgreSQL and on SQLite (Open WebUI's default)."""

from __future__ import annotations

import bcrypt
import pytest

from devtools import litellm_seed
from litellm_bridge_plugin.engine.sync import reconcile
from litellm_bridge_plugin.settings import Settings
from tests.fixtures.databases import on_both
from tests.fixtures.support import Databases


@pytest.fixture
def databases(request: pytest.FixtureRequest, every_generation: Databases) -> Databases:
    """Every test here runs on each Open WebUI schema generation, on PostgreSQL and on SQLite
    (Open WebUI's default)."""
    return on_both(request, every_generation)


def test_company_appears_in_open_webui(databases: Databases, settings: Settings) -> None:
    litellm_seed.seed_company(databases.litellm())

    result = reconcile(settings)

    assert result.ok, [o.error for o in result.outcomes if o.error]
    users = databases.owui_users()
    assert set(users) == {"alice@techcompany.com", "bob@techcompany.com", "carol@techcompany.com"}
    assert {e: u["role"] for e, u in users.items()} == {
        "alice@techcompany.com": "user",
        "bob@techcompany.com": "user",
        "carol@techcompany.com": "admin",
    }
    alice = users["alice@techcompany.com"]
    assert alice["name"] == "Alice"
    assert alice["auth_email"] == "alice@techcompany.com"
    assert alice["active"] is True
    assert alice["password"].startswith("$2b$")
    assert not bcrypt.checkpw(b"alice@techcompany.com", alice["password"].encode())

    groups = databases.owui_groups()
    assert groups["Tech Company Inc"]["members"] == set(users)
    assert groups["AI Research Team"]["members"] == {"alice@techcompany.com"}
    assert groups["Product Team"]["members"] == {"bob@techcompany.com"}
    owner_ids = {u["id"] for u in users.values()}
    for group in groups.values():
        assert group["description"]
        assert group["user_id"] in owner_ids


def test_second_run_changes_nothing(databases: Databases, settings: Settings) -> None:
    litellm_seed.seed_company(databases.litellm())
    first = reconcile(settings)
    assert first.ok and first.succeeded > 0
    audit_rows = len(databases.audit())
    writes_before = databases.owui_counts()["writes"]

    second = reconcile(settings)

    assert second.planned == ()
    assert second.outcomes == []
    assert len(databases.audit()) == audit_rows
    assert databases.owui_counts()["writes"] == writes_before
