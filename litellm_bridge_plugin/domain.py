"""The plain records every layer shares: no I/O, no database import.

What a reconcile is about (:class:`Scope`, :data:`Ref`); the two state snapshots (LiteLLM's
rows as the bridge reads them, :class:`LiteLLMState`; Open WebUI's users, groups and signup
role, :class:`OpenWebUIState`) and Open WebUI's model rows; the desired state mapped from
LiteLLM's (:class:`DesiredState`, :class:`Skip`); and the plan (:class:`Plan` of
:class:`Change`, each an :data:`Operation`; :class:`Link`). The planners take and return only
these, so every plan can be built and checked from records made in memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from litellm_bridge_plugin.settings import OpenWebUIRole


def normalise_email(raw: str) -> str:
    """An email as the bridge compares it everywhere: trimmed and lower-cased (Open WebUI
    compares lower-cased emails at sign-in; LiteLLM keeps whatever it was given)."""
    return raw.strip().lower()


@dataclass(frozen=True)
class Scope:
    """Which LiteLLM entities a reconcile may change (by LiteLLM id)."""

    users: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()
    organizations: frozenset[str] = frozenset()

    def describe(self) -> str:
        parts = [
            f"{kind}={','.join(sorted(ids))}"
            for kind, ids in (
                ("users", self.users),
                ("teams", self.teams),
                ("organizations", self.organizations),
            )
            if ids
        ]
        return " ".join(parts) or "nothing"

    def ids(self, entity_type: str) -> frozenset[str]:
        kinds = {"user": self.users, "team": self.teams, "organization": self.organizations}
        return kinds.get(entity_type, frozenset())


Ref = tuple[str, str]
EVERYTHING: Ref = ("*", "*")


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True)


class LiteLLMUser(_Row):
    user_id: str
    user_email: str | None = None
    user_alias: str | None = None
    user_role: str | None = None
    teams: tuple[str, ...] = ()
    team_id: str | None = None
    organization_id: str | None = None
    models: tuple[str, ...] = ()


class LiteLLMTeam(_Row):
    team_id: str
    team_alias: str | None = None
    organization_id: str | None = None
    member_ids: tuple[str, ...] = ()
    blocked: bool = False
    models: tuple[str, ...] = ()


class LiteLLMOrganization(_Row):
    organization_id: str
    organization_alias: str | None = None
    max_budget: float | None = None
    models: tuple[str, ...] = ()


class InputProblem(_Row):
    """A LiteLLM row (or part of one) the bridge could not use, and why."""

    entity_type: str
    entity_id: str
    reason: str


class LiteLLMState(_Row):
    """Everything the bridge maps, as LiteLLM records it right now."""

    users: tuple[LiteLLMUser, ...] = ()
    teams: tuple[LiteLLMTeam, ...] = ()
    organizations: tuple[LiteLLMOrganization, ...] = ()
    team_memberships: tuple[tuple[str, str], ...] = ()
    """(user_id, team_id) pairs from ``LiteLLM_TeamMembership``."""
    organization_memberships: tuple[tuple[str, str], ...] = ()
    """(user_id, organization_id) pairs from ``LiteLLM_OrganizationMembership``."""
    problems: tuple[InputProblem, ...] = ()
    other_groups: tuple[tuple[str, str, str | None], ...] = ()
    """(kind, id, alias) of the teams and organisations a scoped read did not read: their
    names decide clashes with the others' names (empty for a full read)."""


@dataclass(frozen=True, slots=True)
class SignupRole:
    """The role Open WebUI gives an account made by sign-up (its ``DEFAULT_USER_ROLE``), as
    saved in its database, or why it cannot be known."""

    role: str | None
    unknown_because: str | None = None

    def describe(self) -> str:
        if self.role is not None:
            return f"Open WebUI's saved default role for new sign-ups is {self.role!r}"
        return f"Open WebUI's default role for new sign-ups is unknown: {self.unknown_because}"


NOT_READ = SignupRole(None, "it was not read")


@dataclass(frozen=True, slots=True)
class OpenWebUIUser:
    id: str
    email: str | None
    name: str | None
    role: str | None
    created_at: int | None
    has_auth: bool
    active: bool | None
    auth_email: str | None
    has_api_key: bool = False
    sso: bool = False
    """Signed in through SSO (Open WebUI keeps the provider's subject): the identity
    provider vouches for the email, which Open WebUI's own sign-up never checks."""


@dataclass(frozen=True, slots=True)
class OpenWebUIGroup:
    id: str
    name: str | None
    description: str | None
    owner_id: str | None
    member_ids: frozenset[str]
    member_total: int | None = None
    """How many members the group has in all, when ``member_ids`` holds only those among the
    accounts read (a reconcile of a few people); None: ``member_ids`` is every member."""

    @property
    def size(self) -> int:
        return len(self.member_ids) if self.member_total is None else self.member_total


