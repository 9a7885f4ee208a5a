"""What a reconcile reads: everything, or only what a scope of a few entities touches.

A scoped read must give the planner the same answer, for the entities in scope, as a full
read would (tests/integration/test_scoped_reads.py checks exactly that). So besides the
scoped users, teams and organisations it reads: the groups the users are in (in LiteLLM, and
in Open WebUI now, to notice a membership LiteLLM dropped), every member of those groups
when a team or organisation is in scope, users sharing an email with any of them, the Open
WebUI accounts linked to or matching any of them, every admin (owners to choose), the
LiteLLM users linked to the accounts found, and every team and organisation row and bridge
group id (group names are decided across all of them; only the groups read are planned).

A scope of people alone changes only their memberships: it compares the memberships of the
accounts asked for (by id or email), with each group's member count, and does not follow an
account read only as an admin or the oldest to its LiteLLM user. Its membership changes are
the full plan's for those people, not the whole group's (the sweep does the rest).

Every link handed to the planner belongs to an entity that was read, so no unread entity
looks deleted; changes planned for entities outside the scope are dropped by
``planning.restrict``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from litellm_bridge_plugin.domain import Link, LiteLLMState, ModelRow, OpenWebUIState, Scope
from litellm_bridge_plugin.engine import bridge_db
from litellm_bridge_plugin.litellm import tables as litellm_db
from litellm_bridge_plugin.litellm.access_reads import AccessState, read_access
from litellm_bridge_plugin.litellm.catalog import ModelSource
from litellm_bridge_plugin.openwebui import models as openwebui_models
from litellm_bridge_plugin.openwebui import state as openwebui_state
from litellm_bridge_plugin.openwebui.schema import OpenWebUISchema
from litellm_bridge_plugin.openwebui.state import asked_for


@dataclass(frozen=True)
class ModelSnapshot:
    catalog: tuple[str, ...]
    bridge_rows: dict[str, str]
    rows: dict[str, ModelRow]
    readers: dict[str, frozenset[str]]
    """Readers of each bridge row (marked as the bridge's), among the accounts read."""


@dataclass(frozen=True)
class Snapshot:
    state: LiteLLMState
    actual: OpenWebUIState
    links: list[Link]
    """Links of every entity read; the planner treats a link whose entity is gone as stale."""
    owned_group_ids: frozenset[str] | None = None
    """Open WebUI ids of every bridge group, when ``links`` holds only some of them."""
    access: AccessState | None = None
    """Model access and budgets of the users read."""
    models: ModelSnapshot | None = None
    """None when the served models cannot be known (no router, no config file)."""


def read_models(
    litellm: psycopg.Connection[Any],
    openwebui: psycopg.Connection[Any],
    schema: OpenWebUISchema,
    source: ModelSource | None,
    openwebui_users: set[str] | None,
) -> ModelSnapshot | None:
    """The catalogue, the bridge's model rows and their readers (among ``openwebui_users``,
    or all)."""
    catalog = source.served(litellm) if source is not None else None
    if catalog is None:
        return None
    bridge_rows = bridge_db.read_model_rows(litellm)
    rows = openwebui_models.read_rows(openwebui)
    marked = [i for i, row in rows.items() if row.marked]
    readers = openwebui_models.read_readers(openwebui, schema, marked, openwebui_users)
    return ModelSnapshot(tuple(catalog), bridge_rows, rows, readers)


def read_all(
    litellm: psycopg.Connection[Any],
    openwebui: psycopg.Connection[Any],
    schema: OpenWebUISchema,
    source: ModelSource | None = None,
) -> Snapshot:
    return Snapshot(
        litellm_db.read_state(litellm),
        openwebui_state.read_state(openwebui, schema),
        bridge_db.read_links(litellm),
        access=read_access(litellm),
        models=read_models(litellm, openwebui, schema, source, None),
    )


def read_scope(
    litellm: psycopg.Connection[Any],
    openwebui: psycopg.Connection[Any],
    schema: OpenWebUISchema,
    scope: Scope,
    source: ModelSource | None = None,
) -> Snapshot:
    users = set(scope.users)
    teams, organizations = set(scope.teams), set(scope.organizations)
    in_teams, in_orgs = litellm_db.groups_of_users(litellm, users)
    teams |= in_teams
    organizations |= in_orgs
    # groups the users are in now in Open WebUI, which LiteLLM may no longer list
    user_links = bridge_db.read_links_scoped(litellm, users=users)
    current = openwebui_state.groups_of_members(
        openwebui, schema, {link.openwebui_id for link in user_links}
    )
    for link in bridge_db.read_links_scoped(litellm, openwebui_ids=current):
        if link.entity_type == "team":
            teams.add(link.litellm_id)
        elif link.entity_type == "organization":
            organizations.add(link.litellm_id)
    # A change of a few people changes only their memberships: the other members of their
    # groups are neither read nor compared. A change of a team or organisation reads every
    # member (it may change them all).
    people_only = not scope.teams and not scope.organizations
    if not people_only:
        users |= litellm_db.members_of_groups(litellm, teams, organizations)
    users |= litellm_db.users_sharing_emails(litellm, users)
    links = bridge_db.read_links_scoped(
        litellm, users=users, teams=teams, organizations=organizations
    )
    emails = litellm_db.emails_of_users(litellm, users)
    account_ids = {link.openwebui_id for link in links if link.entity_type == "user"}
    actual = openwebui_state.read_scope(
        openwebui,
        schema,
        account_ids,
        emails,
        {link.openwebui_id for link in links if link.entity_type != "user"},
        members_read_only=people_only,
    )
    # accounts found by email or as admins may be linked to users not read yet; for a scope of
    # people, an account read only as an admin or the oldest (an owner to choose) is not
    # followed to its user: its memberships are not compared and nothing plans its link
    found = (
        asked_for(((u.id, u.email) for u in actual.users.values()), account_ids, emails)
        if people_only
        else actual.users.keys()
    )
    for link in bridge_db.read_links_scoped(litellm, openwebui_ids=found):
        if link.entity_type == "user" and link.litellm_id not in users:
            users.add(link.litellm_id)
            links.append(link)
    state = litellm_db.read_entities(litellm, users, teams, organizations, people_only=people_only)
    return Snapshot(
        state,
        actual,
        links,
        frozenset(bridge_db.group_link_ids(litellm)),
        access=read_access(litellm, users),
        models=read_models(litellm, openwebui, schema, source, set(actual.users)),
    )


def read(
    litellm: psycopg.Connection[Any],
    openwebui: psycopg.Connection[Any],
    schema: OpenWebUISchema,
    scope: Scope | None,
    models: ModelSource | None,
) -> Snapshot:
    """Everything (``scope`` None) or what ``scope`` touches, in one consistent snapshot."""
    if scope is None:
        return read_all(litellm, openwebui, schema, models)
    return read_scope(litellm, openwebui, schema, scope, models)
