"""What decides who may call which model, read from LiteLLM's tables (never a key's hash).

One :class:`AccessState` feeds both halves of the model work: the Open WebUI grants the
reconcile writes (:meth:`AccessState.granted`) and the check the proxy makes on every Open
WebUI call (:meth:`AccessState.may_call`, with budgets). Reads are all users or a few.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

import psycopg

from litellm_bridge_plugin.litellm.tables import fetch, stream
from litellm_bridge_plugin.plan.access_rules import (
    NO_BUDGET,
    Budget,
    Decision,
    Holder,
    KeyGrant,
    call_decision,
    key_is_live,
    user_models,
)
from litellm_bridge_plugin.releases import team_member_model_budget

AccessSource = Literal["keys", "user"]


@dataclass(frozen=True, slots=True)
class AccessUser:
    holder: Holder
    email: str | None
    teams: tuple[str, ...] = ()
    auth: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The user's own limits as LiteLLM's ``UserAPIKeyAuth`` takes them (a call made as the
    user alone, ``BRIDGE_ACCESS_SOURCE=user``)."""


@dataclass(frozen=True)
class AccessState:
    users: Mapping[str, AccessUser]
    teams: Mapping[str, Holder]
    organizations: Mapping[str, Holder]
    keys: Mapping[str, tuple[KeyGrant, ...]]
    """Each user's keys, by LiteLLM user id."""
    openwebui_links: Mapping[str, str] = field(default_factory=dict)
    """Open WebUI user id -> LiteLLM user id, for the accounts the bridge manages (of the users
    read)."""
    read_teams: frozenset[str] | None = None
    """The teams a read for some users asked for (those their keys and memberships name; a
    name not found is a team that is gone); None: a full read, every team."""
    read_organizations: frozenset[str] | None = None
    """Likewise the organisations (of the users, their keys and those teams)."""

    def granted(
        self,
        user_id: str,
        catalog: Sequence[str],
        *,
        now: datetime,
        source: AccessSource,
        router: Any = None,
    ) -> dict[str, Decision]:
        """Every catalog model with whether ``user_id`` may use it (budgets aside) and why."""
        user = self.users[user_id]
        return user_models(
            user.holder,
            catalog=catalog,
            keys=self.keys.get(user_id, ()),
            teams=self.teams,
            organizations=self.organizations,
            user_teams=user.teams,
            router=router,
            now=now,
            source=source,
        )

    def may_call(
        self,
        user_id: str,
        model: str,
        *,
        now: datetime,
        source: AccessSource,
        router: Any = None,
        user_budget_on_team_keys: bool = False,
    ) -> Decision:
        """The grant, then every budget on the way (see :func:`access.call_decision`)."""
        user = self.users[user_id]
        return call_decision(
            model,
            user.holder,
            keys=self.keys.get(user_id, ()),
            teams=self.teams,
            organizations=self.organizations,
            user_teams=user.teams,
            router=router,
            now=now,
            source=source,
            user_budget_on_team_keys=user_budget_on_team_keys,
        )

    def next_expiry(self, user_id: str, now: datetime) -> datetime | None:
        """When the earliest of the user's live keys expires (decisions change then)."""
        times = [
            k.expires if k.expires.tzinfo else k.expires.replace(tzinfo=UTC)
            for k in self.keys.get(user_id, ())
            if k.expires is not None and key_is_live(k, now)
        ]
        return min(times, default=None)


def _budget(row: Mapping[str, Any]) -> Budget:
    spend = row.get("spend")
    return Budget(float(spend or 0.0), row.get("max_budget"), row.get("budget_reset_at"))


def _member_budget(row: Mapping[str, Any], table: Mapping[str, Any] | None) -> Budget:
    if table is None:
        return NO_BUDGET
    resets = table.get("budget_reset_at")
    return Budget(
        float(row.get("team_member_spend") or 0.0),
        table.get("max_budget"),
        datetime.fromisoformat(resets) if isinstance(resets, str) else None,
    )


def _models(raw: Sequence[str] | None) -> tuple[str, ...]:
    return tuple(m for m in (raw or ()) if m)


