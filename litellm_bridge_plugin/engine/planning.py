"""Finish one run's plan from its snapshot: desired state, accounts and groups, model rows and
grants, then the part a scoped run is about.

The planners (``plan``) are pure; this module hands them what the snapshot read and the
settings say, computes each person's granted models with LiteLLM's own check (a
:class:`ModelCheck` of this run's own), and restricts the result to the run's scope.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import UTC, datetime

from litellm_bridge_plugin.domain import Change, DesiredState, Plan, Scope
from litellm_bridge_plugin.engine import reads
from litellm_bridge_plugin.engine.operations import OPERATIONS
from litellm_bridge_plugin.litellm.catalog import ModelSource
from litellm_bridge_plugin.plan.access_rules import ModelCheck
from litellm_bridge_plugin.plan.accounts import plan
from litellm_bridge_plugin.plan.desired import desired_state
from litellm_bridge_plugin.plan.models import ModelInputs, plan_models
from litellm_bridge_plugin.settings import Settings


def plan_run(
    settings: Settings,
    snapshot: reads.Snapshot,
    scope: Scope | None,
    passwords: Mapping[str, str],
    models: ModelSource | None,
) -> Plan:
    """What this run changes in Open WebUI (for ``scope`` only, when given)."""
    state, actual, links = snapshot.state, snapshot.actual, snapshot.links
    linked = {
        link.litellm_id
        for link in links
        if link.entity_type == "user" and link.openwebui_id in actual.users
    }
    desired = desired_state(state, settings.role_map, linked)
    full_plan = plan(
        desired,
        actual,
        links,
        litellm_user_ids={u.user_id for u in state.users},
        on_user_delete=settings.on_user_delete,
        link_existing=settings.link_existing,
        password_for=passwords.keys(),
        owned_group_ids=snapshot.owned_group_ids,
    )
    if snapshot.models is not None:
        full_plan = full_plan.extended(
            *plan_models(
                ModelInputs(
                    catalog=snapshot.models.catalog,
                    prefix=settings.openwebui_model_prefix,
                    bridge_rows=snapshot.models.bridge_rows,
                    rows=snapshot.models.rows,
                    readers=snapshot.models.readers,
                    desired=_granted(settings, snapshot, desired, full_plan, models),
                    admins=tuple(full_plan.admin_openwebui_ids),
                )
            )
        )
    return restrict(full_plan, scope) if scope else full_plan


def _granted(
    settings: Settings,
    snapshot: reads.Snapshot,
    desired: DesiredState,
    the_plan: Plan,
    models: ModelSource | None,
) -> dict[str, frozenset[str]]:
    """{Open WebUI user id: models LiteLLM grants} for every account of a user read; users
    being deactivated or removed are granted nothing."""
    assert snapshot.models is not None
    access, catalog = snapshot.access, snapshot.models.catalog
    # this run's own answers of LiteLLM's check (the router's models may have changed since)
    router = ModelCheck(models.current_router() if models is not None else None)
    now = datetime.now(UTC)
    granted: dict[str, frozenset[str]] = {}
    for litellm_id, openwebui_id in the_plan.user_openwebui_ids.items():
        names: frozenset[str] = frozenset()
        if access is not None and litellm_id in desired.users and litellm_id in access.users:
            decisions = access.granted(
                litellm_id, catalog, now=now, source=settings.access_source, router=router
            )
            names = frozenset(m for m, d in decisions.items() if d.allowed)
        granted[openwebui_id] = names
    return granted


def _in_scope(
    change: Change, scope: Scope, user_openwebui_ids: frozenset[str], granted: frozenset[str]
) -> bool:
    if change.entity_id in scope.ids(change.entity_type):
        return True
    if OPERATIONS[change.operation].members:
        touched = (
            user_openwebui_ids | granted if change.entity_type == "model" else user_openwebui_ids
        )
        return bool((change.add | change.remove) & touched)
    return False


def restrict(result_plan: Plan, scope: Scope, granted: Collection[str] | None = None) -> Plan:
    """The part of ``result_plan`` that concerns ``scope`` (and the groups and model grants
    of its users). A scope naming a team or organisation also concerns the model grants of
    ``granted`` (Open WebUI ids; by default every account ``result_plan`` planned, which a
    scoped read reads in full): a change of a team's models changes its members' grants."""
    if granted is None:
        granted = result_plan.user_openwebui_ids.values()
    grants = frozenset(granted) if scope.teams or scope.organizations else frozenset()
    user_ids = frozenset(
        c.openwebui_id
        for c in result_plan.changes
        if c.entity_type == "user" and c.entity_id in scope.users
    ) | frozenset(
        openwebui_id
        for litellm_id, openwebui_id in result_plan.user_openwebui_ids.items()
        if litellm_id in scope.users
    )
    kept = [c for c in result_plan.changes if _in_scope(c, scope, user_ids, grants)]
    # Users created only by the full plan do not exist yet: no group may name them.
    not_created = frozenset(
        c.openwebui_id
        for c in result_plan.changes
        if c.operation == "create_user" and c.entity_id not in scope.users
    )
    owners = [a for a in result_plan.admin_openwebui_ids if a not in not_created]
    changes = []
    for c in kept:
        if c.add & not_created:
            c = replace(c, add=c.add - not_created)
        if c.entity_type == "model" and (c.after or {}).get("owner") in not_created:
            if not owners:
                continue  # no admin exists yet: the full run that creates one owns the row
            c = replace(c, after=dict(c.after or {}) | {"owner": owners[0]})
        changes.append(c)
    return replace(
        result_plan,
        changes=tuple(changes),
        skips=tuple(s for s in result_plan.skips if s.entity_id in scope.ids(s.entity_type)),
        admin_openwebui_ids=tuple(owners),
    )
