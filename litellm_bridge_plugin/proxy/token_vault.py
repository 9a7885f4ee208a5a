"""Keeps Open WebUI's signed identity token out of the proxy's hands until the bridge reads it.

LiteLLM copies a request's headers into many places before any callback runs: its debug log,
the logging payloads of callbacks that refuse the call first, the raw headers it keeps, and the
provider call (``forward_client_headers_to_llm_api``). An ASGI wrapper around the proxy app
takes ``X-OpenWebUI-User-Jwt`` out of every request's headers before LiteLLM sees them and
keeps it in a context variable for the duration of that request, where the bridge's pre-call
hook reads it (:func:`signed_token`).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from litellm_bridge_plugin.capture.asgi_wrap import wrap_middleware_stack
from litellm_bridge_plugin.proxy.identity import JWT_HEADER

_HEADER = JWT_HEADER.encode("latin-1")
_TOKEN: ContextVar[str | None] = ContextVar("litellm_bridge_signed_token", default=None)


def signed_token() -> str | None:
    """The token the current request carried (None without one, or outside a request).

    Several copies that differ are joined with a comma, which no valid token contains, so
    the check refuses them rather than picking one."""
    return _TOKEN.get()


class TokenVault:
    """ASGI wrapper: removes the identity header from the request, keeps its value aside."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = scope.get("headers") if scope.get("type") in ("http", "websocket") else None
        if not headers:
            await self.app(scope, receive, send)
            return
        found = [value for name, value in headers if name.lower() == _HEADER]
        if not found:
            await self.app(scope, receive, send)
            return
        kept = [(name, value) for name, value in headers if name.lower() != _HEADER]
        values = list(dict.fromkeys(v.decode("latin-1") for v in found))
        reset = _TOKEN.set(",".join(values))
        try:
            await self.app(dict(scope, headers=kept), receive, send)
        finally:
            _TOKEN.reset(reset)


def install(app: Any) -> TokenVault:
    """Wrap the proxy app's middleware stack (idempotent)."""
    return wrap_middleware_stack(app, TokenVault, TokenVault)
