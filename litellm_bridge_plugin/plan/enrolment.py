"""Open WebUI first (``BRIDGE_ENROL``): which Open WebUI accounts become LiteLLM users.

Pure decisions on plain records. An account is enrolled only if it is active and approved
(never ``pending``), made by an SSO sign-in when the mode is ``sso``, within the allowed email
domains, no LiteLLM user has its email (compared as the sync compares emails), and the bridge
has never linked it to a LiteLLM user: a person LiteLLM deleted keeps their link (and stays
deactivated), so they are never enrolled again. Everything else is held, with the reason.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from litellm_bridge_plugin.domain import OpenWebUIUser
from litellm_bridge_plugin.plan.desired import normalize_email
from litellm_bridge_plugin.settings import EnrolMode

ENROLLED_FROM = "litellm_bridge_enrolled_from"
"""The LiteLLM user's metadata key naming the Open WebUI account it was enrolled from: how a
half-done enrolment (the user made, the link not yet written) is finished on the next look."""


ADMIN_ROLES = frozenset({"proxy_admin", "proxy_admin_viewer"})
"""LiteLLM's admin roles: enrolment never makes one (LiteLLM defaults naming one stop it)."""
HELD_LINKED = "linked to a LiteLLM user"
HELD_TAKEN = "a LiteLLM user has this email"


@dataclass(frozen=True, slots=True)
class Rules:
    mode: EnrolMode
    domains: frozenset[str] = frozenset()


def email_of(account: OpenWebUIUser) -> str | None:
    """The account's sign-in email as the bridge compares emails, or None if unusable."""
    return normalize_email(account.auth_email or account.email)[0]


def hold_reason(
    account: OpenWebUIUser,
    rules: Rules,
    litellm_emails: Collection[str],
    linked: Collection[str],
) -> str | None:
    """Why ``account`` is not enrolled, or None to enrol it. ``litellm_emails``: the emails
    (normalised) LiteLLM users have among the candidates'; ``linked``: Open WebUI ids the
    bridge links (or linked) to a LiteLLM user."""
    if rules.mode == "none":
        return "enrolment is off (BRIDGE_ENROL=none)"
    if account.id in linked:
        return f"{HELD_LINKED}, or to one LiteLLM deleted (never enrolled again)"
    if account.role not in ("user", "admin"):
        return f"Open WebUI role {account.role or '(none)'}: enrolled once an admin approves it"
    if account.has_auth and account.active is False:
        return "deactivated in Open WebUI"
    if rules.mode == "sso" and not account.sso:
        return "not made by an SSO sign-in (BRIDGE_ENROL=sso)"
    email = email_of(account)
    if email is None:
        return "no usable email"
    if rules.domains and email.rpartition("@")[2] not in rules.domains:
        return "email domain not in BRIDGE_ENROL_DOMAINS"
    if email in litellm_emails:
        return f"{HELD_TAKEN} (the sync links it; enrolment only creates)"
    return None
