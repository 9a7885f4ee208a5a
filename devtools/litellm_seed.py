"""Write LiteLLM rows with SQL the way LiteLLM's management API (through Prisma) writes them.

The proxy cannot run with a database on these machines (Prisma fetches its engines from
outside the package registries), so tests, the demo and benchmarks fill LiteLLM's real tables
directly. Each function mirrors the rows one management call leaves behind.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from litellm_bridge_plugin.releases import PROXY_ADMIN_NAME

Conn = psycopg.Connection[Any]


def add_organization(
    conn: Conn,
    organization_id: str,
    alias: str,
    max_budget: float | None = None,
    models: Iterable[str] = (),
) -> None:
    """``/organization/new``: a budget row and the organisation pointing at it."""
    budget_id = str(uuid.uuid4())
    conn.execute(
        'INSERT INTO "LiteLLM_BudgetTable" (budget_id, max_budget, created_by, updated_by) '
        "VALUES (%s, %s, 'admin', 'admin')",
        (budget_id, max_budget),
    )
    conn.execute(
        'INSERT INTO "LiteLLM_OrganizationTable" (organization_id, organization_alias, budget_id,'
        " models, created_by, updated_by) VALUES (%s, %s, %s, %s, 'admin', 'admin')",
        (organization_id, alias, budget_id, list(models)),
    )


def add_team(
    conn: Conn,
    team_id: str,
    alias: str | None,
    organization_id: str | None = None,
    models: Iterable[str] = (),
) -> None:
    """``/team/new`` without members."""
    conn.execute(
        'INSERT INTO "LiteLLM_TeamTable" (team_id, team_alias, organization_id, admins, members,'
        " members_with_roles, models) VALUES (%s, %s, %s, '{}', '{}', '[]'::jsonb, %s)",
        (team_id, alias, organization_id, list(models)),
    )


def add_user(
    conn: Conn,
    user_id: str,
    email: str | None,
    alias: str | None = None,
    role: str = "internal_user",
    organization_id: str | None = None,
    models: Iterable[str] = (),
) -> None:
    """``/user/new`` (without teams; see :func:`add_team_member`)."""
    conn.execute(
        'INSERT INTO "LiteLLM_UserTable" (user_id, user_email, user_alias, user_role,'
        " organization_id, models, teams) VALUES (%s, %s, %s, %s, %s, %s, '{}')",
        (user_id, email, alias, role, organization_id, list(models)),
    )


def add_team_member(conn: Conn, user_id: str, team_id: str, role: str = "user") -> None:
    """``/team/member_add``: members_with_roles, the user's teams and a membership row."""
    with conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
        email_row = cur.execute(
            'SELECT user_email FROM "LiteLLM_UserTable" WHERE user_id = %s', (user_id,)
        ).fetchone()
    entry = {"role": role, "user_id": user_id, "user_email": email_row[0] if email_row else None}
    conn.execute(
        'UPDATE "LiteLLM_TeamTable" SET members_with_roles = '
        "COALESCE(NULLIF(members_with_roles, '{}'::jsonb), '[]'::jsonb) || %s::jsonb "
        "WHERE team_id = %s",
        (json.dumps([entry]), team_id),
    )
    conn.execute(
        'UPDATE "LiteLLM_UserTable" SET teams = array_append(teams, %s) '
        "WHERE user_id = %s AND NOT (%s = ANY(teams))",
        (team_id, user_id, team_id),
    )
    conn.execute(
        'INSERT INTO "LiteLLM_TeamMembership" (user_id, team_id) VALUES (%s, %s) '
        "ON CONFLICT DO NOTHING",
        (user_id, team_id),
    )


def remove_team_member(conn: Conn, user_id: str, team_id: str) -> None:
    """``/team/member_delete``: the reverse of :func:`add_team_member`."""
    conn.execute(
        'UPDATE "LiteLLM_TeamTable" SET members_with_roles = COALESCE((SELECT jsonb_agg(m) '
        "FROM jsonb_array_elements(members_with_roles) m WHERE m->>'user_id' <> %s), '[]') "
        "WHERE team_id = %s",
        (user_id, team_id),
    )
    conn.execute(
        'UPDATE "LiteLLM_UserTable" SET teams = array_remove(teams, %s) WHERE user_id = %s',
        (team_id, user_id),
    )
    conn.execute(
        'DELETE FROM "LiteLLM_TeamMembership" WHERE user_id = %s AND team_id = %s',
        (user_id, team_id),
    )


def add_organization_member(
    conn: Conn, user_id: str, organization_id: str, role: str = "internal_user"
) -> None:
    """``/organization/member_add``."""
    conn.execute(
        'INSERT INTO "LiteLLM_OrganizationMembership" (user_id, organization_id, user_role) '
        "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
        (user_id, organization_id, role),
    )


def delete_user(conn: Conn, user_id: str) -> None:
    """``/user/delete``: memberships first, then the user row."""
    conn.execute('DELETE FROM "LiteLLM_OrganizationMembership" WHERE user_id = %s', (user_id,))
    conn.execute('DELETE FROM "LiteLLM_TeamMembership" WHERE user_id = %s', (user_id,))
    conn.execute('DELETE FROM "LiteLLM_UserTable" WHERE user_id = %s', (user_id,))


