"""The models LiteLLM serves.

Inside the proxy the router knows them; outside it (the CLI, the standalone worker) they are
the ``model_list`` names of the config file named by ``BRIDGE_LITELLM_CONFIG`` plus the
models added through the API (``LiteLLM_ProxyModelTable``). Only names are read: deployment
parameters may hold secrets. With neither a router nor a config file the catalogue is
unknown, and the bridge leaves Open WebUI's model rows as they are rather than treating
"unknown" as "nothing served".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import yaml

from litellm_bridge_plugin.errors import SettingsError
from litellm_bridge_plugin.litellm.tables import read_proxy_models


def _load(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(
            f"BRIDGE_LITELLM_CONFIG: cannot read {path}: {exc.strerror or exc}"
        ) from None
    except yaml.YAMLError as exc:
        raise SettingsError(f"BRIDGE_LITELLM_CONFIG: {path} is not valid YAML: {exc}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise SettingsError(f"BRIDGE_LITELLM_CONFIG: {path} is not a LiteLLM config (a mapping)")
    return loaded


def _entries(path: Path, seen: set[Path]) -> list[Any]:
    """``model_list`` entries of ``path`` and of the files it ``include``s (relative to it),
    as LiteLLM appends them."""
    resolved = path.resolve()
    if resolved in seen:
        raise SettingsError(f"BRIDGE_LITELLM_CONFIG: {path} includes itself")
    seen.add(resolved)
    loaded = _load(path)
    entries = loaded.get("model_list") or []
    if not isinstance(entries, list):
        raise SettingsError(f"BRIDGE_LITELLM_CONFIG: model_list in {path} is not a list")
    includes = loaded.get("include") or []
    if not isinstance(includes, list):
        raise SettingsError(f"BRIDGE_LITELLM_CONFIG: include in {path} is not a list")
    for item in includes:
        if not isinstance(item, str):
            raise SettingsError(f"BRIDGE_LITELLM_CONFIG: include entry {item!r} in {path}")
        entries = entries + _entries(path.parent / item, seen)
    return entries


def config_models(path: Path) -> list[str]:
    """``model_name`` of every ``model_list`` entry of a LiteLLM config file and its includes.

    A file that cannot be read raises :class:`SettingsError`: a partial catalogue would make
    models look unserved and lose their rows.
    """
    names = [e.get("model_name") for e in _entries(path, set()) if isinstance(e, dict)]
    return sorted({n for n in names if isinstance(n, str) and n.strip()})


def served_models(conn: psycopg.Connection[Any], config: Path | None) -> list[str]:
    """Config models and API-added models, each once, sorted."""
    names = set(read_proxy_models(conn))
    if config is not None:
        names.update(config_models(config))
    return sorted(names)


@dataclass(frozen=True)
class ModelSource:
    """Where a reconcile learns which models are served (and the router for access groups)."""

    router: Callable[[], Any] | None = None
    """Returns the running proxy's router (it is replaced when models change)."""
    config: Path | None = None

    def current_router(self) -> Any:
        return self.router() if self.router is not None else None

    def served(self, conn: psycopg.Connection[Any]) -> list[str] | None:
        """Served model names, or None when the catalogue cannot be known here."""
        router = self.current_router()
        if router is not None:
            return sorted({str(n) for n in router.get_model_names() if n})
        if self.config is not None:
            return served_models(conn, self.config)
        return None
