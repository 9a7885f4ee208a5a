"""Who may call which model: our composition against LiteLLM's own check functions."""

from __future__ import annotations

import asyncio
import inspect
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from litellm_bridge_plugin.plan.access_rules import Holder, KeyGrant, key_is_live, key_may_call

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
auth_checks = pytest.importorskip("litellm.proxy.auth.auth_checks")
types = pytest.importorskip("litellm.proxy._types")

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _deployment(name: str, model: str, groups: list[str] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "model_name": name,
        "litellm_params": {"model": model, "api_key": "sk-not-used"},
    }
    if groups:
        entry["model_info"] = {"access_groups": groups}
    return entry


@pytest.fixture(scope="module")
def router() -> Any:
    import litellm

    return litellm.Router(
        model_list=[
            _deployment("gpt-4", "openai/gpt-4", ["premium"]),
            _deployment("gpt-3.5-turbo", "openai/gpt-3.5-turbo"),
            _deployment("claude-3-sonnet", "anthropic/claude-3-sonnet-20240229"),
            _deployment("gpt-4o", "openai/gpt-4o", ["premium"]),
            _deployment("openai/*", "openai/*"),
        ]
    )


# model, key models, team (models, blocked) or None, user models, org models, expected
CASES: list[tuple[str, list[str], tuple[list[str], bool] | None, list[str], list[str], bool]] = [
    ("gpt-4", [], None, [], [], True),
    ("gpt-4", ["gpt-3.5-turbo"], None, [], [], False),
    ("gpt-3.5-turbo", ["gpt-3.5-turbo"], None, [], [], True),
    ("gpt-4", ["all-proxy-models"], None, [], [], True),
    ("gpt-4", ["*"], None, [], [], True),
    ("gpt-4o", ["premium"], None, [], [], True),
    ("gpt-4", ["premium"], None, [], [], True),
    ("claude-3-sonnet", ["premium"], None, [], [], False),
    ("openai/gpt-4o-mini", ["openai/*"], None, [], [], True),
    ("claude-3-sonnet", ["openai/*"], None, [], [], False),
    ("gpt-4o", ["gpt-4"], None, [], [], False),
    ("gpt-4", [], (["gpt-4"], False), [], [], True),
    ("gpt-3.5-turbo", [], (["gpt-4"], False), [], [], False),
    ("gpt-4", [], ([], False), [], [], True),
    ("gpt-4", [], (["gpt-4"], True), [], [], False),
    ("gpt-4", ["gpt-4"], (["gpt-3.5-turbo"], False), [], [], False),
    ("gpt-4", [], (["all-proxy-models"], False), [], [], True),
    ("gpt-4o", [], (["premium"], False), [], [], True),
    ("claude-3-sonnet", [], (["premium"], False), [], [], False),
    ("openai/gpt-4o-mini", [], (["openai/*"], False), [], [], True),
    ("gpt-4", ["all-team-models"], (["gpt-4"], False), [], [], True),
    ("claude-3-sonnet", ["all-team-models"], (["gpt-4"], False), [], [], False),
    ("gpt-4", [], None, ["gpt-3.5-turbo"], [], False),
    ("gpt-3.5-turbo", [], None, ["gpt-3.5-turbo"], [], True),
    ("gpt-4", [], None, ["no-default-models"], [], False),
    ("gpt-4", [], (["gpt-4"], False), ["no-default-models"], [], True),
    ("gpt-4", [], (["gpt-4"], False), ["gpt-3.5-turbo"], [], True),
    ("gpt-4", ["gpt-4", "gpt-3.5-turbo"], None, ["gpt-4"], [], True),
    ("gpt-3.5-turbo", ["gpt-4", "gpt-3.5-turbo"], None, ["gpt-4"], [], False),
    ("gpt-4", [], ([], False), [], ["gpt-4"], True),
    ("gpt-3.5-turbo", [], ([], False), [], ["gpt-4"], False),
    ("gpt-4o", [], ([], False), [], ["premium"], True),
    ("gpt-4", [], None, [], ["all-proxy-models"], True),
    ("claude-3-sonnet", ["claude-3-sonnet"], (["claude-3-sonnet"], False), [], ["gpt-4"], False),
]


