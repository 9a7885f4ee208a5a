"""`litellm-bridge link EMAIL`: link an Open WebUI account to its LiteLLM user on the
operator's word, and the accounts that wait for it.

On its own the bridge links an account that existed before it only when
``BRIDGE_LINK_EXISTING`` allows (:func:`planner.hold_reason`): Open WebUI never checks the
email of an account made by sign-up. The others are held until an operator who knows the
account is the person's links it here. The link is remembered as the operator's, so the
person's mapped role applies in full (admin included), and audited like every change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import psycopg

from litellm_bridge_plugin.connections import connect
from litellm_bridge_plugin.domain import Link
from litellm_bridge_plugin.engine import bridge_db
from litellm_bridge_plugin.engine.bridge_db import AuditRow
from litellm_bridge_plugin.engine.sync import detect_schema
from litellm_bridge_plugin.litellm import tables as litellm_db
from litellm_bridge_plugin.openwebui import state as openwebui_state
from litellm_bridge_plugin.plan.accounts import hold_reason
from litellm_bridge_plugin.plan.desired import normalize_email
from litellm_bridge_plugin.settings import LinkExisting, Settings


class LinkRefused(Exception):
    """The account cannot be linked as asked; nothing was changed."""


@dataclass(frozen=True, slots=True)
class Linked:
    email: str
    litellm_id: str
    openwebui_id: str
    confirmed: bool
    """The bridge had linked the account by email already; the operator vouched for it."""


@dataclass(frozen=True, slots=True)
class Held:
    email: str
    litellm_id: str
    role: str | None
    reason: str


def _one_user(litellm: psycopg.Connection[Any], email: str) -> str:
    users = litellm_db.users_with_email(litellm, email)
    if not users:
        raise LinkRefused(
            f"no LiteLLM user has email {email!r}; the bridge links accounts only to the "
            "users LiteLLM has"
        )
    if len(users) > 1:
        raise LinkRefused(
            f"{len(users)} LiteLLM users have email {email!r} ({', '.join(users)}); give each "
            "its own email first"
        )
    return users[0]


def _refuse_existing(
    litellm: psycopg.Connection[Any], user_id: str, account_id: str, mine: Link | None
) -> None:
    if mine is not None and mine.openwebui_id != account_id:
        raise LinkRefused(
            f"LiteLLM user {user_id!r} is already linked to another Open WebUI account "
            f"({mine.openwebui_id}); nothing was changed"
        )
    if mine is not None and mine.created_by_bridge:
        raise LinkRefused(
            f"the bridge created this Open WebUI account for LiteLLM user {user_id!r}: it is "
            "linked already"
        )
    if mine is not None and mine.by_operator:
        raise LinkRefused(f"an operator linked this account to LiteLLM user {user_id!r} already")
    for other in bridge_db.read_links_scoped(litellm, openwebui_ids={account_id}):
        if other.entity_type != "user" or other.litellm_id == user_id:
            continue
        if litellm_db.fetch(litellm, "users_by_id", {"users": [other.litellm_id]}):
            raise LinkRefused(
                f"this Open WebUI account is linked to LiteLLM user {other.litellm_id!r}; "
                "nothing was changed"
            )


def link_account(settings: Settings, email: str, account_id: str | None = None) -> Linked:
    """Link the one Open WebUI account with ``email`` to the one LiteLLM user with it, or
    raise :class:`LinkRefused` saying why not. The next reconcile applies the mapped role.

    ``account_id`` is the account the operator checked: the account that has the email when
    the link is made must be that one (someone may have deleted it and signed up again)."""
    with connect(settings.litellm_database_url, "LiteLLM", autocommit=True) as litellm:
        bridge_db.ensure_schema(litellm)
        user_id = _one_user(litellm, email)
        with bridge_db.reconcile_lock(litellm, settings.lock_timeout):
            links = [
                link
                for link in bridge_db.read_links_scoped(litellm, users={user_id})
                if link.entity_type == "user"
            ]
            with connect(
                settings.openwebui_database_url, "Open WebUI", autocommit=True
            ) as openwebui:
                state = openwebui_state.read_scope(
                    openwebui,
                    detect_schema(openwebui),
                    {link.openwebui_id for link in links},
                    {email},
                    set(),
                )
            accounts = state.users_by_email().get(email, [])
            if not accounts:
                raise LinkRefused(
                    f"Open WebUI has no account with email {email!r}: nothing to link "
                    "(`litellm-bridge sync` creates the person's account)"
                )
            if len(accounts) > 1:
                raise LinkRefused(
                    f"Open WebUI has {len(accounts)} accounts with email {email!r}; delete "
                    "all but the person's in Open WebUI, then link again"
                )
            account = accounts[0]
            if account_id is not None and account.id != account_id:
                raise LinkRefused(
                    f"the Open WebUI account with email {email!r} is {account.id}, not "
                    f"{account_id}; nothing was changed (check it with `litellm-bridge "
                    "verify-user`)"
                )
            mine = next((k for k in links if k.openwebui_id in state.users), None)
            _refuse_existing(litellm, user_id, account.id, mine)
            with litellm.transaction():
                bridge_db.upsert_links(
                    litellm,
                    [
                        {
                            "entity_type": "user",
                            "litellm_id": user_id,
                            "openwebui_id": account.id,
                            "created_by_bridge": False,
                            "password_placeholder": False,
                            "linked_by": "operator",
                        }
                    ],
                )
                bridge_db.write_audit(
                    litellm,
                    [
                        AuditRow(
                            str(uuid.uuid4()),
                            "link_user",
                            "user",
                            user_id,
                            "SUCCESS",
                            before={"role": account.role, "sso": account.sso},
                            after={"email": email, "openwebui_id": account.id, "via": "operator"},
                        )
                    ],
                )
    return Linked(email, user_id, account.id, confirmed=mine is not None)


def held_accounts(
    litellm: psycopg.Connection[Any], openwebui: psycopg.Connection[Any], mode: LinkExisting
) -> list[Held]:
    """LiteLLM users whose one Open WebUI account (same email) the bridge will not link on
    its own: each waits for ``litellm-bridge link`` or its deletion in Open WebUI."""
    bridge_db.ensure_schema(litellm)
    links = bridge_db.read_links(litellm)
    state = openwebui_state.read_state(openwebui, detect_schema(openwebui))
    linked = {
        k.litellm_id for k in links if k.entity_type == "user" and k.openwebui_id in state.users
    }
    bridge_made = {k.openwebui_id for k in links if k.created_by_bridge}
    by_email = state.users_by_email()
    users: dict[str, list[str]] = {}
    for row in litellm_db.fetch(litellm, "user_emails"):
        email = normalize_email(row["email"])[0]
        if email is not None:
            users.setdefault(email, []).append(row["user_id"])
    held = []
    for email, user_ids in sorted(users.items()):
        accounts = by_email.get(email, [])
        if len(user_ids) != 1 or user_ids[0] in linked or len(accounts) != 1:
            continue
        if accounts[0].id in bridge_made:
            continue
        reason = hold_reason(accounts[0], email, mode, state.signup_role)
        if reason is not None:
            held.append(Held(email, user_ids[0], accounts[0].role, reason))
    return held
