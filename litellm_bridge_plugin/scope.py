"""Which LiteLLM entities a reconcile is about."""

from __future__ import annotations

from dataclasses import dataclass


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
