"""The bridge's logger and a handler for it where nobody configured one."""

from __future__ import annotations

import logging
import sys

log = logging.getLogger("litellm_bridge")


def ensure_log_handler() -> None:
    """LiteLLM configures its own loggers only; give ours a handler so operators see it."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