@dataclass(frozen=True)
class OpenWebUIState:
    users: dict[str, OpenWebUIUser] = field(default_factory=dict)
    groups: dict[str, OpenWebUIGroup] = field(default_factory=dict)
    signup_role: SignupRole = NOT_READ
    """The role Open WebUI gives new sign-ups: says whether role ``user`` means an admin
    approved the account (planner.hold_reason)."""

    def users_by_email(self) -> dict[str, list[OpenWebUIUser]]:
        """Users keyed by lower-cased email (a list: old databases may hold duplicates)."""
        found: dict[str, list[OpenWebUIUser]] = defaultdict(list)
        for user in self.users.values():
            if user.email:
                found[normalise_email(user.email)].append(user)
        return found

    def admins_oldest_first(self) -> list[OpenWebUIUser]:
        """Admins, active ones first, each group oldest first (the instance's owner leads)."""
        admins = [u for u in self.users.values() if u.role == "admin"]
        return sorted(admins, key=lambda u: (u.active is False, u.created_at or 0, u.id))


@dataclass(frozen=True, slots=True)
class ModelRow:
    id: str
    owner: str | None
    name: str | None
    active: bool
    marked: bool = False
    """``meta`` carries the bridge's mark: the bridge made this row (people's rows never do)."""


def model_id(name: str, prefix: str) -> str:
    """The id Open WebUI gives a model of the proxy's connection."""
    return f"{prefix}.{name}" if prefix else name


EntityType = Literal["user", "team", "organization", "model"]


Operation = Literal[
    "create_user",
    "link_user",
    "update_user",
    "set_password",
    "deactivate_user",
    "delete_user",
    "unlink",
    "create_group",
    "update_group",
    "set_members",
    "delete_group",
    "create_model",
    "link_model",
    "update_model",
    "set_model_access",
    "delete_model",
]


@dataclass(frozen=True, slots=True)
class Link:
    """A row of ``litellm_bridge.link``: which Open WebUI row stands for a LiteLLM entity."""

    entity_type: EntityType
    litellm_id: str
    openwebui_id: str
    created_by_bridge: bool
    by_operator: bool = False
    """An operator linked the account (``litellm-bridge link``): its role is managed in full."""


@dataclass(frozen=True, slots=True)
class Change:
    """One change to Open WebUI (and the bridge's link table), with its audit record."""

    operation: Operation
    entity_type: EntityType
    entity_id: str
    openwebui_id: str
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    add: frozenset[str] = frozenset()
    """For group changes: Open WebUI user ids to add."""
    remove: frozenset[str] = frozenset()
    """For group changes: Open WebUI user ids to remove."""
    created_by_bridge: bool = True


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...]
    skips: tuple[Skip, ...]
    bridge_group_ids: frozenset[str] = field(default_factory=frozenset)
    """Open WebUI ids of every group the bridge owns (kept or created by this plan)."""
    user_openwebui_ids: Mapping[str, str] = field(default_factory=dict)
    """{LiteLLM user id: Open WebUI user id} of every user read that has an account (or gets
    one from this plan), mappable or not."""
    admin_openwebui_ids: tuple[str, ...] = ()
    """Open WebUI admins once this plan is applied (none it demotes, deactivates or
    deletes), oldest first: the owners of the bridge's model rows."""

    def extended(self, changes: Iterable[Change], skips: Iterable[Skip]) -> Plan:
        return replace(self, changes=(*self.changes, *changes), skips=(*self.skips, *skips))

    def count(self, operation: Operation) -> int:
        return sum(1 for c in self.changes if c.operation == operation)


GroupKind = Literal["organization", "team"]


GroupKey = tuple[GroupKind, str]


@dataclass(frozen=True, slots=True)
class DesiredUser:
    litellm_id: str
    email: str
    name: str
    role: OpenWebUIRole


@dataclass(frozen=True, slots=True)
class DesiredGroup:
    kind: GroupKind
    litellm_id: str
    base_name: str
    description: str
    member_litellm_ids: frozenset[str]


@dataclass(frozen=True, slots=True)
class Skip:
    """A LiteLLM entity that produces nothing in Open WebUI, and the reason."""

    entity_type: str
    entity_id: str
    reason: str


@dataclass(frozen=True)
class DesiredState:
    users: Mapping[str, DesiredUser]
    groups: Mapping[GroupKey, DesiredGroup]
    skips: tuple[Skip, ...]
    named_only: Mapping[GroupKey, str] = field(default_factory=dict)
    """Base names of the groups of teams and organisations a scoped read did not read: they
    decide clashes with the others' names; nothing is planned for them."""
