"""Pure planning of Open WebUI model rows and who may read them (no I/O).

Every model LiteLLM serves gets a bridge row; the Open WebUI users the bridge manages get a
read grant on exactly the models LiteLLM grants them. Rows made in Open WebUI, and grants to
groups or to accounts the bridge does not manage, are never touched.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from .mapping import Skip
from .openwebui.models import ModelRow, model_id
from .planner import Change


@dataclass(frozen=True)
class ModelInputs:
    catalog: tuple[str, ...]
    """Names of the models LiteLLM serves."""
    prefix: str
    bridge_rows: Mapping[str, str]
    """{Open WebUI model id: model name} of the rows the bridge created."""
    rows: Mapping[str, ModelRow]
    """Open WebUI model rows with a catalog id or a bridge id."""
    readers: Mapping[str, frozenset[str]]
    """{model id: managed Open WebUI users that may read it now} for existing bridge rows."""
    desired: Mapping[str, frozenset[str]]
    """{Open WebUI user id: model names LiteLLM grants} for every managed user read."""
    owner: str | None
    """The Open WebUI admin that owns new rows (None: no admin yet)."""


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
    for openwebui_id, name in sorted(served.items()):
        want = _readers_of(name, inputs.desired)
        row = inputs.rows.get(openwebui_id)
        if openwebui_id in inputs.bridge_rows and row is not None:
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
        elif inputs.owner is None:
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
                    after={"name": name, "owner": inputs.owner, "readers": len(want)},
                    add=want,
                )
            )
    for openwebui_id, name in sorted(inputs.bridge_rows.items()):
        if openwebui_id in served:
            continue
        exists = openwebui_id in inputs.rows
        changes.append(
            Change(
                "delete_model" if exists else "unlink",
                "model",
                name,
                openwebui_id,
                before={"openwebui_id": openwebui_id, "reason": "LiteLLM no longer serves it"},
            )
        )
    return changes, skips
