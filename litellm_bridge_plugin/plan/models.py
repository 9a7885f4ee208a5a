"""Pure planning of Open WebUI model rows and who may read them (no I/O).

Every model LiteLLM serves gets a bridge row; the Open WebUI users the bridge manages get a
read grant on exactly the models LiteLLM grants them. Rows made in Open WebUI, and grants to
groups or to accounts the bridge does not manage, are never touched.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from litellm_bridge_plugin.domain import Change, ModelRow, Skip, model_id


@dataclass(frozen=True)
class ModelInputs:
    catalog: tuple[str, ...]
    """Names of the models LiteLLM serves."""
    prefix: str
    bridge_rows: Mapping[str, str]
    """{Open WebUI model id: model name} the bridge's bookkeeping lists (it made them)."""
    rows: Mapping[str, ModelRow]
    """Every Open WebUI model row. A bridge row carries the bridge's mark in ``meta``: a
    row without it is a person's, whatever the bookkeeping says."""
    readers: Mapping[str, frozenset[str]]
    """{model id: managed Open WebUI users that may read it now} for the marked rows."""
    desired: Mapping[str, frozenset[str]]
    """{Open WebUI user id: model names LiteLLM grants} for every managed user read."""
    admins: tuple[str, ...]
    """Open WebUI admins once this run's user changes are applied, oldest first; the first
    owns the bridge's rows (an owner sees a model whatever its grants)."""


def listable(name: str) -> bool:
    """Wildcard routes (``openai/*``) are not models a person can pick."""
    return bool(name.strip()) and "*" not in name


def _readers_of(name: str, desired: Mapping[str, Collection[str]]) -> frozenset[str]:
    return frozenset(user for user, names in desired.items() if name in names)


def plan_models(inputs: ModelInputs) -> tuple[list[Change], list[Skip]]:
    changes: list[Change] = []
    skips: list[Skip] = []
    served: dict[str, str] = {}
    for name in sorted(set(inputs.catalog)):
        if listable(name):
            served[model_id(name, inputs.prefix)] = name
    managed = frozenset(inputs.desired)
    owner = inputs.admins[0] if inputs.admins else None
    for openwebui_id, name in sorted(served.items()):
        want = _readers_of(name, inputs.desired)
        row = inputs.rows.get(openwebui_id)
        if row is not None and row.marked:
            if openwebui_id not in inputs.bridge_rows:  # its bookkeeping was lost: adopt it
                changes.append(
                    Change("link_model", "model", name, openwebui_id, after={"adopted": True})
                )
            if owner is not None and row.owner not in inputs.admins:
                changes.append(
                    Change(
                        "update_model",
                        "model",
                        name,
                        openwebui_id,
                        before={"owner": row.owner},
                        after={"owner": owner},
                    )
                )
            have = inputs.readers.get(openwebui_id, frozenset()) & managed
            add, remove = want - have, have - want
            if add or remove:
                changes.append(
                    Change(
                        "set_model_access",
                        "model",
                        name,
                        openwebui_id,
                        before={"readers": len(have)},
                        after={"readers": len(want)},
                        add=add,
                        remove=remove,
                    )
                )
        elif row is not None:
            skips.append(
                Skip(
                    "model",
                    name,
                    f"Open WebUI already has a model row {openwebui_id!r} made in Open WebUI; "
                    "the bridge leaves it, and who sees it, alone. Delete that row in Open "
                    "WebUI (Admin Panel > Settings > Models) to let LiteLLM decide",
                )
            )
        elif owner is None:
            skips.append(
                Skip(
                    "model",
                    name,
                    "Open WebUI has no admin yet to own the model row; sign up the first "
                    "admin or give a LiteLLM user the proxy_admin role",
                )
            )
        else:
            changes.append(
                Change(
                    "create_model",
                    "model",
                    name,
                    openwebui_id,
                    after={"name": name, "owner": owner, "readers": len(want)},
                    add=want,
                )
            )
    _plan_removals(inputs, served, changes)
    return changes, skips


def _plan_removals(inputs: ModelInputs, served: Mapping[str, str], changes: list[Change]) -> None:
    """Marked rows of models no longer served go; bookkeeping of rows gone, or taken over
    by a person (no mark), is forgotten without touching the row."""
    gone = "LiteLLM no longer serves it"
    for openwebui_id, row in sorted(inputs.rows.items()):
        if row.marked and openwebui_id not in served:
            name = inputs.bridge_rows.get(openwebui_id) or row.name or openwebui_id
            changes.append(
                Change(
                    "delete_model",
                    "model",
                    name,
                    openwebui_id,
                    before={"openwebui_id": openwebui_id, "reason": gone},
                )
            )
    for openwebui_id, name in sorted(inputs.bridge_rows.items()):
        found = inputs.rows.get(openwebui_id)
        if (found is None and openwebui_id not in served) or (
            found is not None and not found.marked
        ):
            changes.append(
                Change(
                    "unlink",
                    "model",
                    name,
                    openwebui_id,
                    before={
                        "openwebui_id": openwebui_id,
                        "reason": "row gone" if found is None else "row no longer the bridge's",
                    },
                )
            )