def read_access(conn: psycopg.Connection[Any], users: Collection[str] | None = None) -> AccessState:
    """Users (all, or ``users``), their keys, and the teams and organisations they touch
    (every one for a full read): a read for a few users costs what they hold, not what the
    organisation holds."""
    params = {"users": sorted(users) if users is not None else None}
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        user_rows = fetch(conn, "access_users", params)
        shared = Shared()
        keys = _grants(stream(conn, "access_keys", params, shared.json), shared)
        granting = [k for found in keys.values() for k in found]
        teams: frozenset[str] | None = None
        organizations: frozenset[str] | None = None
        if users is not None:
            teams = frozenset(
                {t for row in user_rows for t in row["teams"] or ()}
                | {k.team_id for k in granting if k.team_id}
            )
        team_rows = fetch(conn, "access_teams", {"teams": _listed(teams)})
        if users is not None:
            named = [row["organization_id"] for row in user_rows + team_rows]
            named += [k.auth.get("org_id") for k in granting]
            organizations = frozenset(str(o) for o in named if o is not None)
        org_rows = fetch(conn, "access_organizations", {"organizations": _listed(organizations)})
        link_rows = _link_rows(conn, users)
    return AccessState(
        users={
            row["user_id"]: AccessUser(
                Holder(
                    row["user_id"],
                    _models(row["models"]),
                    organization_id=row["organization_id"],
                    budget=_budget(row),
                ),
                row["email"],
                tuple(row["teams"] or ()),
                {
                    "user_id": row["user_id"],
                    "user_email": row["email"],
                    "org_id": row["organization_id"],
                    "user_spend": row["spend"],
                    "user_max_budget": row["max_budget"],
                    "user_rpm_limit": row["rpm_limit"],
                    "user_tpm_limit": row["tpm_limit"],
                },
            )
            for row in user_rows
        },
        teams={
            row["team_id"]: Holder(
                row["team_id"],
                _models(row["models"]),
                bool(row["blocked"]),
                organization_id=row["organization_id"],
                budget=_budget(row),
            )
            for row in team_rows
        },
        organizations={
            row["organization_id"]: Holder(
                row["organization_id"], _models(row["models"]), budget=_budget(row)
            )
            for row in org_rows
        },
        keys={user_id: tuple(found) for user_id, found in keys.items()},
        openwebui_links=_links(link_rows),
        read_teams=teams,
        read_organizations=organizations,
    )


class Row(Mapping[str, Any]):
    """One row of a wide read kept as a tuple beside its column positions, which every row of
    the read shares: a dict per key would hold about 2 KB for each of 200,000 keys."""

    __slots__ = ("_positions", "_values")

    def __init__(self, positions: Mapping[str, int], values: tuple[Any, ...]) -> None:
        self._positions = positions
        self._values = values

    def __getitem__(self, name: str) -> Any:
        return self._values[self._positions[name]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._positions)

    def __len__(self) -> int:
        return len(self._positions)


class Shared:
    """Equal values of a wide read kept once. 200,000 keys repeat their team's and
    organisation's columns (ids, names, model lists, metadata) and empty lists and documents:
    each row would otherwise hold its own copies. Lists become tuples; a JSON document is
    parsed once per distinct text (:meth:`json`). Shared values are never changed in place
    (LiteLLM's key object copies what it is given)."""

    def __init__(self) -> None:
        self._values: dict[tuple[type, Any], Any] = {}
        self._documents: dict[str | bytes, Any] = {}

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            value = tuple(self(v) for v in value)
        try:
            return self._values.setdefault((type(value), value), value)
        except TypeError:  # a document: shared by json() already
            return value

    def json(self, text: str | bytes) -> Any:
        found = self._documents.get(text)
        if found is None:
            found = self._documents[text] = json.loads(text)
        return found


def _grants(rows: Iterable[dict[str, Any]], shared: Shared) -> dict[str, list[KeyGrant]]:
    """Each user's keys, built row by row as the read streams them (no list of every row)."""
    keys: dict[str, list[KeyGrant]] = {}
    positions: dict[str, int] | None = None
    for row in rows:
        member = row.pop("member_budget", None)
        row["team_member_model_max_budget"] = team_member_model_budget(
            member, row.get("team_metadata"), row.pop("team_default_member_model_max_budget", None)
        )
        if positions is None:  # every row of the query has the same columns, in one order
            positions = {name: i for i, name in enumerate(row)}
        keys.setdefault(row["user_id"], []).append(
            KeyGrant(
                key_alias=row["key_alias"],
                models=_models(row["models"]),
                user_id=row["user_id"],
                team_id=row["team_id"],
                organization_id=row["organization_id"],
                expires=row["expires"],
                blocked=bool(row["blocked"]),
                budget=_budget(row),
                member_budget=_member_budget(row, member),
                member_table=member,
                auth=Row(positions, tuple(shared(v) for v in row.values())),
            )
        )
    return keys


