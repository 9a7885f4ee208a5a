"""Read LiteLLM's users, teams, organisations and memberships into typed models.

Reads go through the bridge's own psycopg connection, never through LiteLLM's Prisma client.
Rows that cannot be understood are reported as :class:`InputProblem` and left out; they never
stop the rest from being read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
from psycopg.types.json import set_json_loads

from litellm_bridge_plugin.domain import (
    InputProblem,
    LiteLLMOrganization,
    LiteLLMState,
    LiteLLMTeam,
    LiteLLMUser,
)
from litellm_bridge_plugin.errors import SchemaError
from litellm_bridge_plugin.queries import fetch as queries_fetch
from litellm_bridge_plugin.queries import query


def _members_with_roles(team_id: str, raw: Any, problems: list[InputProblem]) -> tuple[str, ...]:
    """User ids listed in a team's ``members_with_roles`` JSON (a list of objects)."""
    if raw is None or raw == {} or raw == []:
        return ()
    if not isinstance(raw, list):
        problems.append(
            InputProblem(
                entity_type="team",
                entity_id=team_id,
                reason="members_with_roles is not a JSON list; its members were ignored",
            )
        )
        return ()
    found: list[str] = []
    for entry in raw:
        user_id = entry.get("user_id") if isinstance(entry, dict) else None
        if isinstance(user_id, str) and user_id:
            found.append(user_id)
        elif not (isinstance(entry, dict) and user_id is None and entry.get("user_email")):
            problems.append(
                InputProblem(
                    entity_type="team",
                    entity_id=team_id,
                    reason=f"members_with_roles entry without a user_id ignored: {entry!r:.120}",
                )
            )
    return tuple(found)


def fetch(
    conn: psycopg.Connection[Any], name: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    try:
        return queries_fetch(conn, "litellm.sql", name, params)
    except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn) as exc:
        raise _schema_error(exc) from None


STREAM_CHUNK = 1_000


def stream(
    conn: psycopg.Connection[Any],
    name: str,
    params: dict[str, Any] | None = None,
    json_loads: Callable[[str | bytes], Any] | None = None,
) -> Iterator[dict[str, Any]]:
    """:func:`fetch`, a chunk of rows at a time as the server sends them: neither the driver
    nor this process holds every row at once. ``json_loads`` parses its JSON columns."""
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        if json_loads is not None:
            set_json_loads(json_loads, cur)
        statement = query("litellm.sql", name)
        try:
            try:
                yield from cur.stream(statement, params, size=STREAM_CHUNK)
            except psycopg.NotSupportedError:  # chunks need libpq 17: then row by row
                yield from cur.stream(statement, params)
        except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn) as exc:
            raise _schema_error(exc) from None


def _schema_error(exc: psycopg.Error) -> SchemaError:
    return SchemaError(
        f"the LiteLLM database lacks what the bridge reads ({str(exc).splitlines()[0]}); "
        "start the LiteLLM proxy once with this database so its migrations run, "
        "or check BRIDGE_LITELLM_DATABASE_URL points at LiteLLM's database"
    )


def _build(
    user_rows: list[dict[str, Any]],
    team_rows: list[dict[str, Any]],
    org_rows: list[dict[str, Any]],
    team_members: list[dict[str, Any]],
    org_members: list[dict[str, Any]],
) -> LiteLLMState:
    problems: list[InputProblem] = []
    users = tuple(
        LiteLLMUser(
            user_id=row["user_id"],
            user_email=row["user_email"],
            user_alias=row["user_alias"],
            user_role=row["user_role"],
            teams=tuple(t for t in (row["teams"] or ()) if t),
            team_id=row["team_id"],
            organization_id=row["organization_id"],
            models=tuple(m for m in (row["models"] or ()) if m),
        )
        for row in user_rows
    )
    teams = tuple(
        LiteLLMTeam(
            team_id=row["team_id"],
            team_alias=row["team_alias"],
            organization_id=row["organization_id"],
            member_ids=_members_with_roles(row["team_id"], row["members_with_roles"], problems),
            blocked=bool(row["blocked"]),
            models=tuple(m for m in (row["models"] or ()) if m),
        )
        for row in team_rows
    )
    return LiteLLMState(
        users=users,
        teams=teams,
        organizations=tuple(
            LiteLLMOrganization(
                organization_id=row["organization_id"],
                organization_alias=row["organization_alias"],
                max_budget=row["max_budget"],
                models=tuple(m for m in (row["models"] or ()) if m),
            )
            for row in org_rows
        ),
        team_memberships=tuple((r["user_id"], r["team_id"]) for r in team_members),
        organization_memberships=tuple((r["user_id"], r["organization_id"]) for r in org_members),
        problems=tuple(problems),
    )


