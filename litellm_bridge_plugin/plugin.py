"""The LiteLLM callback: loaded by the proxy from ``litellm_settings.callbacks``.

Importing this module inside the proxy reads the bridge settings (invalid ones stop the
proxy's start with a message naming the variable), starts the background worker and wraps
the proxy's management routes (interception.py). The proxy answers exactly as it would
without the bridge; the bridge's work happens after the response, in its own threads.
"""

from __future__ import annotations

import atexit
import sys

from litellm.integrations.custom_logger import CustomLogger

from . import interception
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
            # Inside the proxy its server module is already imported; elsewhere (a test, a
            # script) there are no management routes to watch.
            proxy = sys.modules.get("litellm.proxy.proxy_server")
            if proxy is not None and getattr(proxy, "app", None) is not None:
                interception.install(proxy.app, self.worker.submit)


bridge = BridgePlugin()