async def _maybe(result: Any) -> Any:
    """Await what a LiteLLM check returns when it is a coroutine (some releases, 1.77.3 among
    them, have ``can_team_access_model`` as a plain function)."""
    return await result if inspect.isawaitable(result) else result


def _litellm_verdict(
    model: str,
    key: KeyGrant,
    user: Holder | None,
    team: Holder | None,
    org: Holder | None,
    router: Any,
) -> bool:
    """LiteLLM's own functions, called the way its request path calls them."""

    async def check() -> None:
        token = types.UserAPIKeyAuth(
            token="hash", models=list(key.models), team_id=key.team_id, user_id=key.user_id
        )
        # as user_api_key_auth does: a key with all-team-models is left to the team's check
        if "all-team-models" not in key.models:
            await auth_checks.can_key_call_model(
                model=model, llm_model_list=None, valid_token=token, llm_router=router
            )
        if team is not None:
            if team.blocked:
                raise PermissionError("team blocked")
            await _maybe(
                auth_checks.can_team_access_model(
                    model=model,
                    llm_router=router,
                    team_object=types.LiteLLM_TeamTable(team_id=team.id, models=list(team.models)),
                )
            )
        elif user is not None:
            await _maybe(
                auth_checks.can_user_call_model(
                    model=model,
                    llm_router=router,
                    user_object=types.LiteLLM_UserTable(user_id=user.id, models=list(user.models)),
                )
            )
        if org is not None:
            auth_checks.can_org_access_model(
                model=model,
                llm_router=router,
                org_object=types.LiteLLM_OrganizationTable(
                    organization_id=org.id,
                    organization_alias="o",
                    budget_id="b",
                    models=list(org.models),
                    created_by="x",
                    updated_by="x",
                ),
            )

    try:
        asyncio.run(check())
    except Exception:
        return False
    return True


@pytest.mark.parametrize(
    ("model", "key_models", "team", "user_models", "org_models", "expected"),
    CASES,
    ids=[f"{i}-{c[0]}" for i, c in enumerate(CASES)],
)
def test_same_answer_as_litellm(
    router: Any,
    model: str,
    key_models: list[str],
    team: tuple[list[str], bool] | None,
    user_models: list[str],
    org_models: list[str],
    expected: bool,
) -> None:
    key = KeyGrant(
        key_alias="k",
        models=tuple(key_models),
        user_id="u",
        team_id="t" if team else None,
        organization_id="o" if org_models else None,
    )
    team_holder = Holder("t", tuple(team[0]), team[1]) if team else None
    user = Holder("u", tuple(user_models))
    org = Holder("o", tuple(org_models)) if org_models else None
    ours = key_may_call(
        model, key, user=user, team=team_holder, organization=org, router=router, now=NOW
    )
    assert ours.allowed == _litellm_verdict(model, key, user, team_holder, org, router)
    assert ours.allowed == expected, ours.reason


def test_reasons_name_what_decided() -> None:
    key = KeyGrant(key_alias="bob-basic", models=("gpt-3.5-turbo",), user_id="bob")
    decision = key_may_call("gpt-4", key, user=Holder("bob"), team=None, organization=None, now=NOW)
    assert not decision.allowed and "bob-basic" in decision.reason
    assert "gpt-3.5-turbo" in decision.reason


@pytest.mark.parametrize(
    ("expires", "blocked", "live"),
    [
        (None, False, True),
        (NOW + timedelta(minutes=1), False, True),
        (NOW - timedelta(seconds=1), False, False),
        (None, True, False),
        ((NOW + timedelta(days=7)).replace(tzinfo=None), False, True),
        ((NOW - timedelta(days=7)).replace(tzinfo=None), False, False),
    ],
)
def test_expired_or_blocked_keys_grant_nothing(
    expires: datetime | None, blocked: bool, live: bool
) -> None:
    key = KeyGrant(
        key_alias="premium-7d", models=("gpt-4",), user_id="bob", expires=expires, blocked=blocked
    )
    assert key_is_live(key, NOW) is live
    decision = key_may_call("gpt-4", key, user=Holder("bob"), team=None, organization=None, now=NOW)
    assert decision.allowed is live
