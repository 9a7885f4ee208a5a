"""Who may call which model, decided by LiteLLM's own rules (pure: no I/O).

The model-list checks are LiteLLM's (``litellm.proxy.auth.auth_checks.can_object_call_model``:
``all-proxy-models``, ``*``, wildcards, access groups through the router, ``all-team-models``);
this module only composes them the way LiteLLM's request path does for a key: the key's own
models, then a blocked or restricting team, then the user's models for a personal key, then
the organisation's models.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from litellm_bridge_plugin.releases import can_object_call_model

NO_DEFAULT_MODELS = "no-default-models"
ALL_TEAM_MODELS = "all-team-models"


@dataclass(frozen=True, slots=True)
class Budget:
    """Spend against ``max_budget`` (LiteLLM refuses once spend reaches it)."""

    spend: float = 0.0
    max_budget: float | None = None
    resets_at: datetime | None = None
    """When LiteLLM sets spend back to 0 (``budget_reset_at``; None: never)."""

    @property
    def exceeded(self) -> bool:
        return self.max_budget is not None and self.spend >= self.max_budget

    @property
    def passed(self) -> bool:
        """Spend beyond ``max_budget``: how LiteLLM's team budget check compares."""
        return self.max_budget is not None and self.spend > self.max_budget

    def describe(self, whose: str) -> str:
        return f"{whose} is over budget: spend {self.spend:.4g} >= max_budget {self.max_budget:.4g}"


NO_BUDGET = Budget()


@dataclass(frozen=True, slots=True)
class KeyGrant:
    """The parts of a LiteLLM key that decide which models it may call (never its hash)."""

    key_alias: str | None
    models: tuple[str, ...] = ()
    user_id: str | None = None
    team_id: str | None = None
    organization_id: str | None = None
    expires: datetime | None = None
    blocked: bool = False
    budget: Budget = NO_BUDGET
    member_budget: Budget = NO_BUDGET
    """The key's user's budget within the key's team (LiteLLM's team membership)."""
    member_table: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)
    """That membership's budget row, as LiteLLM's ``LiteLLM_BudgetTable`` takes it."""
    auth: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The key as LiteLLM's ``UserAPIKeyAuth`` takes it (its combined key/team view, the hash
    included): what an Open WebUI call it grants is made as. Never logged."""

    @property
    def order(self) -> tuple[bool, bool, str, str]:
        """Which of several granting keys an Open WebUI call is made with: team keys before
        personal ones, then by alias (keys without one last), then by LiteLLM's key name."""
        return (
            self.team_id is None,
            self.key_alias is None,
            self.key_alias or "",
            str(self.auth.get("key_name") or ""),
        )


@dataclass(frozen=True, slots=True)
class Holder:
    """A user, team or organisation as far as model access goes."""

    id: str
    models: tuple[str, ...] = ()
    blocked: bool = False
    organization_id: str | None = None
    """The organisation a team or user belongs to."""
    budget: Budget = NO_BUDGET


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str
    """The whole story, naming keys, teams and budgets: for operators and the proxy log."""
    over_budget: bool = False
    """Refused only because a budget is spent (the grant itself holds)."""
    expired: bool = False
    """Refused only because the key that would grant it has passed its ``expires``."""
    key: KeyGrant | None = None
    """The key the call is made as (``BRIDGE_ACCESS_SOURCE=keys``, allowed calls only)."""
    spent: tuple[str, Budget] | None = None
    """Refused for a budget: whose (key, user, team, organization) and which."""


def key_is_live(key: KeyGrant, now: datetime) -> bool:
    """Not blocked and not past ``expires`` (naive timestamps are UTC, as LiteLLM stores)."""
    if key.blocked:
        return False
    if key.expires is None:
        return True
    expires = key.expires if key.expires.tzinfo else key.expires.replace(tzinfo=UTC)
    return expires > now


class ModelCheck:
    """LiteLLM's ``can_object_call_model`` with one router, its answers remembered: many keys,
    users and teams share one model list. Each reconcile run and each loaded state of the
    proxy's check owns one (never shared between threads), so no answer outlives the router's
    models or the grants it was given with."""

    LIMIT = 200_000

    def __init__(self, router: Any = None) -> None:
        self.router = router
        self._answers: dict[tuple[Any, ...], bool] = {}

    def using(self, router: Any) -> ModelCheck:
        """This check with ``router`` (the answers are dropped when the router changed)."""
        if router is not self.router:
            self.router = router
            self._answers.clear()
        return self

    def allows(
        self, model: str, models: Sequence[str], object_type: str, team_id: str | None = None
    ) -> bool:
        key = (model, tuple(models), object_type, team_id)
        answer = self._answers.get(key)
        if answer is None:
            answer = _ask_litellm(model, models, self.router, object_type, team_id)
            if len(self._answers) >= self.LIMIT:  # model names come from callers
                self._answers.clear()
            self._answers[key] = answer
        return answer


