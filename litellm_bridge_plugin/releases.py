"""The LiteLLM and Open WebUI releases the bridge supports, and where LiteLLM releases differ.

Every difference between supported LiteLLM releases that the bridge has to know about is
handled here, by asking the installed LiteLLM what it has (a function, a parameter, a field),
never by comparing version numbers elsewhere. README "Compatibility" lists what was tested.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SUPPORTED_LITELLM = ("1.77.3", "1.108.7")
"""The oldest and newest LiteLLM releases the test matrix (`make test-compat`) covers."""
SUPPORTED_OPENWEBUI = ("0.6.30", "0.12.4")
"""The oldest and newest Open WebUI releases covered; each schema generation between is tested
with one release (devtools.dbs.OPENWEBUI_GENERATIONS)."""


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
