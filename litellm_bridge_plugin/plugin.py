"""The LiteLLM callback: loaded by the proxy from ``litellm_settings.callbacks``.

Importing this module inside the proxy reads the bridge settings (invalid ones stop the
proxy's start with a message naming the variable) and starts the background sweeps. Nothing
here sits on a request's path: the proxy answers exactly as it would without the bridge.
"""

from __future__ import annotations

import atexit

from litellm.integrations.custom_logger import CustomLogger

from .logs import ensure_log_handler
from .settings import Settings, load_settings
from .worker import BridgeWorker


class BridgePlugin(CustomLogger):
    """Keeps Open WebUI in step with LiteLLM while the proxy runs."""

    def __init__(self, settings: Settings | None = None, *, start: bool = True) -> None:
        super().__init__()
        ensure_log_handler()
        self.settings = settings or load_settings()
        self.worker = BridgeWorker(self.settings)
        if start:
            self.worker.start()
            atexit.register(self.worker.stop)


bridge = BridgePlugin()