def model_check(router: Any) -> ModelCheck:
    """``router`` if it is a :class:`ModelCheck` already, else a new one for it (the functions
    here take either: a caller that decides many things passes one it keeps)."""
    return router if isinstance(router, ModelCheck) else ModelCheck(router)


def _allows(
    model: str,
    models: Sequence[str],
    router: Any,
    object_type: str,
    team_id: str | None = None,
) -> bool:
    return model_check(router).allows(model, models, object_type, team_id)


def _ask_litellm(
    model: str,
    models: Sequence[str],
    router: Any,
    object_type: str,
    team_id: str | None,
) -> bool:
    try:
        can_object_call_model()(
            model=model,
            llm_router=router,
            models=list(models),
            # a team's model aliases are not grants: the alias rewrites the name only on the
            # team's own keys, so through Open WebUI's service key the real model of that name
            # would answer
            team_model_aliases=None,
            team_id=team_id,
            object_type=object_type,
        )
    except Exception:
        return False
    return True


def key_may_call(
    model: str,
    key: KeyGrant,
    *,
    user: Holder | None,
    team: Holder | None,
    organization: Holder | None,
    router: Any = None,
    now: datetime,
) -> Decision:
    """May ``key`` call ``model`` now, and why (the reason names what grants or refuses)."""
    router = model_check(router)
    name = key.key_alias or "a key without alias"
    if key.blocked:
        return Decision(False, f"key {name} is blocked")
    if not key_is_live(key, now):
        live = key_may_call(
            model,
            replace(key, expires=None),
            user=user,
            team=team,
            organization=organization,
            router=router,
            now=now,
        )
        return Decision(False, f"key {name} expired at {key.expires}", expired=live.allowed)
    # LiteLLM's request path (user_api_key_auth) skips the key's own check for a key with
    # all-team-models and lets the team's check decide; releases differ in whether their model
    # check knows the name (1.77.3's does not), so it is not asked
    if ALL_TEAM_MODELS not in key.models and not _allows(
        model, key.models, router, "key", key.team_id
    ):
        return Decision(False, f"key {name} is limited to {list(key.models)}")
    if team is not None:
        if team.blocked:
            return Decision(False, f"team {team.id} is blocked")
        if not _allows(model, team.models, router, "team", team.id):
            return Decision(False, f"team {team.id} is limited to {list(team.models)}")
    elif user is not None:
        if NO_DEFAULT_MODELS in user.models:
            return Decision(False, f"user {user.id} has no default models (team keys only)")
        if not _allows(model, user.models, router, "user"):
            return Decision(False, f"user {user.id} is limited to {list(user.models)}")
    if (
        organization is not None
        and organization.models
        and not _allows(model, organization.models, router, "org", None)
    ):
        return Decision(
            False, f"organization {organization.id} is limited to {list(organization.models)}"
        )
    via = f"team {team.id}" if team is not None else "a personal key"
    return Decision(True, f"key {name} ({via}) may call {model}")


def user_models(
    user: Holder,
    *,
    catalog: Sequence[str],
    keys: Sequence[KeyGrant],
    teams: Mapping[str, Holder],
    organizations: Mapping[str, Holder],
    user_teams: Collection[str] = (),
    router: Any = None,
    now: datetime,
    source: Literal["keys", "user"] = "keys",
) -> dict[str, Decision]:
    """For every model in ``catalog``: may ``user`` use it, and why.

    ``keys`` (BRIDGE_ACCESS_SOURCE=keys, the default): a model is granted when at least one of
    the user's live keys may call it under LiteLLM's rules; a user without live keys gets
    nothing. ``user``: the user's own models, within a team's models when the user is in
    teams, and within the organisation's.
    """
    router = model_check(router)
    own = [k for k in keys if k.user_id == user.id]
    decisions: dict[str, Decision] = {}
    for model in catalog:
        if source == "keys":
            decisions[model] = _by_keys(model, user, own, teams, organizations, router, now)
        else:
            decisions[model] = _by_user(model, user, user_teams, teams, organizations, router)
    return decisions


LITELLM_DECIDES = frozenset({"key", "team", "team_member"})
"""Budgets LiteLLM's own checks apply to the call made with the key (limits.py): when every
granting key has one spent by the bridge's figures, the call is still made with the first and
LiteLLM's check decides (its rule: a team only past its budget, a member's temporary increase,
its live spend counters). The user's own budget and the organisation's are decided here."""


def _key_budget_refusal(
    key: KeyGrant,
    user: Holder,
    team: Holder | None,
    organization: Holder | None,
    user_budget_on_team_keys: bool,
) -> Decision | None:
    """The first budget spent on the way of a call made with ``key``, compared as LiteLLM's
    checks compare each (a team only once spend passes its budget; the user's own budget on a
    team key only with ``apply_user_budget_to_team_keys``). LiteLLM's own checks run again on
    the call itself (limits.py); this picks a key with budget left, and refuses for the budgets
    LiteLLM does not check per key (see :data:`LITELLM_DECIDES`)."""
    name = key.key_alias or "a key without alias"
    user_budget = user.budget if key.team_id is None or user_budget_on_team_keys else NO_BUDGET
    checks: tuple[tuple[str, str, Budget], ...] = (
        ("key", f"key {name}", key.budget),
        ("user", f"user {user.id}", user_budget),
        ("team", f"team {team.id}" if team else "", team.budget if team else NO_BUDGET),
        ("team_member", f"user {user.id} in team {key.team_id}", key.member_budget),
        (
            "organization",
            f"organization {organization.id}" if organization else "",
            organization.budget if organization else NO_BUDGET,
        ),
    )
    for kind, whose, budget in checks:
        if budget.passed if kind == "team" else budget.exceeded:
            return Decision(False, budget.describe(whose), over_budget=True, spent=(kind, budget))
    return None


