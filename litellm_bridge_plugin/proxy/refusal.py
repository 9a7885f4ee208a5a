"""A refused Open WebUI call: an answer to the caller, not an error of the proxy.

Some LiteLLM releases (1.77.3) log every exception a pre-call hook raises with its traceback
at ERROR (``_handle_llm_api_exception``); a refusal is the bridge working, so its records keep
their message and lose the traceback (:func:`quiet_refusals`). Other exceptions are untouched.
"""

from __future__ import annotations

import logging

from fastapi import HTTPException

LITELLM_PROXY_LOGGER = "LiteLLM Proxy"


class Refusal(HTTPException):
    """The bridge refused the call; status and ``{"error": message}`` go to the caller.
    ``kind`` (enforcement.REFUSALS) is for the metrics only."""

    def __init__(self, status: int, message: str, kind: str = "request") -> None:
        super().__init__(status_code=status, detail={"error": message})
        self.kind = kind


class _WithoutTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], Refusal):
            record.exc_info = None
            record.exc_text = None
        return True


def quiet_refusals() -> None:
    """Log the bridge's refusals on LiteLLM's proxy logger without a traceback (idempotent)."""
    logger = logging.getLogger(LITELLM_PROXY_LOGGER)
    if not any(isinstance(f, _WithoutTraceback) for f in logger.filters):
        logger.addFilter(_WithoutTraceback())