def delete_team(conn: Conn, team_id: str) -> None:
    """``/team/delete``."""
    conn.execute('DELETE FROM "LiteLLM_TeamMembership" WHERE team_id = %s', (team_id,))
    conn.execute('UPDATE "LiteLLM_UserTable" SET teams = array_remove(teams, %s)', (team_id,))
    conn.execute('DELETE FROM "LiteLLM_TeamTable" WHERE team_id = %s', (team_id,))


COMPANY_ORG = "org-tech-company"
COMPANY_TEAMS = {"team-ai-research": "AI Research Team", "team-product": "Product Team"}
COMPANY_USERS = {
    "alice": ("alice@techcompany.com", "Alice", "internal_user", "team-ai-research"),
    "bob": ("bob@techcompany.com", "Bob", "internal_user", "team-product"),
    "carol": ("carol@techcompany.com", "Carol", "proxy_admin", None),
}


def seed_company(conn: Conn) -> None:
    """The integration guide's company: one organisation, two teams, Alice, Bob and Carol."""
    add_organization(
        conn,
        COMPANY_ORG,
        "Tech Company Inc",
        max_budget=1000.0,
        models=["gpt-4", "gpt-3.5-turbo", "claude-3-sonnet"],
    )
    add_team(
        conn,
        "team-ai-research",
        "AI Research Team",
        COMPANY_ORG,
        models=["gpt-4", "claude-3-sonnet"],
    )
    add_team(conn, "team-product", "Product Team", COMPANY_ORG, models=["gpt-3.5-turbo"])
    for user_id, (email, alias, role, team) in COMPANY_USERS.items():
        add_user(conn, user_id, email, alias, role, organization_id=COMPANY_ORG)
        add_organization_member(conn, user_id, COMPANY_ORG, role)
        if team:
            add_team_member(conn, user_id, team)


def add_key(
    conn: Conn,
    token: str,
    alias: str,
    user_id: str | None,
    models: Iterable[str] = (),
    *,
    team_id: str | None = None,
    expires: datetime | None = None,
    blocked: bool = False,
    spend: float = 0.0,
    max_budget: float | None = None,
    allowed_routes: Iterable[str] = (),
    created_by: str | None = PROXY_ADMIN_NAME,
    organization_id: str | None = None,
    key_name: str | None = None,
) -> None:
    """``/key/generate``: ``token`` stands for the hash LiteLLM stores (never the key);
    ``allowed_routes`` empty lets the key call every route, as in LiteLLM. ``created_by`` is
    the caller LiteLLM records (the master key's user id unless told); ``key_name`` the masked
    key LiteLLM shows (``sk-...abcd``)."""
    conn.execute(
        'INSERT INTO "LiteLLM_VerificationToken" (token, key_alias, user_id, team_id, models, '
        "expires, blocked, spend, max_budget, allowed_routes, created_by, updated_by, "
        "organization_id, key_name) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            token,
            alias,
            user_id,
            team_id,
            list(models),
            expires.astimezone(UTC).replace(tzinfo=None) if expires else None,
            blocked,
            spend,
            max_budget,
            list(allowed_routes),
            created_by,
            created_by,
            organization_id,
            key_name,
        ),
    )


SCENARIO_KEYS = {
    # alias: (user, models, team, days valid, blocked)
    "alice-research": ("alice", [], "team-ai-research", None, False),
    "bob-basic": ("bob", ["gpt-3.5-turbo"], None, None, False),
    "bob-premium-7d": ("bob", ["gpt-4"], "team-product-premium", 7, False),
    "carol-admin": ("carol", ["all-proxy-models"], None, None, False),
    "erin-blocked": ("erin", ["gpt-4"], None, None, True),
    "frank-basic": ("frank", ["gpt-3.5-turbo"], None, None, False),
}
"""The guide's scenario: who holds which key. Dave has none; Frank is over his budget."""


def add_scenario_keys(
    conn: Conn, users: Iterable[str] | None = None, now: datetime | None = None
) -> None:
    """The keys of :data:`SCENARIO_KEYS` (of ``users`` only, when given), and the premium
    team Bob's 7-day key belongs to."""
    now = now or datetime.now(UTC)
    wanted = set(users) if users is not None else None
    add_team(conn, "team-product-premium", "Premium", COMPANY_ORG, models=["gpt-4"])
    for n, (alias, (user, models, team, days, blocked)) in enumerate(SCENARIO_KEYS.items()):
        if wanted is not None and user not in wanted:
            continue
        add_key(
            conn,
            f"hashed-{n}",
            alias,
            user,
            models,
            team_id=team,
            expires=now + timedelta(days=days) if days else None,
            blocked=blocked,
        )


def seed_scenario(conn: Conn, now: datetime | None = None) -> None:
    """:func:`seed_company` plus the keys of :data:`SCENARIO_KEYS`, Dave (no key), Erin (a
    blocked key), Frank (spent his budget) and Bob limited to gpt-3.5-turbo by his user."""
    seed_company(conn)
    for user_id in ("dave", "erin", "frank"):
        add_user(
            conn,
            user_id,
            f"{user_id}@techcompany.com",
            user_id.title(),
            "internal_user",
            COMPANY_ORG,
        )
        add_organization_member(conn, user_id, COMPANY_ORG)
    conn.execute(
        "UPDATE \"LiteLLM_UserTable\" SET models = '{gpt-3.5-turbo}' WHERE user_id = 'bob'"
    )
    conn.execute(
        "UPDATE \"LiteLLM_UserTable\" SET spend = 12.5, max_budget = 10 WHERE user_id = 'frank'"
    )
    add_scenario_keys(conn, now=now)
