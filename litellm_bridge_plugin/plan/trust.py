"""Which LiteLLM key may be Open WebUI's service key when it is recognised by its alias: pure.

Any LiteLLM user may name a key of theirs after the alias, so the alias alone proves nothing. A
key carrying it counts only when no one but a proxy admin can have made it or can hold its
value: created by a proxy admin, owned by nobody or by a proxy admin, in no team and no
organisation (their admins can manage and regenerate its keys, and so hold the value). Who
created a key is recorded by LiteLLM (``created_by`` is the caller of ``/key/generate``; a
request cannot set it). docs/decisions/0001-trusted-service-key-alias.md has the reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PROXY_ADMIN_ROLE = "proxy_admin"

TRUSTED_ALIAS_RULE = (
    "created by a proxy admin, owned by no ordinary user, in no team or organisation"
)
"""The rule in words, for the start-up line, ``status`` and ``doctor``."""


@dataclass(frozen=True)
class Principal:
    """A user id a key records (its owner or its creator), as LiteLLM's user table knows it."""

    user_id: str | None
    known: bool = False
    """A LiteLLM user has this id."""
    role: str | None = None
    """That user's ``user_role``."""

    def is_proxy_admin(self, admin_name: str) -> bool:
        """``admin_name``, the id LiteLLM's master key acts as, or a LiteLLM user whose role is
        proxy_admin. LiteLLM itself writes a user row for ``admin_name`` with role
        internal_user (``/team/new`` with the master key makes it the team's admin member), so
        that row's role says nothing about the master key."""
        if self.user_id is None:
            return False
        if self.user_id == admin_name:
            return True
        return self.known and self.role == PROXY_ADMIN_ROLE

    def describe(self, admin_name: str) -> str:
        """Who this is, for an operator: the id and what LiteLLM knows of it."""
        if self.user_id is None:
            return "nobody recorded"
        if self.user_id == admin_name:
            return f"{self.user_id} (the master key)"
        if self.known:
            return f"{self.user_id} (role {self.role or 'none'})"
        return f"{self.user_id} (no LiteLLM user)"


@dataclass(frozen=True)
class KeyFacts:
    """One LiteLLM key as the bridge names it to an operator: never its value or hash."""

    key_name: str | None
    """LiteLLM's masked key (``sk-...abcd``), which its UI shows too."""
    key_alias: str | None
    owner: Principal
    creator: Principal
    team_id: str | None = None
    organization_id: str | None = None
    state: Literal["live", "blocked", "expired"] = "live"
    allowed_routes: tuple[str, ...] = ()
    """Empty: the key may call every route."""

    def describe(self) -> str:
        """``sk-...abcd (alias 'x', owner none, created by default_user_id)``."""
        return (
            f"{self.key_name or 'a key without key_name'} (alias {self.key_alias!r}, "
            f"owner {self.owner.user_id or 'none'}, "
            f"created by {self.creator.user_id or 'nobody recorded'})"
        )


def distrust(key: KeyFacts, admin_name: str) -> tuple[str, ...]:
    """Why ``key`` cannot be Open WebUI's service key by its alias; empty when it can.
    ``admin_name``: the user id LiteLLM's master key acts as (releases.proxy_admin_name)."""
    reasons = []
    if key.team_id is not None:
        reasons.append(
            f"it belongs to team {key.team_id}, whose admins can regenerate it and so hold "
            "its value"
        )
    if key.organization_id is not None:
        reasons.append(
            f"it belongs to organisation {key.organization_id}, whose admins can regenerate it "
            "and so hold its value"
        )
    if not key.creator.is_proxy_admin(admin_name):
        reasons.append(f"it was created by {key.creator.describe(admin_name)}, not a proxy admin")
    if key.owner.user_id is not None and not key.owner.is_proxy_admin(admin_name):
        reasons.append(
            f"it is owned by {key.owner.describe(admin_name)}, who is not a proxy admin and "
            "can manage it"
        )
    return tuple(reasons)
