"""A reconcile of a few entities reads only what they touch, and must plan exactly what a
full reconcile plans for those entities. Checked entity by entity on an untidy state."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import psycopg
import pytest

from devtools import litellm_seed as seed
from litellm_bridge_plugin.domain import Change, Plan, Scope
from litellm_bridge_plugin.engine.planning import restrict
from litellm_bridge_plugin.engine.sync import reconcile
from litellm_bridge_plugin.litellm import tables as litellm_db
from litellm_bridge_plugin.settings import Settings
from tests.fixtures.databases import on_both
from tests.fixtures.support import Databases, owui_add_user, owui_mark_sso


@pytest.fixture
def databases(request: pytest.FixtureRequest, every_generation: Databases) -> Databases:
    """Every test here runs on each Open WebUI schema generation, on PostgreSQL and on SQLite
    (Open WebUI's default)."""
    return on_both(request, every_generation)


def _untidy_state(databases: Databases, settings: Settings) -> None:
    conn = databases.litellm()
    seed.seed_company(conn)
    seed.add_organization(conn, "org-2", "Second Org")
    seed.add_team(conn, "team-x", "Product Team", "org-2")  # clashes with a foreign group too
    for user_id, email in [
        ("erin", "erin@x.com"),
        ("frank", "frank@x.com"),
        ("gone", "gone@x.com"),
        ("mover", "mover@x.com"),
    ]:
        seed.add_user(conn, user_id, email, organization_id="org-2")
        seed.add_team_member(conn, user_id, "team-x")
    owui = databases.openwebui()
    owui_add_user(owui, "owui-root", "root@x.com", "Root", role="admin")
    owui_add_user(owui, "owui-erin", "ERIN@x.com", "Erin Own")
    assert reconcile(settings).ok
    # now make it untidy
    seed.add_user(conn, "dup", "Frank@X.com")  # duplicate email
    seed.add_user(conn, "nomail", None)
    seed.add_team_member(conn, "nomail", "team-x")
    seed.delete_user(conn, "gone")
    conn.execute(
        "UPDATE \"LiteLLM_UserTable\" SET organization_id = 'org-tech-company' "
        "WHERE user_id = 'mover'"
    )
    conn.execute("DELETE FROM \"LiteLLM_OrganizationMembership\" WHERE user_id = 'mover'")
    conn.execute("UPDATE \"LiteLLM_UserTable\" SET teams = '{}' WHERE user_id = 'mover'")
    conn.execute("DELETE FROM \"LiteLLM_TeamMembership\" WHERE user_id = 'mover'")
    conn.execute(
        'UPDATE "LiteLLM_TeamTable" SET members_with_roles = (SELECT jsonb_agg(m) '
        "FROM jsonb_array_elements(members_with_roles) m WHERE m->>'user_id' <> "
        "'mover') WHERE team_id = 'team-x'"
    )
    seed.add_user(conn, "new", "new@x.com", role="proxy_admin")
    seed.add_team_member(conn, "new", "team-ai-research")
    conn.execute(
        "UPDATE \"LiteLLM_TeamTable\" SET team_alias = 'AI Research' "
        "WHERE team_id = 'team-ai-research'"
    )
    seed.delete_team(conn, "team-product")
    owui_add_user(owui, "owui-lone", "lone@x.com", "Lone")
    # someone registered a newcomer's email first (held); another account came through SSO
    seed.add_user(conn, "hire", "hire@x.com", role="proxy_admin")
    seed.add_team_member(conn, "hire", "team-x")
    owui_add_user(owui, "owui-hire", "hire@x.com", "Hire?", role="pending")
    seed.add_user(conn, "sso", "sso@x.com", role="proxy_admin")
    owui_add_user(owui, "owui-sso", "sso@x.com", "SSO", role="pending")
    owui_mark_sso(owui, "owui-sso")


def _normal(plan: Plan, known_ids: set[str]) -> set[tuple[Any, ...]]:
    def ids(values: frozenset[str]) -> tuple[str, ...]:
        return tuple(sorted(v if v in known_ids else "NEW" for v in values))

    def fields(values: Any) -> tuple[tuple[str, str], ...]:
        return tuple(
            sorted(
                (k, str(v) if str(v) in known_ids or k != "owner" else "NEW")
                for k, v in (values or {}).items()
            )
        )

    def one(c: Change) -> tuple[Any, ...]:
        openwebui_id = c.openwebui_id if c.openwebui_id in known_ids else "NEW"
        return (
            c.operation,
            c.entity_type,
            c.entity_id,
            openwebui_id,
            fields(c.before),
            fields(c.after),
            ids(c.add),
            ids(c.remove),
        )

    return {one(c) for c in plan.changes} | {
        ("skip", s.entity_type, s.entity_id, s.reason) for s in plan.skips
    }


def test_scoped_plans_match_the_full_plan(databases: Databases, settings: Settings) -> None:
    _untidy_state(databases, settings)
    with databases.openwebui() as owui:
        known = {
            r["id"] for r in owui.execute('SELECT id FROM "user" UNION SELECT id FROM "group"')
        }
    full = reconcile(settings, dry_run=True)
    assert full.plan is not None
    full_plan = full.plan
    assert len(full_plan.changes) > 8  # the state really is untidy
    assert any(s.entity_id == "hire" and "is held" in s.reason for s in full_plan.skips)
    assert any(c.operation == "link_user" and c.entity_id == "sso" for c in full_plan.changes)
    scopes = [
        Scope(users=frozenset({u}))
        for u in (
            "alice",
            "bob",
            "carol",
            "erin",
            "frank",
            "dup",
            "gone",
            "mover",
            "new",
            "nomail",
            "ghost",
            "hire",
            "sso",
        )
    ]
    scopes += [Scope(teams=frozenset({t})) for t in ("team-ai-research", "team-product", "team-x")]
    scopes += [Scope(organizations=frozenset({o})) for o in ("org-tech-company", "org-2")]
    scopes += [Scope(users=frozenset({"mover", "new"}), teams=frozenset({"team-x"}))]
    for scope in scopes:
        scoped = reconcile(settings, scope, dry_run=True)
        assert scoped.plan is not None
        # a team or organisation's scope also plans the model grants of everyone it read
        expected_plan = restrict(full_plan, scope, scoped.plan.user_openwebui_ids.values())
        got_plan = replace(scoped.plan, changes=scoped.planned, skips=scoped.skips)
        if not scope.teams and not scope.organizations:
            expected_plan, got_plan = _people_only(full_plan, expected_plan, got_plan, scope, known)
        assert _normal(got_plan, known) == _normal(expected_plan, known), scope.describe()


def _people_only(
    full: Plan, expected: Plan, scoped: Plan, scope: Scope, known: set[str]
) -> tuple[Plan, Plan]:
    """A scope of people compares only their memberships (reads.py): its group changes must
    be the full plan's for those people, never add or remove anyone the full plan does not,
    and count members as the group has them. Returns both plans with the group changes cut to
    those people (and without the counts, checked here)."""

    def people(plan: Plan) -> frozenset[str]:
        return frozenset(
            openwebui_id
            for litellm_id, openwebui_id in plan.user_openwebui_ids.items()
            if litellm_id in scope.users
        ) | frozenset(
            c.openwebui_id
            for c in plan.changes
            if c.entity_type == "user" and c.entity_id in scope.users
        )

    def named(ids: frozenset[str]) -> set[str]:
        return {i if i in known else "NEW" for i in ids}

    wanted = {(c.operation, c.entity_type, c.entity_id): c for c in expected.changes}
    for change in scoped.changes:
        if not (change.add or change.remove):
            continue
        in_full = wanted[change.operation, change.entity_type, change.entity_id]
        assert named(change.add) <= named(in_full.add), change
        assert named(change.remove) <= named(in_full.remove), change
        if change.operation == "set_members":
            assert change.before == in_full.before, change
            size = change.before["members"] + len(change.add) - len(change.remove)
            assert change.after == {"members": size}, change

    def cut(plan: Plan, ids: frozenset[str]) -> Plan:
        changes = []
        for c in plan.changes:
            if c.add or c.remove or c.operation == "set_members":
                c = replace(
                    c,
                    add=c.add & ids,
                    remove=c.remove & ids,
                    before={k: v for k, v in (c.before or {}).items() if k != "members"},
                    after={k: v for k, v in (c.after or {}).items() if k != "members"},
                )
            changes.append(c)
        return replace(plan, changes=tuple(changes))

    return cut(expected, people(full)), cut(scoped, people(scoped))


def test_a_member_listed_only_in_a_teams_json_is_found(databases: Databases) -> None:
    """``groups_of_users`` finds the teams whose members_with_roles name a user (by JSON
    containment), and a members_with_roles that is not a list names nobody."""
    conn = databases.litellm()
    lists = {
        "t-json": '[{"user_id": "other", "role": "user"}, {"user_id": "solo", "role": "admin"}]',
        "t-odd": '{"user_id": "solo"}',
        "t-other": '[{"user_id": "someone-else"}]',
    }
    for team_id, members in lists.items():
        seed.add_team(conn, team_id, f"Team {team_id}")
        conn.execute(
            'UPDATE "LiteLLM_TeamTable" SET members_with_roles = %s::jsonb WHERE team_id = %s',
            (members, team_id),
        )
    with psycopg.connect(databases.litellm_url, autocommit=True) as bridge:
        teams, organizations = litellm_db.groups_of_users(bridge, {"solo"})
        both, _ = litellm_db.groups_of_users(bridge, {"solo", "someone-else"})
    assert (teams, organizations) == ({"t-json"}, set())
    assert both == {"t-json", "t-other"}
