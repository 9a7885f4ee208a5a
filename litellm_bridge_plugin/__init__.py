"""litellm-bridge: LiteLLM as the source of truth for Open WebUI users, groups and access.

Name ``litellm_bridge_callback.bridge`` in LiteLLM's ``litellm_settings.callbacks``, with
config/litellm_bridge_callback.py beside config.yaml (newer LiteLLM releases also load
``litellm_bridge_plugin.bridge`` directly). The callback instance is built on first access, so
the CLI does not pay for importing LiteLLM.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["bridge"]
__version__ = "0.2.0"
"""The one place the version is written (pyproject.toml reads it; CHANGELOG.md)."""


_instance: Any = None


def __getattr__(name: str) -> Any:
    global _instance
    if name == "bridge":
        if _instance is None:
            from litellm_bridge_plugin.proxy.plugin import BridgePlugin

            _instance = BridgePlugin()
        return _instance
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@contextmanager
def bridge_placeholder() -> Iterator[object]:
    """Meanwhile ``bridge`` is a placeholder (or the instance, if one is built already), so a
    check of what a config loads (``litellm-bridge doctor``) does not start the plugin."""
    global _instance
    saved = _instance
    if saved is None:
        _instance = object()
    try:
        yield _instance
    finally:
        _instance = saved
