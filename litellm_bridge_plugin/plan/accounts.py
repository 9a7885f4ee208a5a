"""Pure planning: desired state + Open WebUI's actual state + links -> the changes to apply.

The plan holds only differences, so a converged system plans nothing. No I/O here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from litellm_bridge_plugin.domain import (
    Change,
    DesiredState,
    DesiredUser,
    GroupKey,
    Link,
    OpenWebUIState,
    OpenWebUIUser,
    Plan,
    SignupRole,
    Skip,
)
from litellm_bridge_plugin.plan.desired import group_names
from litellm_bridge_plugin.settings import LinkExisting


def _user_fields(user: OpenWebUIUser) -> dict[str, Any]:
    return {"email": user.email, "name": user.name, "role": user.role, "active": user.active}


def _approved(account: OpenWebUIUser, signup: SignupRole) -> bool:
    """Whether the account's role says an Open WebUI admin approved it: a role a sign-up does
    not get by itself. ``user`` counts only while new sign-ups are saved as ``pending``;
    ``admin`` unless sign-ups are made admins."""
    if account.role == "admin":
        return signup.role != "admin"
    return account.role == "user" and signup.role == "pending"


def _unapproved_why(account: OpenWebUIUser, signup: SignupRole) -> str:
    if account.role not in ("user", "admin"):
        return f"it is {account.role!r} (no Open WebUI admin approved it)"
    if signup.role is None:
        return (
            f"it is {account.role!r}, but {signup.describe()}, so the bridge cannot tell an "
            "account an admin approved from a sign-up"
        )
    return (
        f"it is {account.role!r}, which every sign-up gets ({signup.describe()}), so the role "
        "does not say an admin approved it"
    )


def hold_reason(
    account: OpenWebUIUser, email: str, link_existing: LinkExisting, signup: SignupRole
) -> str | None:
    """Why the bridge may not link ``account``, found by ``email``, on its own (None: it may).

    Open WebUI never checks the email of an account made by sign-up, so whoever registers a
    person's email first would get that person's account and grants. Only accounts an identity
    provider vouches for (SSO) or, in ``verified`` mode, that an Open WebUI admin approved are
    linked; ``signup`` (Open WebUI's saved default role for new sign-ups) says whether the
    account's role shows that approval. The others wait for ``litellm-bridge link``, and are
    never changed meanwhile.
    """
    if account.sso and link_existing != "none":
        return None
    if link_existing == "verified" and _approved(account, signup):
        return None
    why = {
        "verified": f"{_unapproved_why(account, signup)}, and it did not sign in through SSO",
        "sso": "it did not sign in through SSO",
        "none": "the bridge links no existing account by itself",
    }[link_existing]
    return (
        f"Open WebUI account {email!r} is held, not linked: {why} "
        f"(BRIDGE_LINK_EXISTING={link_existing}); if it is this person's, run "
        f"`litellm-bridge link {email}`, otherwise delete it in Open WebUI and the bridge "
        "creates the person's account"
    )


def linked_role(want: DesiredUser, link: Link, account: OpenWebUIUser) -> tuple[str, str | None]:
    """The role a linked account gets, and why it is less than the mapped one (or None).

    An account the bridge linked by email on its own, SSO included, is never raised to admin:
    an approval in Open WebUI says someone owns the account, not that it is this person, and
    Open WebUI's account merging by email (``OAUTH_MERGE_ACCOUNTS_BY_EMAIL``) puts the SSO mark
    on whatever account had the email first. Only an account the bridge created or an operator
    linked gets the admin role.
    """
    if (
        want.role == "admin"
        and account.role != "admin"
        and not (link.created_by_bridge or link.by_operator)
    ):
        return "user", (
            f"Open WebUI account {want.email!r} stays 'user', not raised to 'admin': the "
            "bridge linked it by email on its own, and an account that has the email (even "
            "one marked as signed in through SSO) may be someone else's; if it is this "
            f"person's, run `litellm-bridge link {want.email}`"
        )
    return want.role, None


@dataclass(frozen=True, slots=True)
class _Found:
    """The Open WebUI account of a desired user: linked before, found by email, or none."""

    current: OpenWebUIUser | None
    link: Link | None
    via: str | None = None
    """Why an account found by email may be linked; None when no new link is made."""


def _find_account(
    want: DesiredUser,
    link: Link | None,
    actual: OpenWebUIState,
    by_email: Mapping[str, list[OpenWebUIUser]],
    bridge_made: Collection[str],
    link_existing: LinkExisting,
) -> _Found | Skip:
    current = actual.users.get(link.openwebui_id) if link else None
    if current is not None:
        return _Found(current, link)
    same_email = by_email.get(want.email, [])
    if len(same_email) > 1:
        return Skip(
            "user",
            want.litellm_id,
            f"Open WebUI has {len(same_email)} accounts with email {want.email!r}; "
            "merge them in Open WebUI, then the bridge links the one left",
        )
    if not same_email:
        return _Found(None, link)
    account = same_email[0]
    if account.id in bridge_made:
        via = "created by the bridge"
    else:
        reason = hold_reason(account, want.email, link_existing, actual.signup_role)
        if reason is not None:
            return Skip("user", want.litellm_id, reason)
        via = "sso" if account.sso else f"approved ({account.role})"
    return _Found(account, Link("user", want.litellm_id, account.id, False), via)


def _plan_users(
    desired: DesiredState,
    actual: OpenWebUIState,
    links: Mapping[str, Link],
    litellm_user_ids: Collection[str],
    on_user_delete: str,
    link_existing: LinkExisting,
    new_id: Callable[[], str],
    password_for: Collection[str],
    changes: list[Change],
    skips: list[Skip],
) -> tuple[dict[str, str], list[str]]:
    """Plan user changes; return {LiteLLM user id: Open WebUI user id} for desired users, and
    the Open WebUI ids of the desired users who are admins once the plan is applied."""
    by_email = actual.users_by_email()
    bridge_made = {link.openwebui_id for link in links.values() if link.created_by_bridge}
    found: dict[str, _Found] = {}
    for litellm_id in sorted(desired.users):
        result = _find_account(
            desired.users[litellm_id],
            links.get(litellm_id),
            actual,
            by_email,
            bridge_made,
            link_existing,
        )
        if isinstance(result, Skip):
            skips.append(result)
        else:
            found[litellm_id] = result
    roles = {
        litellm_id: linked_role(desired.users[litellm_id], f.link, f.current)
        if f.current is not None and f.link is not None
        else (desired.users[litellm_id].role, None)
        for litellm_id, f in found.items()
    }
    admins = actual.admins_oldest_first()
    will_be_admin = any(role == "admin" for role, _ in roles.values())
    sole_admin = admins[0].id if len(admins) == 1 and not will_be_admin else None
    openwebui_id_of: dict[str, str] = {}
    claimed: set[str] = set()
    for litellm_id, f in found.items():
        want = desired.users[litellm_id]
        current, link = f.current, f.link
        if current is None:
            openwebui_id = link.openwebui_id if link else new_id()
            changes.append(
                Change(
                    "create_user",
                    "user",
                    litellm_id,
                    openwebui_id,
                    after={
                        "email": want.email,
                        "name": want.name,
                        "role": want.role,
                        "active": True,
                    },
                )
            )
            openwebui_id_of[litellm_id] = openwebui_id
            claimed.add(openwebui_id)
            continue
        assert link is not None
        if f.via is not None:
            changes.append(
                Change(
                    "link_user",
                    "user",
                    litellm_id,
                    current.id,
                    before=None,
                    after={"email": current.email, "openwebui_id": current.id, "via": f.via},
                    created_by_bridge=False,
                )
            )
        claimed.add(current.id)
        openwebui_id_of[litellm_id] = current.id
        role, limited = roles[litellm_id]
        if limited is not None:
            skips.append(Skip("user", litellm_id, limited))
        target: dict[str, Any] = {"role": role}
        if current.role == "admin" and role != "admin" and sole_admin == current.id:
            skips.append(
                Skip(
                    "user",
                    litellm_id,
                    f"not demoting {current.email!r}: it is Open WebUI's "
                    "only admin; give LiteLLM user the proxy_admin role or add another admin",
                )
            )
            target["role"] = current.role
        if current.has_auth:
            target["active"] = True
        if link.created_by_bridge:
            target["name"] = want.name
            if current.email != want.email:
                others = [u for u in by_email.get(want.email, []) if u.id != current.id]
                if others:
                    skips.append(
                        Skip(
                            "user",
                            litellm_id,
                            f"cannot change email to {want.email!r}: another Open WebUI "
                            "account already uses it",
                        )
                    )
                else:
                    target["email"] = want.email
            if not current.has_auth:
                target["login"] = want.email
        if litellm_id in password_for:
            if link.created_by_bridge:
                changes.append(
                    Change(
                        "set_password", "user", litellm_id, current.id, after={"password": "set"}
                    )
                )
            else:
                skips.append(
                    Skip(
                        "user",
                        litellm_id,
                        "password from LiteLLM not applied: the "
                        "Open WebUI account existed before and its password is its "
                        "owner's",
                    )
                )
        before = _user_fields(current)
        diff_after = {k: v for k, v in target.items() if k == "login" or before.get(k) != v}
        if diff_after:
            changes.append(
                Change(
                    "update_user",
                    "user",
                    litellm_id,
                    current.id,
                    before={k: before.get(k) for k in diff_after if k != "login"},
                    after=diff_after,
                    created_by_bridge=link.created_by_bridge,
                )
            )
    for litellm_id, link in sorted(links.items()):
        if litellm_id in desired.users:
            continue
        current = actual.users.get(link.openwebui_id)
        if current is None or link.openwebui_id in claimed:
            changes.append(
                Change(
                    "unlink",
                    "user",
                    litellm_id,
                    link.openwebui_id,
                    before={"openwebui_id": link.openwebui_id},
                )
            )
            continue
        removed = litellm_id not in litellm_user_ids
        if removed and on_user_delete == "delete" and link.created_by_bridge:
            changes.append(
                Change(
                    "delete_user",
                    "user",
                    litellm_id,
                    current.id,
                    before=_user_fields(current),
                    after=None,
                )
            )
        elif current.active or current.has_api_key:
            changes.append(
                Change(
                    "deactivate_user",
                    "user",
                    litellm_id,
                    current.id,
                    before=_user_fields(current) | {"api_key": current.has_api_key},
                    after={
                        "active": False,
                        "api_key": False,
                        "reason": "removed from LiteLLM"
                        if removed
                        else "no longer mappable (see skipped)",
                    },
                    created_by_bridge=link.created_by_bridge,
                )
            )
    new_admins = [
        openwebui_id_of[litellm_id]
        for litellm_id, (role, _) in roles.items()
        if role == "admin" and litellm_id in openwebui_id_of
    ]
    return openwebui_id_of, new_admins


def _admin_ids(actual: OpenWebUIState, new_admins: Iterable[str]) -> list[str]:
    """Open WebUI's admins (active, oldest first), then admins the bridge makes."""
    found = [u.id for u in actual.admins_oldest_first()]
    found += new_admins
    return list(dict.fromkeys(found))


def _leaving(changes: Iterable[Change]) -> set[str]:
    """Open WebUI accounts this plan demotes from admin, deactivates or deletes."""
    return {
        c.openwebui_id
        for c in changes
        if c.operation in ("deactivate_user", "delete_user")
        or (c.operation == "update_user" and (c.after or {}).get("role", "admin") != "admin")
    }


def _owner_candidates(
    actual: OpenWebUIState,
    desired: DesiredState,
    openwebui_id_of: Mapping[str, str],
    new_admins: Iterable[str],
) -> list[str]:
    """Who may own bridge groups, best first: Open WebUI's admins (active, oldest first),
    admins the bridge makes, then any user at all (``group.user_id`` must name a user; in
    Open WebUI admins manage every group whoever owns it)."""
    found = _admin_ids(actual, new_admins)
    found += [u.id for u in sorted(actual.users.values(), key=lambda u: (u.created_at or 0, u.id))]
    found += [
        openwebui_id_of[u.litellm_id]
        for u in sorted(desired.users.values(), key=lambda u: u.litellm_id)
        if u.litellm_id in openwebui_id_of
    ]
    return found


def _plan_groups(
    desired: DesiredState,
    actual: OpenWebUIState,
    group_links: Mapping[GroupKey, Link],
    openwebui_id_of: Mapping[str, str],
    owners: Sequence[str],
    new_id: Callable[[], str],
    owned_group_ids: Collection[str] | None,
    changes: list[Change],
    skips: list[Skip],
) -> frozenset[str]:
    owned_ids = (
        set(owned_group_ids)
        if owned_group_ids is not None
        else {link.openwebui_id for link in group_links.values()}
    )
    foreign = [g.name or "" for g in actual.groups.values() if g.id not in owned_ids]
    names = group_names(desired.groups.values(), foreign, desired.named_only)
    valid_owner_ids = set(actual.users) | set(openwebui_id_of.values())
    kept: set[str] = set()
    for key in sorted(desired.groups):
        want = desired.groups[key]
        kind, litellm_id = key
        members = frozenset(
            openwebui_id_of[m] for m in want.member_litellm_ids if m in openwebui_id_of
        )
        link = group_links.get(key)
        current = actual.groups.get(link.openwebui_id) if link else None
        target = {"name": names[key], "description": want.description}
        if current is None:
            owner = owners[0] if owners else None
            if owner is None:
                skips.append(
                    Skip(
                        kind,
                        litellm_id,
                        "no Open WebUI user exists yet to own its "
                        "group; it is created once a user is synced",
                    )
                )
                continue
            openwebui_id = link.openwebui_id if link else new_id()
            kept.add(openwebui_id)
            changes.append(
                Change(
                    "create_group",
                    kind,
                    litellm_id,
                    openwebui_id,
                    before=None,
                    after=target | {"owner": owner, "members": len(members)},
                    add=members,
                )
            )
            continue
        kept.add(current.id)
        before = {
            "name": current.name,
            "description": current.description,
            "owner": current.owner_id,
        }
        if current.owner_id not in valid_owner_ids and owners:
            target["owner"] = owners[0]
        diff = {k: v for k, v in target.items() if before.get(k) != v}
        if diff:
            changes.append(
                Change(
                    "update_group",
                    kind,
                    litellm_id,
                    current.id,
                    before={k: before[k] for k in diff},
                    after=diff,
                )
            )
        add, remove = members - current.member_ids, current.member_ids - members
        if add or remove:
            changes.append(
                Change(
                    "set_members",
                    kind,
                    litellm_id,
                    current.id,
                    before={"members": current.size},
                    after={"members": current.size + len(add) - len(remove)},
                    add=add,
                    remove=remove,
                )
            )
    for key, link in sorted(group_links.items()):
        if key in desired.groups:
            continue
        kind, litellm_id = key
        current = actual.groups.get(link.openwebui_id)
        if current is None:
            changes.append(
                Change(
                    "unlink",
                    kind,
                    litellm_id,
                    link.openwebui_id,
                    before={"openwebui_id": link.openwebui_id},
                )
            )
        else:
            changes.append(
                Change(
                    "delete_group",
                    kind,
                    litellm_id,
                    current.id,
                    before={"name": current.name, "members": current.size},
                )
            )
    return frozenset(kept)


def plan(
    desired: DesiredState,
    actual: OpenWebUIState,
    links: Iterable[Link],
    *,
    litellm_user_ids: Collection[str],
    on_user_delete: str = "deactivate",
    link_existing: LinkExisting = "verified",
    new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    password_for: Collection[str] = (),
    owned_group_ids: Collection[str] | None = None,
) -> Plan:
    """Every change that makes ``actual`` match ``desired``, users before groups.

    ``litellm_user_ids`` are all users LiteLLM has, mappable or not: a linked user who is
    still in LiteLLM but cannot be mapped is only deactivated, never deleted.
    ``password_for`` names users with a password supplied by LiteLLM (a management call):
    set on accounts the bridge created, never on linked ones. ``owned_group_ids`` are the Open
    WebUI ids of every bridge group when ``links`` holds only some (a scoped read).
    ``link_existing`` says which accounts that exist already are linked by email (see
    :func:`hold_reason`).
    """
    links = list(links)
    user_links = {link.litellm_id: link for link in links if link.entity_type == "user"}
    group_links: dict[GroupKey, Link] = {
        (link.entity_type, link.litellm_id): link
        for link in links
        if link.entity_type == "team" or link.entity_type == "organization"
    }
    changes: list[Change] = []
    skips = list(desired.skips)
    openwebui_id_of, new_admins = _plan_users(
        desired,
        actual,
        user_links,
        litellm_user_ids,
        on_user_delete,
        link_existing,
        new_id,
        password_for,
        changes,
        skips,
    )
    bridge_groups = _plan_groups(
        desired,
        actual,
        group_links,
        openwebui_id_of,
        _owner_candidates(actual, desired, openwebui_id_of, new_admins),
        new_id,
        owned_group_ids,
        changes,
        skips,
    )
    accounts = {
        litellm_id: link.openwebui_id
        for litellm_id, link in user_links.items()
        if link.openwebui_id in actual.users
    } | openwebui_id_of
    return Plan(
        changes=tuple(changes),
        skips=tuple(skips),
        bridge_group_ids=bridge_groups,
        user_openwebui_ids=accounts,
        admin_openwebui_ids=tuple(
            a for a in _admin_ids(actual, new_admins) if a not in _leaving(changes)
        ),
    )
