"""The proxy's decisions from records built in memory (no database): which key a call is made
as, which budget refuses and in what words, and what LiteLLM's own checks are left to decide."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from litellm_bridge_plugin.litellm.access_reads import AccessState, AccessUser, with_spend
from litellm_bridge_plugin.plan.access_rules import (
    NO_BUDGET,
    Budget,
    Holder,
    KeyGrant,
    ModelCheck,
    call_decision,
)
from litellm_bridge_plugin.proxy.enforcement import Enforcer, budget_message
from litellm_bridge_plugin.settings import load_settings

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
RESETS = datetime(2026, 12, 1, tzinfo=UTC)


def key(
    alias: str | None,
    user: str = "ann",
    models: tuple[str, ...] = (),
    team: str | None = None,
    budget: Budget = NO_BUDGET,
    member: Budget = NO_BUDGET,
    **extra: Any,
) -> KeyGrant:
    return KeyGrant(
        key_alias=alias,
        models=models,
        user_id=user,
        team_id=team,
        budget=budget,
        member_budget=member,
        member_table={"max_budget": member.max_budget} if member.max_budget else None,
        auth={"token": f"hash-{alias}", "key_alias": alias, "user_id": user, "team_id": team}
        | extra,
    )


def decide(
    keys: list[KeyGrant],
    *,
    user_budget: Budget = NO_BUDGET,
    teams: dict[str, Holder] | None = None,
    on_team_keys: bool = False,
    model: str = "gpt-4",
) -> Any:
    return call_decision(
        model,
        Holder("ann", budget=user_budget),
        keys=keys,
        teams=teams or {},
        organizations={},
        now=NOW,
        user_budget_on_team_keys=on_team_keys,
    )


def test_team_keys_first_then_alias_then_no_alias() -> None:
    found = decide([key("b-own"), key(None), key("z-lab", team="lab"), key("a-own")])
    assert found.allowed and found.key is not None and found.key.key_alias == "z-lab"
    found = decide([key(None), key("b-own"), key("a-own")])
    assert found.key is not None and found.key.key_alias == "a-own"


def test_a_key_with_budget_left_is_preferred() -> None:
    spent = Budget(5.0, 5.0)
    found = decide([key("a-spent", budget=spent), key("b-fresh")])
    assert found.allowed and found.key is not None and found.key.key_alias == "b-fresh"


def test_key_team_and_member_budgets_are_left_to_litellms_checks() -> None:
    """Every granting key spent by the bridge's figures: the call is still made as the first,
    and LiteLLM's own check (its rules, its live counters) refuses or not."""
    spent = Budget(5.0, 5.0)
    found = decide([key("b-spent", budget=spent), key("a-spent", budget=spent)])
    assert found.allowed and found.key is not None and found.key.key_alias == "a-spent"
    assert "over budget" in found.reason
    member = decide([key("lab", team="lab", member=Budget(25.0, 20.0))])
    assert member.allowed and "in team lab is over budget" in member.reason


def test_the_users_budget_follows_litellms_rule_for_team_keys() -> None:
    spent = Budget(3.0, 2.5, RESETS)
    personal = decide([key("own")], user_budget=spent)
    assert not personal.allowed and personal.spent is not None and personal.spent[0] == "user"
    assert decide([key("lab", team="lab")], user_budget=spent).allowed
    assert not decide([key("lab", team="lab")], user_budget=spent, on_team_keys=True).allowed


def test_a_budget_refusal_says_whose_how_much_and_when() -> None:
    found = decide([key("own")], user_budget=Budget(3.0, 2.5, RESETS))
    assert budget_message("gpt-4", found) == (
        "model gpt-4: your LiteLLM budget of $2.50 is used up; it resets on 2026-12-01 00:00 UTC"
    )


def test_spend_figures_reach_the_key_object_litellm_checks() -> None:
    """A spend read moves the key's, its user's, team's and membership's figures, which
    LiteLLM's checks read from the key object."""
    grant = key("lab", team="lab", member=Budget(1.0, 20.0), team_spend=1.0, user_spend=0.0)
    state = AccessState(
        users={"ann": AccessUser(Holder("ann"), "ann@x.test", ("lab",))},
        teams={"lab": Holder("lab", budget=Budget(1.0, 50.0))},
        organizations={},
        keys={"ann": (grant,)},
    )
    moved = with_spend(
        state,
        {
            ("key", "hash-lab"): Budget(4.0, 10.0),
            ("team", "lab"): Budget(51.0, 50.0),
            ("user", "ann"): Budget(2.0, None),
            ("team_member", "ann:lab"): Budget(21.0, 20.0),
        },
    )
    assert moved is not None
    new = moved.keys["ann"][0]
    assert (new.auth["spend"], new.auth["team_spend"], new.auth["user_spend"]) == (4.0, 51.0, 2.0)
    assert new.auth["team_member_spend"] == 21.0 and new.member_budget.spend == 21.0
    assert with_spend(moved, {("team", "lab"): Budget(51.0, 50.0)}) is None  # nothing moved


def test_each_state_keeps_its_own_answers_of_litellms_check() -> None:
    """No process-wide memo: answers live with the ModelCheck of a run or a loaded state."""
    first, second = ModelCheck(), ModelCheck()
    assert first.allows("gpt-4", ["gpt-4"], "key") and not first.allows("gpt-4", ["x"], "key")
    assert second._answers == {} and len(first._answers) == 2
    router = object()
    assert first.using(router) is first and first._answers == {}  # a new router: answers gone


def test_an_email_naming_someone_else_than_the_id_is_refused() -> None:
    enforcer = Enforcer(
        load_settings(
            litellm_database_url="postgresql://x@127.0.0.1/none",
            openwebui_database_url="postgresql://x@127.0.0.1/none",
        )
    )
    enforcer.load(
        AccessState(
            users={
                "ann": AccessUser(Holder("ann"), "ann@x.test"),
                "bob": AccessUser(Holder("bob"), "bob@x.test"),
            },
            teams={},
            organizations={},
            keys={"ann": (key("own"),), "bob": (key("bobs", user="bob"),)},
            openwebui_links={"owui-bob": "bob"},
        )
    )
    headers = {"x-openwebui-user-email": " ANN@x.test", "x-openwebui-user-id": "owui-bob"}
    verdict = enforcer.check(headers, ["gpt-4"])
    assert verdict.status == 403 and "do not belong together" in verdict.message
    allowed = enforcer.check({"x-openwebui-user-email": "ann@X.test "}, ["gpt-4"])
    assert allowed.allowed and allowed.user_id == "ann"
