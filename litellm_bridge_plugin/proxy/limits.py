"""LiteLLM's own budgets and limits, applied to the person's key on an Open WebUI call.

An allowed call is made as the key that grants its person the model (enforcement.py). LiteLLM
checked the service key's budgets and limits before the bridge ran; these are the same checks,
run by LiteLLM's own functions and hooks with LiteLLM's key object of the person's key:

- budgets: the key's (``virtual_key_max_budget_check``), its team's (``team_max_budget_check``),
  the person's within that team (``_check_team_member_budget``, given the membership the bridge
  read) and the organisation's (``organization_max_budget_check``, which LiteLLM runs only with
  its database client). Each reads LiteLLM's spend counters (in Redis when the proxy has one)
  next to the figures the bridge read, so spend LiteLLM recorded a moment ago counts;
- per-model budgets (``model_max_budget``, LiteLLM's model budget limiter);
- rpm, tpm and parallel requests of the key, its user, team and team membership (LiteLLM's rate
  limiter; kept in Redis when the proxy has one, so they hold across instances).

Each raises what LiteLLM raises for the key itself (``BudgetExceededError``, 429 with LiteLLM's
message). The user's own ``max_budget`` is checked inside LiteLLM's ``common_checks`` only, so
the bridge's decision applies it by the same rule (plan/access_rules.py). Their accounting
after the call reads the key from the call's metadata, which :func:`enforcement.charge_to`
fills with that key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import litellm
from litellm.exceptions import BudgetExceededError

from litellm_bridge_plugin.releases import (
    budget_check,
    budget_error_kind,
    check_team_member_model_budget,
    litellm_record,
)


class ModelBudgetSpent(Exception):
    """A budget for one model is used up (LiteLLM's limiter said so): the key's
    ``model_max_budget`` (``whose="key"``) or the person's within their team (``"team member"``)."""

    def __init__(self, model: str, max_budget: float, whose: str = "key") -> None:
        super().__init__(f"{whose} budget of {model} used up")
        self.model = model
        self.max_budget = max_budget
        self.whose = whose


def _hook(kind: type[Any]) -> Any:
    for callback in litellm.callbacks:
        if isinstance(callback, kind):
            return callback
    return None


def _proxy(name: str) -> Any:
    """A global of LiteLLM's proxy server module (its budget checks import it too)."""
    from litellm.proxy import proxy_server

    return getattr(proxy_server, name, None)


def team_object(person: Any) -> Any:
    """LiteLLM's team object of the person's key, from the key's own team fields (which the
    bridge keeps as fresh as its spend figures)."""
    if person.team_id is None:
        return None
    return litellm_record("LiteLLM_TeamTable")(
        team_id=person.team_id,
        team_alias=person.team_alias,
        organization_id=person.org_id,
        metadata=person.team_metadata or {},
        max_budget=person.team_max_budget,
        spend=person.team_spend or 0.0,
    )


def membership(person: Any, table: Mapping[str, Any] | None) -> Any:
    """LiteLLM's team membership of the person in the key's team, with its budget row."""
    if person.team_id is None or person.user_id is None:
        return None
    budget_table = litellm_record("LiteLLM_BudgetTable")
    return litellm_record("LiteLLM_TeamMembership")(
        user_id=person.user_id,
        team_id=person.team_id,
        budget_id=(table or {}).get("budget_id"),
        spend=person.team_member_spend or 0.0,
        litellm_budget_table=budget_table(**table) if table else None,
    )


async def check_budgets(person: Any, member_table: Mapping[str, Any] | None) -> None:
    """LiteLLM's budget checks of the key, its team, the person in that team and the
    organisation, with ``person`` (a copy of the key's ``UserAPIKeyAuth``). A
    ``BudgetExceededError`` leaves with ``entity_type`` naming whose budget it is, also on
    releases whose errors do not carry it (1.77.3)."""
    logging = _proxy("proxy_logging_obj")
    cache = _proxy("user_api_key_cache")
    prisma = _proxy("prisma_client")
    team = team_object(person)
    checks: list[tuple[str, str, dict[str, Any]]] = [
        ("key", "key", {"valid_token": person, "proxy_logging_obj": logging}),
        (
            "team",
            "team",
            {"team_object": team, "valid_token": person, "proxy_logging_obj": logging},
        ),
        (
            "team member",
            "team_member",
            {
                "team_object": team,
                "user_object": None,
                "valid_token": person,
                "prisma_client": prisma,
                "user_api_key_cache": cache,
                "proxy_logging_obj": logging,
                "team_membership": membership(person, member_table),
                "team_membership_loaded": True,
            },
        ),
        (
            "organization",
            "organization",
            {
                "valid_token": person,
                "team_object": team,
                "prisma_client": prisma,
                "user_api_key_cache": cache,
                "proxy_logging_obj": logging,
            },
        ),
    ]
    for kind, entity, arguments in checks:
        check = budget_check(kind)
        if check is None:
            continue
        try:
            await check(**arguments)
        except BudgetExceededError as exc:
            if not budget_error_kind(exc):
                exc.entity_type = entity
            raise


async def apply(
    person: Any,
    cache: Any,
    data: dict[str, Any],
    call_type: Any,
    models: Sequence[str],
    member_table: Mapping[str, Any] | None = None,
) -> None:
    """Run LiteLLM's budgets and limits of ``person`` (a ``UserAPIKeyAuth`` copy the bridge
    owns) on this call; raises as LiteLLM does when one is reached."""
    from litellm.proxy.hooks.model_max_budget_limiter import (
        _PROXY_VirtualKeyModelMaxBudgetLimiter as ModelBudgets,
    )
    from litellm.proxy.hooks.parallel_request_limiter_v3 import (
        _PROXY_MaxParallelRequestsHandler_v3 as RateLimiter,
    )

    if person.token:
        await check_budgets(person, member_table)
    budgets = _hook(ModelBudgets)
    if budgets is not None and person.model_max_budget:
        for model in models:
            try:
                await budgets.is_key_within_model_budget(user_api_key_dict=person, model=model)
            except BudgetExceededError as exc:
                raise ModelBudgetSpent(model, exc.max_budget) from None
    if budgets is not None:
        for model in models:
            try:
                await check_team_member_model_budget(budgets, person, model)
            except BudgetExceededError as exc:
                raise ModelBudgetSpent(model, exc.max_budget, "team member") from None
    limiter = _hook(RateLimiter)
    if limiter is not None:
        await limiter.async_pre_call_hook(
            user_api_key_dict=person, cache=cache, data=data, call_type=call_type
        )
