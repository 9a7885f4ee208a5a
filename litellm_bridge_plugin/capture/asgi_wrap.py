"""Wrapping the running proxy's ASGI app (the one seam LiteLLM leaves for whole requests).

FastAPI keeps included routers nested, so routes cannot be patched; the app's built
``middleware_stack`` can be wrapped instead (DESIGN.md, "Where to wrap").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

W = TypeVar("W")


def wrap_middleware_stack(app: Any, kind: type[W], make: Callable[[Any], W]) -> W:
    """Put ``make(stack)`` around the app's middleware stack, once: an existing ``kind``
    anywhere in the chain of wrappers is returned instead."""
    stack = app.middleware_stack
    inner = stack
    for _ in range(64):  # ASGI middlewares keep the app they wrap as .app
        if inner is None:
            break
        if isinstance(inner, kind):
            return inner
        inner = getattr(inner, "app", None)
    if stack is None:
        stack = app.build_middleware_stack()
    wrapper = make(stack)
    app.middleware_stack = wrapper
    return wrapper