def _listed(ids: frozenset[str] | None) -> list[str] | None:
    return None if ids is None else sorted(ids)


def with_current_links(conn: psycopg.Connection[Any], state: AccessState) -> AccessState:
    """``state`` with the bridge's links of its users as they are now (after a run made
    some)."""
    users = None if state.read_teams is None else state.users.keys()
    return replace(state, openwebui_links=_links(_link_rows(conn, users)))


def _links(rows: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    return {row["openwebui_id"]: row["litellm_id"] for row in rows}


def _link_rows(
    conn: psycopg.Connection[Any], users: Collection[str] | None = None
) -> list[dict[str, Any]]:
    if not fetch(conn, "has_links")[0]["present"]:
        return []
    return fetch(conn, "user_links", {"users": None if users is None else sorted(users)})


SpendFigures = Mapping[tuple[str, str], Budget]
"""(kind, id) -> spend and max_budget; kind is key (by hash), user, team, organization or
team_member (``user_id:team_id``, as LiteLLM names it)."""


def read_spend(conn: psycopg.Connection[Any]) -> dict[tuple[str, str], Budget]:
    """Every key's, user's, team's and organisation's spend and max_budget, as they are now."""
    return {(row["kind"], row["id"]): _budget(row) for row in fetch(conn, "spend_figures")}


def with_spend(state: AccessState, figures: SpendFigures) -> AccessState | None:
    """``state`` with the budgets ``figures`` hold, or None when none changed (cheap: only the
    entities whose figures moved are rebuilt)."""

    def moved(kind: str, entity_id: str | None, budget: Budget) -> Budget | None:
        new = figures.get((kind, entity_id or ""))
        return new if new is not None and new != budget else None

    users = dict(state.users)
    changed = False
    for user_id, user in state.users.items():
        new = moved("user", user_id, user.holder.budget)
        if new is not None:
            auth = dict(user.auth) | {"user_spend": new.spend, "user_max_budget": new.max_budget}
            users[user_id] = replace(user, holder=replace(user.holder, budget=new), auth=auth)
            changed = True
    groups: dict[str, Mapping[str, Holder]] = {}
    for kind, holders in (("team", state.teams), ("organization", state.organizations)):
        updated = dict(holders)
        for holder_id, holder in holders.items():
            new = moved(kind, holder_id, holder.budget)
            if new is not None:
                updated[holder_id] = replace(holder, budget=new)
                changed = True
        groups[kind] = updated
    keys = dict(state.keys)
    for user_id, grants in state.keys.items():
        fresh = tuple(_key_spend(k, figures) for k in grants)
        if any(new is not old for new, old in zip(fresh, grants, strict=True)):
            keys[user_id] = fresh
            changed = True
    if not changed:
        return None
    return replace(
        state, users=users, teams=groups["team"], organizations=groups["organization"], keys=keys
    )


def _key_spend(key: KeyGrant, figures: SpendFigures) -> KeyGrant:
    """``key`` with the figures of it, its user, its team and its membership in that team (the
    parts of LiteLLM's key object its budget checks read), or ``key`` itself when none moved."""
    auth: dict[str, Any] = {}
    found = figures.get(("key", str(key.auth.get("token") or "")))
    budget = key.budget if found is None else found
    if found is not None:
        auth |= {"spend": found.spend, "max_budget": found.max_budget}
    for kind, entity, prefix in (
        ("user", key.user_id, "user_"),
        ("team", key.team_id, "team_"),
    ):
        new = figures.get((kind, entity or ""))
        if new is not None:
            auth |= {f"{prefix}spend": new.spend, f"{prefix}max_budget": new.max_budget}
    member, table = key.member_budget, key.member_table
    if key.team_id is not None and table is not None:
        new = figures.get(("team_member", f"{key.user_id}:{key.team_id}"))
        if new is not None:
            member, table = new, dict(table) | {"max_budget": new.max_budget}
            auth["team_member_spend"] = new.spend
    unchanged = all(key.auth.get(name) == value for name, value in auth.items())
    if unchanged and budget == key.budget and member == key.member_budget:
        return key
    return replace(
        key, budget=budget, member_budget=member, member_table=table, auth=dict(key.auth) | auth
    )
