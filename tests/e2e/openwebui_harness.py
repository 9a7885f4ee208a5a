"""The real Open WebUI server in a test (devtools/openwebui_server.py does the work)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from devtools import openwebui_server
from devtools.openwebui_server import OpenWebUI

__all__ = ["OpenWebUI", "running_openwebui"]


@contextmanager
def running_openwebui(
    version: str, openwebui_url: str, tmp_path: Path, **extra: str
) -> Iterator[OpenWebUI]:
    """Open WebUI ``version`` serving ``openwebui_url`` (which it migrates itself at start).

    `make test` installs both supported releases first; a missing one fails the test."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    try:
        process, log_path = openwebui_server.start(version, openwebui_url, port, tmp_path, **extra)
    except FileNotFoundError as exc:
        pytest.fail(str(exc))
    server = OpenWebUI(port)
    try:
        try:
            openwebui_server.wait_healthy(server, process, log_path)
        except RuntimeError as exc:
            pytest.fail(str(exc))
        yield server
    finally:
        openwebui_server.stop(process)
