"""Pure mapping: LiteLLM's state -> the Open WebUI users and groups it should produce.

No I/O here. Everything is a function of its arguments so it can be tested with tables.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping

from litellm_bridge_plugin.domain import (
    DesiredGroup,
    DesiredState,
    DesiredUser,
    GroupKey,
    LiteLLMState,
    Skip,
    normalise_email,
)
from litellm_bridge_plugin.settings import FALLBACK_ROLE, OpenWebUIRole

MAX_NAME_LENGTH = 255
MAX_EMAIL_LENGTH = 254
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def normalize_email(raw: str | None) -> tuple[str | None, str | None]:
    """Return ``(email, None)`` for a usable address (lower-cased) or ``(None, reason)``.

    Open WebUI compares emails in lower case at sign-in, so a mixed-case address is stored
    lower-cased or its owner could never log in.
    """
    if raw is None or not raw.strip():
        return None, "user has no email; Open WebUI needs one to sign in"
    email = normalise_email(raw)
    if len(email) > MAX_EMAIL_LENGTH:
        return None, f"email is longer than {MAX_EMAIL_LENGTH} characters"
    if _CONTROL.search(email) or not _EMAIL.match(email):
        return None, f"email {raw.strip()[:80]!r} is not a valid address"
    domain = email.rsplit("@", 1)[1]
    if "." not in domain.strip(".") and domain != "localhost":
        return None, f"email {email[:80]!r} has no valid domain"
    return email, None


def clean_text(value: str, limit: int = MAX_NAME_LENGTH) -> str:
    """Strip control characters and surrounding space, cut to Open WebUI's column size."""
    return _CONTROL.sub("", value).strip()[:limit]


def display_name(alias: str | None, email: str) -> str:
    """``user_alias`` when it has text, else the part of the email before ``@``."""
    name = clean_text(alias or "")
    return name or clean_text(email.split("@", 1)[0])


def openwebui_role(
    litellm_role: str | None, role_map: Mapping[str, OpenWebUIRole]
) -> OpenWebUIRole:
    """Map a LiteLLM role; roles not in the map (and no role) become ``user``."""
    if litellm_role is None:
        return FALLBACK_ROLE
    return role_map.get(litellm_role, FALLBACK_ROLE)


def _desired_users(
    state: LiteLLMState,
    role_map: Mapping[str, OpenWebUIRole],
    linked: Collection[str],
    skips: list[Skip],
) -> dict[str, DesiredUser]:
    users: dict[str, DesiredUser] = {}
    owner_of_email: dict[str, str] = {}
    # Of several users with one email, the one already linked keeps the account; a newcomer
    # never takes it over. Otherwise the smallest user id wins.
    for user in sorted(state.users, key=lambda u: (u.user_id not in linked, u.user_id)):
        email, reason = normalize_email(user.user_email)
        if email is None:
            skips.append(Skip("user", user.user_id, reason or "unusable email"))
            continue
        if email in owner_of_email:
            skips.append(
                Skip(
                    "user",
                    user.user_id,
                    f"email {email!r} also belongs to LiteLLM user "
                    f"{owner_of_email[email]!r}; Open WebUI needs one account per email",
                )
            )
            continue
        owner_of_email[email] = user.user_id
        users[user.user_id] = DesiredUser(
            litellm_id=user.user_id,
            email=email,
            name=display_name(user.user_alias, email),
            role=openwebui_role(user.user_role, role_map),
        )
    return users


def _memberships(state: LiteLLMState) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Union of every place LiteLLM records membership: {group id: {user id}}."""
    teams: dict[str, set[str]] = defaultdict(set)
    orgs: dict[str, set[str]] = defaultdict(set)
    for user_id, team_id in state.team_memberships:
        teams[team_id].add(user_id)
    for team in state.teams:
        teams[team.team_id].update(team.member_ids)
    for user in state.users:
        for team_id in user.teams:
            teams[team_id].add(user.user_id)
        if user.team_id:
            teams[user.team_id].add(user.user_id)
        if user.organization_id:
            orgs[user.organization_id].add(user.user_id)
    for user_id, org_id in state.organization_memberships:
        orgs[org_id].add(user_id)
    return teams, orgs


def desired_state(
    state: LiteLLMState,
    role_map: Mapping[str, OpenWebUIRole],
    linked_users: Collection[str] = (),
) -> DesiredState:
    """Compute the Open WebUI users and groups LiteLLM's ``state`` calls for.

    ``linked_users`` are LiteLLM users that already have an Open WebUI account.
    """
    skips = [Skip(p.entity_type, p.entity_id, p.reason) for p in state.problems]
    users = _desired_users(state, role_map, linked_users, skips)
    team_members, org_members = _memberships(state)
    groups: dict[GroupKey, DesiredGroup] = {}
    for org in state.organizations:
        groups["organization", org.organization_id] = DesiredGroup(
            kind="organization",
            litellm_id=org.organization_id,
            base_name=clean_text(org.organization_alias or "") or org.organization_id,
            description=f"LiteLLM organization {org.organization_id} (managed by litellm-bridge)",
            member_litellm_ids=frozenset(
                org_members.get(org.organization_id, set()) & users.keys()
            ),
        )
    for team in state.teams:
        groups["team", team.team_id] = DesiredGroup(
            kind="team",
            litellm_id=team.team_id,
            base_name=clean_text(team.team_alias or "") or team.team_id,
            description=f"LiteLLM team {team.team_id} (managed by litellm-bridge)",
            member_litellm_ids=frozenset(team_members.get(team.team_id, set()) & users.keys()),
        )
    named_only: dict[GroupKey, str] = {
        (kind, litellm_id): clean_text(alias or "") or litellm_id  # type: ignore[misc]
        for kind, litellm_id, alias in state.other_groups
        if kind in ("team", "organization")
    }
    return DesiredState(users=users, groups=groups, skips=tuple(skips), named_only=named_only)


def group_names(
    groups: Iterable[DesiredGroup],
    foreign_names: Iterable[str],
    named_only: Mapping[GroupKey, str] | None = None,
) -> dict[GroupKey, str]:
    """Give every bridge group a name no other Open WebUI group has (compared case-blind).

    A group keeps its LiteLLM alias unless a group the bridge does not own, or a bridge group
    earlier in (organisations first, then teams, each by id) order, already has it; then it
    becomes ``"<alias> (<kind> <id>)"``. ``named_only``: base names of the other bridge
    groups, which take their names in that order too (a scoped read plans none of them).
    """
    taken = {name.casefold() for name in foreign_names}
    bases = {(g.kind, g.litellm_id): g.base_name for g in groups}
    bases.update(named_only or {})
    names: dict[GroupKey, str] = {}
    for key in sorted(bases, key=lambda k: (k[0] != "organization", k[1])):
        kind, litellm_id = key
        base = name = bases[key]
        counter = 1
        while name.casefold() in taken:
            number = f" #{counter}" if counter > 1 else ""
            suffix = f" ({kind} {litellm_id}{number})"
            name = base[: max(0, MAX_NAME_LENGTH - len(suffix))] + suffix
            counter += 1
        taken.add(name.casefold())
        names[key] = name
    return names
