"""`litellm-bridge verify-user EMAIL`: one person as LiteLLM and Open WebUI each see them.

LiteLLM's side: the user, role, organisation, teams, keys (alias, models, expiry, blocked,
budget and spend; never a token or hash). Open WebUI's side: the account, role, whether it is
active, whether the bridge created or linked it, its groups and the models it sees. Then, for
every model served, whether the person may use it and why (which key, team or organisation
grants or blocks it), and every place where Open WebUI shows something else.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg

from litellm_bridge_plugin.connections import connect
from litellm_bridge_plugin.domain import (
    DesiredUser,
    Link,
    OpenWebUIUser,
    SignupRole,
    model_id,
    normalise_email,
)
from litellm_bridge_plugin.engine import bridge_db, enrolment
from litellm_bridge_plugin.engine.sync import detect_schema
from litellm_bridge_plugin.litellm import tables as litellm_db
from litellm_bridge_plugin.litellm.access_reads import AccessState, read_access
from litellm_bridge_plugin.litellm.catalog import ModelSource
from litellm_bridge_plugin.openwebui import models as openwebui_models
from litellm_bridge_plugin.openwebui import state as openwebui_state
from litellm_bridge_plugin.plan.accounts import hold_reason, linked_role
from litellm_bridge_plugin.plan.desired import openwebui_role
from litellm_bridge_plugin.plan.models import listable
from litellm_bridge_plugin.settings import Settings

MAX_EMAIL = 320


class VerifyError(Exception):
    """The question cannot be asked as put (for example: not an email)."""


def check_email(email: str) -> str:
    email = email.strip()
    if "@" not in email or len(email) > MAX_EMAIL or any(ord(c) < 32 for c in email):
        raise VerifyError(f"{email[:80]!r} is not an email address")
    return normalise_email(email)


def _key_view(key: Any, now: datetime) -> dict[str, Any]:
    expires = key.expires.replace(tzinfo=key.expires.tzinfo or UTC) if key.expires else None
    return {
        "alias": key.key_alias,
        "models": list(key.models) or ["(all the owner may use)"],
        "team": key.team_id,
        "expires": expires.isoformat() if expires else None,
        "expired": bool(expires and expires <= now),
        "blocked": key.blocked,
        "spend": key.budget.spend,
        "max_budget": key.budget.max_budget,
    }


def _litellm_view(access: AccessState, user_id: str, now: datetime) -> dict[str, Any]:
    user = access.users[user_id]
    org = access.organizations.get(user.holder.organization_id or "")
    return {
        "user_id": user_id,
        "email": user.email,
        "organization": org.id if org else user.holder.organization_id,
        "organization_models": list(org.models) if org else [],
        "teams": [
            {
                "team_id": t,
                "models": list(access.teams[t].models) if t in access.teams else [],
                "blocked": access.teams[t].blocked if t in access.teams else None,
            }
            for t in user.teams
        ],
        "models": list(user.holder.models),
        "spend": user.holder.budget.spend,
        "max_budget": user.holder.budget.max_budget,
        "keys": [_key_view(k, now) for k in access.keys.get(user_id, ())],
    }


def _managed(link: Link | None, held: str | None) -> str:
    if link is None:
        return "held: not linked (see problems)" if held else "no (not linked to a LiteLLM user)"
    if link.created_by_bridge:
        return "created"
    return "linked by an operator" if link.by_operator else "linked (by email)"


def _openwebui_view(
    openwebui: psycopg.Connection[Any], email: str, link: Link | None
) -> tuple[dict[str, Any] | None, OpenWebUIUser | None, SignupRole]:
    schema = detect_schema(openwebui)
    ids = {link.openwebui_id} if link else set()
    state = openwebui_state.read_scope(openwebui, schema, ids, {email}, set())
    account = state.users.get(link.openwebui_id) if link else None
    if account is None:
        account = next(iter(state.users_by_email().get(email, [])), None)
    if account is None:
        return None, None, state.signup_role
    group_ids = openwebui_state.groups_of_members(openwebui, schema, {account.id})
    names = {g.id: g.name for g in state.groups.values()}
    admin = account.role == "admin"
    return (
        {
            "id": account.id,
            "email": account.email,
            "role": account.role,
            "active": account.active,
            "sso": account.sso,
            "groups": sorted(names.get(g, g) for g in group_ids),
            "sees_every_model": admin,
            "visible_models": None
            if admin
            else sorted(openwebui_models.visible_models(openwebui, schema, account.id, group_ids)),
        },
        account,
        state.signup_role,
    )


def verify_user(settings: Settings, email: str) -> dict[str, Any]:
    """The report for ``email`` (see the module docstring); ``problems`` lists differences."""
    email = check_email(email)
    now = datetime.now(UTC)
    with connect(settings.litellm_database_url, "LiteLLM", autocommit=True) as litellm:
        bridge_db.ensure_schema(litellm)
        user_ids = litellm_db.users_with_email(litellm, email)
        access = read_access(litellm, set(user_ids))
        catalog = ModelSource(config=settings.litellm_config).served(litellm)
        if catalog is None:
            catalog = sorted(set(bridge_db.read_model_rows(litellm).values()))
        links = [
            link
            for link in bridge_db.read_links_scoped(litellm, users=user_ids)
            if link.entity_type == "user"
        ]
        roles = {
            row["user_id"]: openwebui_role(row["user_role"], settings.role_map)
            for row in litellm_db.fetch(litellm, "users_by_id", {"users": user_ids})
        }
    linked = links[0] if links else None
    with connect(settings.openwebui_database_url, "Open WebUI", autocommit=True) as openwebui:
        owui, account, signup = _openwebui_view(openwebui, email, linked)
    with connect(settings.litellm_database_url, "LiteLLM", autocommit=True) as litellm:
        enrolled = enrolment.of_person(litellm, account.id if account else None, user_ids)
    if account is None or (linked is not None and linked.openwebui_id != account.id):
        linked = None  # the linked account is gone: the next reconcile makes another link
    held = None
    if account is not None and linked is None and len(user_ids) == 1:
        held = hold_reason(account, email, settings.link_existing, signup)
    if owui is not None:
        owui["managed_by_bridge"] = _managed(linked, held)
    report: dict[str, Any] = {
        "email": email,
        "litellm": [_litellm_view(access, u, now) for u in user_ids if u in access.users],
        "openwebui": owui,
        "models": [],
        "problems": [],
        "enrolment": {"mode": settings.enrol, "last": enrolled},
    }
    problems: list[str] = report["problems"]
    if not user_ids:
        problems.append(
            "LiteLLM has no user with this email"
            + (f" (enrolment {enrolled})" if enrolled and settings.enrol != "none" else "")
        )
    if len(user_ids) > 1:
        problems.append(
            f"{len(user_ids)} LiteLLM users share this email ({', '.join(user_ids)}); the "
            "bridge skips them until each has one email"
        )
    if owui is None or account is None:
        problems.append("Open WebUI has no account with this email")
    elif held is not None:
        problems.append(held)
    elif user_ids and linked is None:
        problems.append("the Open WebUI account is not linked yet: run `litellm-bridge sync`")
    elif owui["active"] is False and user_ids:
        problems.append("the Open WebUI account is deactivated although LiteLLM has the user")
    if account is not None and linked is not None and linked.litellm_id in roles:
        want = DesiredUser(linked.litellm_id, email, "", roles[linked.litellm_id])
        limited = linked_role(want, linked, account)[1]
        if limited is not None:
            problems.append(limited)
    if len(user_ids) == 1 and user_ids[0] in access.users:
        _models(report, access, user_ids[0], catalog, settings, now)
    return report


def _models(
    report: dict[str, Any],
    access: AccessState,
    user_id: str,
    catalog: list[str],
    settings: Settings,
    now: datetime,
) -> None:
    owui = report["openwebui"]
    visible = (
        None if owui is None or owui["visible_models"] is None else set(owui["visible_models"])
    )
    granted = access.granted(user_id, catalog, now=now, source=settings.access_source)
    for name in catalog:
        decision = granted[name]
        call = access.may_call(user_id, name, now=now, source=settings.access_source)
        shown = None
        if owui is not None and listable(name):
            shown = (
                True
                if visible is None
                else model_id(name, settings.openwebui_model_prefix) in visible
            )
        entry = {
            "model": name,
            "granted": decision.allowed,
            "why": decision.reason,
            "callable_now": call.allowed,
            "refused_because": None if call.allowed else call.reason,
            "shown_in_openwebui": shown,
        }
        report["models"].append(entry)
        if shown is not None and shown != decision.allowed and not owui["sees_every_model"]:
            report["problems"].append(
                f"{name}: LiteLLM {'grants' if decision.allowed else 'does not grant'} it but "
                f"Open WebUI {'shows' if shown else 'does not show'} it"
            )
