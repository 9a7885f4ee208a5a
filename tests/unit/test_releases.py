"""Where LiteLLM releases differ (litellm_bridge_plugin/releases.py), without a database."""

from __future__ import annotations

import asyncio
from typing import Any

from litellm_bridge_plugin.releases import (
    check_team_member_model_budget,
    team_member_model_budget,
)

OWN = {"gpt-4": {"budget_limit": 1.0, "time_period": "1d"}}
DEFAULT = {"gpt-4": {"budget_limit": 5.0, "time_period": "30d"}}


def test_a_persons_model_budget_in_a_team_follows_litellms_rule() -> None:
    team = {"team_member_budget_id": "default-b"}
    own = {"budget_id": "mine", "model_max_budget": OWN}
    # the membership's own row, when it is not the team's default and has models
    assert team_member_model_budget(own, team, DEFAULT) == OWN
    # the membership points at the team's default row: the default
    assert team_member_model_budget(own | {"budget_id": "default-b"}, team, DEFAULT) == DEFAULT
    # an own row without model budgets (or an empty or odd one): the default
    for odd in (None, {}, [1, 2], "gpt-4"):
        assert team_member_model_budget(own | {"model_max_budget": odd}, team, DEFAULT) == DEFAULT
    # no membership row: the default; no default named by the team: none
    assert team_member_model_budget(None, team, DEFAULT) == DEFAULT
    assert team_member_model_budget(None, {}, DEFAULT) is None
    assert team_member_model_budget(None, None, DEFAULT) is None
    assert team_member_model_budget(None, {"team_member_budget_id": 7}, DEFAULT) is None
    # a default row whose model budgets are not a mapping: none
    assert team_member_model_budget(None, team, ["gpt-4"]) is None


class _Person:
    user_id = "mo"
    team_id = "t-lab"
    team_member_model_max_budget = OWN


class _Limiter:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def is_team_member_within_model_budget(self, **kwargs: Any) -> bool:
        self.calls.append(kwargs)
        return True


def test_the_check_runs_only_on_releases_that_have_it() -> None:
    limiter = _Limiter()
    asyncio.run(check_team_member_model_budget(limiter, _Person(), "gpt-4"))
    assert limiter.calls == [
        {"user_id": "mo", "team_id": "t-lab", "team_member_model_max_budget": OWN, "model": "gpt-4"}
    ]
    older = object()  # a limiter of a release without per-member model budgets
    asyncio.run(check_team_member_model_budget(older, _Person(), "gpt-4"))
    no_budget = _Person()
    no_budget.team_member_model_max_budget = {}
    asyncio.run(check_team_member_model_budget(limiter, no_budget, "gpt-4"))
    assert len(limiter.calls) == 1