def _by_keys(
    model: str,
    user: Holder,
    keys: Sequence[KeyGrant],
    teams: Mapping[str, Holder],
    organizations: Mapping[str, Holder],
    router: Any,
    now: datetime,
    budgets: bool = False,
    user_budget_on_team_keys: bool = False,
) -> Decision:
    if not keys:
        return Decision(False, f"user {user.id} has no keys")
    refusals: list[Decision] = []
    spent: list[Decision] = []
    deferred: Decision | None = None
    for key in sorted(keys, key=lambda k: k.order):
        team = teams.get(key.team_id) if key.team_id else None
        org_id = (
            key.organization_id or (team.organization_id if team else None) or user.organization_id
        )
        organization = organizations.get(org_id) if org_id else None
        decision = key_may_call(
            model,
            key,
            user=user,
            team=team,
            organization=organization,
            router=router,
            now=now,
        )
        if not decision.allowed:
            refusals.append(decision)
            continue
        refusal = (
            _key_budget_refusal(key, user, team, organization, user_budget_on_team_keys)
            if budgets
            else None
        )
        if refusal is None:
            return replace(decision, key=key)
        spent.append(refusal)
        if refusal.spent is not None and refusal.spent[0] in LITELLM_DECIDES and not deferred:
            deferred = replace(decision, key=key, reason=f"{decision.reason} ({refusal.reason})")
    if deferred is not None:
        return deferred
    if spent:
        return replace(spent[0], reason="; ".join(d.reason for d in spent))
    return Decision(
        False,
        "; ".join(r.reason for r in refusals),
        expired=any(r.expired for r in refusals),
    )


def call_decision(
    model: str,
    user: Holder,
    *,
    keys: Sequence[KeyGrant],
    teams: Mapping[str, Holder],
    organizations: Mapping[str, Holder],
    user_teams: Collection[str] = (),
    router: Any = None,
    now: datetime,
    source: Literal["keys", "user"] = "keys",
    user_budget_on_team_keys: bool = False,
) -> Decision:
    """May ``user`` make a call to ``model`` now: their grant, then every budget on the way:
    with ``source="keys"`` those of the granting key (see :func:`_key_budget_refusal`), with
    ``source="user"`` the user's own, their teams' and their organisation's."""
    router = model_check(router)
    own = [k for k in keys if k.user_id == user.id]
    if source == "keys":
        return _by_keys(
            model,
            user,
            own,
            teams,
            organizations,
            router,
            now,
            budgets=True,
            user_budget_on_team_keys=user_budget_on_team_keys,
        )
    if user.budget.exceeded:
        return Decision(
            False,
            user.budget.describe(f"user {user.id}"),
            over_budget=True,
            spent=("user", user.budget),
        )
    decision = _by_user(model, user, user_teams, teams, organizations, router)
    if not decision.allowed:
        return decision
    holders = [teams[t] for t in sorted(user_teams) if t in teams]
    if user.organization_id is not None and user.organization_id in organizations:
        holders.append(organizations[user.organization_id])
    for holder in holders:
        if holder.budget.exceeded:
            kind = "team" if holder.id in teams else "organization"
            return Decision(
                False,
                holder.budget.describe(f"{kind} {holder.id}"),
                over_budget=True,
                spent=(kind, holder.budget),
            )
    return decision


def _by_user(
    model: str,
    user: Holder,
    user_teams: Collection[str],
    teams: Mapping[str, Holder],
    organizations: Mapping[str, Holder],
    router: Any,
) -> Decision:
    member_of = [teams[t] for t in sorted(user_teams) if t in teams and not teams[t].blocked]
    granting = [t for t in member_of if _allows(model, t.models, router, "team", t.id)]
    if NO_DEFAULT_MODELS in user.models:
        if not granting:
            return Decision(False, f"user {user.id} has team models only and no team grants it")
    elif not _allows(model, user.models, router, "user"):
        return Decision(False, f"user {user.id} is limited to {list(user.models)}")
    elif member_of and not granting:
        return Decision(False, f"none of user {user.id}'s teams grants it")
    org = organizations.get(user.organization_id) if user.organization_id else None
    if org is not None and org.models and not _allows(model, org.models, router, "org"):
        return Decision(False, f"organization {org.id} is limited to {list(org.models)}")
    return Decision(
        True,
        f"user {user.id}'s own models" + (f" within team {granting[0].id}" if granting else ""),
    )
