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


def test_a_release_without_a_team_member_budget_function_gets_its_inline_rule() -> None:
    """1.77.3 checks a person's budget in a team inline (user_api_key_auth): refused once
    spend passes a budget above 0. The installed release's own function is used where it has
    one; the inline rule stands in only where it has none."""
    from litellm.exceptions import BudgetExceededError

    from litellm_bridge_plugin import releases

    rule = releases._team_member_budget_inline

    def verdict(spend: float | None, budget: float | None) -> bool:
        token = type("Token", (), {"team_member_spend": spend})()
        table = type("Budget", (), {"max_budget": budget})()
        membership = type("Membership", (), {"litellm_budget_table": table})()
        try:
            asyncio.run(rule(valid_token=token, team_membership=membership, prisma_client=None))
        except BudgetExceededError as exc:
            assert (exc.current_cost, exc.max_budget) == (spend, budget)
            return False
        return True

    assert verdict(25, 20) is False
    assert verdict(20, 20) is True  # passes, not reaches
    assert verdict(25, 0) is True and verdict(25, None) is True and verdict(None, 20) is True
    found = releases.budget_check("team member")
    from litellm.proxy.auth import auth_checks

    own = getattr(auth_checks, "_check_team_member_budget", None)
    assert found is (own if own is not None else rule)


def test_refusals_are_logged_by_litellm_without_a_traceback() -> None:
    """1.77.3 logs what a pre-call hook raises with ``verbose_proxy_logger.exception``: the
    bridge's refusals keep their message there and lose the traceback; other errors keep it."""
    import logging

    from litellm._logging import verbose_proxy_logger

    from litellm_bridge_plugin.proxy.refusal import Refusal, quiet_refusals

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    verbose_proxy_logger.addHandler(handler)
    quiet_refusals()
    quiet_refusals()  # once is enough
    try:
        for error in (Refusal(403, "model gpt-4: LiteLLM does not grant it to you"), KeyError()):
            try:
                raise error
            except Exception as exc:
                verbose_proxy_logger.exception("Exception occured - %s", exc)
    finally:
        verbose_proxy_logger.removeHandler(handler)
    refused, other = records[-2:]
    assert refused.exc_info is None and "does not grant it" in refused.getMessage()
    assert other.exc_info is not None
    assert sum(type(f).__name__ == "_WithoutTraceback" for f in verbose_proxy_logger.filters) == 1
