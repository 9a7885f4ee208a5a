"""The LiteLLM and Open WebUI releases the bridge supports, and where LiteLLM releases differ.

Every difference between supported LiteLLM releases that the bridge has to know about is
handled here, by asking the installed LiteLLM what it has (a function, a parameter, a field),
never by comparing version numbers elsewhere. README "Compatibility" lists what was tested.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

SUPPORTED_LITELLM = ("1.77.3", "1.108.7")
"""The oldest and newest LiteLLM releases the bridge is tested on (`make test-compat`; `make
test` runs the release pinned in constraints.txt). README "Compatibility" has the table."""
SUPPORTED_OPENWEBUI = ("0.6.30", "0.12.4")
"""The oldest and newest Open WebUI releases covered; each schema generation between is tested
with one release (devtools.dbs.OPENWEBUI_GENERATIONS)."""
PROXY_ADMIN_NAME = "default_user_id"
"""LiteLLM's ``LITELLM_PROXY_ADMIN_NAME``: the user id the master key acts as, so what
``/key/generate`` records as ``created_by`` for a key the master key makes. A fixed constant in
every supported release (no setting or environment variable changes it); kept here so the CLI
need not import LiteLLM (seconds) to know it."""


def proxy_admin_name() -> str:
    """The user id LiteLLM's master key acts as: the running proxy's own
    (``proxy_server.litellm_proxy_admin_name``) inside the proxy, else
    :data:`PROXY_ADMIN_NAME`."""
    proxy = sys.modules.get("litellm.proxy.proxy_server")
    found = getattr(proxy, "litellm_proxy_admin_name", None)
    return found if isinstance(found, str) and found else PROXY_ADMIN_NAME


def team_member_model_budget(
    member_budget: Mapping[str, Any] | None, team_metadata: Mapping[str, Any] | None, default: Any
) -> Mapping[str, Any] | None:
    """The per-model budget of a person within a team, by LiteLLM's rule (1.108's
    ``_load_team_member_default_model_budget``): the membership's own budget row when it is not
    the team's default member budget and has a non-empty ``model_max_budget``, else the team's
    default member budget's (``metadata.team_member_budget_id``). Releases without the
    feature ignore the field it fills (``UserAPIKeyAuth.team_member_model_max_budget``)."""
    default_id = (team_metadata or {}).get("team_member_budget_id")
    own = (member_budget or {}).get("model_max_budget")
    if (
        member_budget is not None
        and member_budget.get("budget_id") != default_id
        and isinstance(own, Mapping)
        and own
    ):
        return own
    if not isinstance(default_id, str):
        return None
    return default if isinstance(default, Mapping) else None


async def check_team_member_model_budget(limiter: Any, person: Any, model: str) -> None:
    """LiteLLM's own check of the person's per-model budget in their team, on releases that
    have it (1.108+: ``is_team_member_within_model_budget``; raises ``BudgetExceededError``);
    older releases have no such budget and nothing is checked."""
    check = getattr(limiter, "is_team_member_within_model_budget", None)
    budget = getattr(person, "team_member_model_max_budget", None)
    if check is None or not budget or not person.user_id or not person.team_id:
        return
    await check(
        user_id=person.user_id,
        team_id=person.team_id,
        team_member_model_max_budget=budget,
        model=model,
    )


def _first(module: str, *names: str) -> Any:
    """The first of ``names`` the installed LiteLLM's ``module`` has (a function a release
    renamed keeps its old name there), else None."""
    found = importlib.import_module(module)
    return next((getattr(found, n) for n in names if hasattr(found, n)), None)


def can_object_call_model() -> Callable[..., Any]:
    """LiteLLM's model-access check (``can_object_call_model``; older releases such as 1.77.3
    have it only as ``_can_object_call_model``)."""
    found = _first(
        "litellm.proxy.auth.auth_checks", "can_object_call_model", "_can_object_call_model"
    )
    if found is None:
        raise ImportError("the installed LiteLLM has no can_object_call_model")
    return found  # type: ignore[no-any-return]


def litellm_record(name: str) -> Any:
    """One of LiteLLM's table models (``LiteLLM_TeamTable``, ``LiteLLM_BudgetTable``,
    ``LiteLLM_TeamMembership``): in ``litellm.models`` on newer releases, in
    ``litellm.proxy._types`` on older ones."""
    modules = {
        "LiteLLM_TeamTable": "litellm.models.team",
        "LiteLLM_BudgetTable": "litellm.models.budget",
        "LiteLLM_TeamMembership": "litellm.models.team_membership",
    }
    try:
        return getattr(importlib.import_module(modules[name]), name)
    except ImportError:
        return getattr(importlib.import_module("litellm.proxy._types"), name)


def budget_check(kind: str) -> Callable[..., Any] | None:
    """LiteLLM's budget check of ``kind`` (``key``, ``team``, ``team member``,
    ``organization``) under its current or older name; None where the installed release has
    none (then the bridge's own comparison of the same figures is the check)."""
    names = {
        "key": ("virtual_key_max_budget_check", "_virtual_key_max_budget_check"),
        "team": ("team_max_budget_check", "_team_max_budget_check"),
        "team member": ("_check_team_member_budget",),
        "organization": ("organization_max_budget_check",),
    }[kind]
    found = _first("litellm.proxy.auth.auth_checks", *names)
    if found is None and kind == "team member":
        return _team_member_budget_inline
    return found  # type: ignore[no-any-return]


async def _team_member_budget_inline(*, valid_token: Any, team_membership: Any, **_: Any) -> None:
    """The person's budget within the team on releases that check it inline in
    ``user_api_key_auth`` rather than in a function the bridge could call (1.77.3): refused
    once ``team_member_spend`` passes a ``max_budget`` above 0, with LiteLLM's own error. (Later
    releases' ``_check_team_member_budget`` refuses from spend equal to the budget.)"""
    from litellm.exceptions import BudgetExceededError

    spend = getattr(valid_token, "team_member_spend", None)
    table = getattr(team_membership, "litellm_budget_table", None)
    budget = getattr(table, "max_budget", None)
    if spend is not None and budget is not None and budget > 0 and spend > budget:
        raise BudgetExceededError(current_cost=spend, max_budget=budget)


def budget_error_kind(error: Any) -> str | None:
    """Whose budget a ``BudgetExceededError`` is about (``entity_type``, which older releases'
    errors do not carry)."""
    kind = getattr(error, "entity_type", None)
    return str(kind) if kind else None


def fallback_walker() -> Callable[[Any], Any] | None:
    """LiteLLM's walker of the models a request's fallback fields may reach
    (``request_fallback_model_names``, what its key checks use); None on releases without it
    (1.77.3), where the bridge refuses those fields rather than guess."""
    return _first(  # type: ignore[no-any-return]
        "litellm.proxy.auth.auth_utils", "request_fallback_model_names"
    )


def load_callback(name: str, config_path: str) -> Any:
    """What the installed LiteLLM loads for the callback ``name`` written in the config at
    ``config_path``, by its own loader (``get_instance_fn``): a file of that name beside the
    config, and on newer releases the installed module when there is no such file (1.77.3
    only the file). Raises ImportError with LiteLLM's reason when it loads nothing."""
    loader = _first("litellm.proxy.types_utils.utils", "get_instance_fn")
    if loader is None:
        raise ImportError("the installed LiteLLM has no get_instance_fn")
    return loader(name, config_file_path=config_path)
