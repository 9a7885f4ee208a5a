"""The LiteLLM callback: loaded by the proxy from ``litellm_settings.callbacks``.

Importing this module inside the proxy reads the bridge settings (invalid ones stop the
proxy's start with a message naming the variable) and starts the background sweeps. Nothing
here sits on a request's path: the proxy answers exactly as it would without the bridge.
"""

from __future__ import annotations

import atexit
import logging
import sys

from litellm.integrations.custom_logger import CustomLogger

from .settings import Settings, load_settings
from .worker import BridgeWorker

log = logging.getLogger("litellm_bridge")


def _ensure_log_handler() -> None:
    """LiteLLM configures its own loggers only; give ours a handler so operators see it."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


class BridgePlugin(CustomLogger):
    """Keeps Open WebUI in step with LiteLLM while the proxy runs."""

    def __init__(self, settings: Settings | None = None, *, start: bool = True) -> None:
        super().__init__()
        _ensure_log_handler()
        self.settings = settings or load_settings()
        self.worker = BridgeWorker(self.settings)
        if start:
            self.worker.start()
            atexit.register(self.worker.stop)


bridge = BridgePlugin()
