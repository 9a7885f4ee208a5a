"""The guide's scenario read from LiteLLM's real tables: who may use which model, and when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from devtools import litellm_seed as seed
from litellm_bridge_plugin.litellm.access_reads import read_access
from tests.fixtures.support import Databases

CATALOG = ["gpt-4", "gpt-3.5-turbo", "claude-3-sonnet"]
NOW = datetime.now(UTC)


def _grants(databases: Databases, now: datetime, source: str = "keys") -> dict[str, list[str]]:
    state = read_access(databases.litellm())
    found = {}
    for user_id in state.users:
        decisions = state.granted(user_id, CATALOG, now=now, source=source)  # type: ignore[arg-type]
        found[user_id] = sorted(m for m, d in decisions.items() if d.allowed)
    return found


def test_the_guides_people_get_their_grants(databases: Databases) -> None:
    conn = databases.litellm()
    seed.seed_scenario(conn, NOW)
    assert _grants(databases, NOW) == {
        "alice": ["claude-3-sonnet", "gpt-4"],
        "bob": ["gpt-3.5-turbo", "gpt-4"],
        "carol": ["claude-3-sonnet", "gpt-3.5-turbo", "gpt-4"],
        "dave": [],
        "erin": [],
        "frank": ["gpt-3.5-turbo"],
    }
    # eight days later Bob's premium key has expired, with no change in LiteLLM's tables
    assert _grants(databases, NOW + timedelta(days=8))["bob"] == ["gpt-3.5-turbo"]
    # BRIDGE_ACCESS_SOURCE=user: own models within the teams' and the organisation's
    by_user = _grants(databases, NOW, source="user")
    assert by_user["alice"] == ["claude-3-sonnet", "gpt-4"]
    assert by_user["bob"] == ["gpt-3.5-turbo"]
    assert by_user["dave"] == ["claude-3-sonnet", "gpt-3.5-turbo", "gpt-4"]
    text = repr(read_access(conn))
    assert "h1" not in text and "h3" not in text  # hashes never read
