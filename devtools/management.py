"""Calls to LiteLLM's management API over HTTP, as an operator's script makes them (the demo,
the benches and the tests' real-API fixture)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


class ManagementError(RuntimeError):
    """LiteLLM refused a management call; the message has its status and answer."""

    def __init__(self, path: str, status: int, answer: Any) -> None:
        super().__init__(f"{path} answered {status}: {answer}")
        self.status = status
        self.answer = answer


def call(
    base_url: str,
    path: str,
    body: dict[str, Any] | None = None,
    key: str = "",
    headers: dict[str, str] | None = None,
    method: str | None = None,
) -> tuple[int, Any]:
    """``POST path`` with ``body`` (``GET`` without one) as ``key``: (status, JSON answer, or
    the text of an answer that is not JSON)."""
    request = urllib.request.Request(
        f"{base_url}{path}",
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        | (headers or {}),
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        text = exc.read()
        try:
            return exc.code, json.loads(text)
        except ValueError:
            return exc.code, text.decode(errors="replace")


class Management:
    """One proxy's management API as one key (the master key, usually)."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url = base_url
        self.key = key

    def call(self, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        return call(self.base_url, path, body, self.key)

    def ok(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """:meth:`call` that must succeed; its answer, or :class:`ManagementError`."""
        status, answer = self.call(path, body)
        if status != 200:
            raise ManagementError(path, status, answer)
        return answer