def read_state(conn: psycopg.Connection[Any]) -> LiteLLMState:
    """Read LiteLLM's current users, teams, organisations and memberships in one snapshot."""
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return _build(
            fetch(conn, "users"),
            fetch(conn, "teams"),
            fetch(conn, "organizations"),
            fetch(conn, "team_memberships"),
            fetch(conn, "organization_memberships"),
        )


def _ids(conn: psycopg.Connection[Any], name: str, **params: Any) -> list[dict[str, Any]]:
    return fetch(conn, name, {k: sorted(v) for k, v in params.items()})


def groups_of_users(conn: psycopg.Connection[Any], users: set[str]) -> tuple[set[str], set[str]]:
    """(team ids, organisation ids) that any record places the users in."""
    rows = _ids(conn, "groups_of_users", users=users) if users else []
    return (
        {r["id"] for r in rows if r["kind"] == "team"},
        {r["id"] for r in rows if r["kind"] == "organization"},
    )


def members_of_groups(
    conn: psycopg.Connection[Any], teams: set[str], organizations: set[str]
) -> set[str]:
    if not teams and not organizations:
        return set()
    rows = _ids(conn, "members_of_groups", teams=teams, organizations=organizations)
    return {r["user_id"] for r in rows if r["user_id"]}


def users_sharing_emails(conn: psycopg.Connection[Any], users: set[str]) -> set[str]:
    """Other users with the same email as any of ``users`` (duplicates are decided together)."""
    emails = emails_of_users(conn, users)
    if not emails:
        return set()
    return {r["user_id"] for r in _ids(conn, "users_sharing_emails", emails=emails)}


def emails_of_users(conn: psycopg.Connection[Any], users: set[str]) -> set[str]:
    if not users:
        return set()
    return {r["email"] for r in _ids(conn, "emails_of_users", users=users)}


def read_entities(
    conn: psycopg.Connection[Any],
    users: set[str],
    teams: set[str],
    organizations: set[str],
    *,
    people_only: bool = False,
) -> LiteLLMState:
    """The given users, teams and organisations, the members of those teams and organisations
    (``people_only``: only the given users' memberships, all that a scope of people compares),
    and the alias of every other team and organisation (their names decide clashes)."""
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        state = _build(
            _ids(conn, "users_by_id", users=users),
            _ids(conn, "teams_by_id", teams=teams),
            _ids(conn, "organizations_by_id", organizations=organizations),
            _ids(conn, "team_memberships_of_users", users=users)
            if people_only
            else _ids(conn, "team_memberships_of", teams=teams),
            _ids(conn, "organization_memberships_of_users", users=users)
            if people_only
            else _ids(conn, "organization_memberships_of", organizations=organizations),
        )
        with conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
            params = {"teams": sorted(teams), "organizations": sorted(organizations)}
            cur.execute(query("litellm.sql", "other_group_names"), params)
            others = tuple(cur)
    return state.model_copy(update={"other_groups": others})


def users_with_email(conn: psycopg.Connection[Any], email: str) -> list[str]:
    """LiteLLM user ids with this email (compared case-insensitively)."""
    return [row["user_id"] for row in fetch(conn, "users_with_email", {"email": email})]


def read_proxy_models(conn: psycopg.Connection[Any]) -> list[str]:
    """Names of the models added through the API (never their parameters: they hold keys)."""
    return [row["model_name"] for row in fetch(conn, "proxy_models")]
