"""The real Open WebUI server for the end-to-end tests (installed by
scripts/install-openwebui.sh, outside the repository)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CACHE = Path(os.environ.get("BRIDGE_OPENWEBUI_CACHE", Path.home() / ".cache/litellm-bridge"))


class OpenWebUI:
    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"

    def call(
        self, method: str, path: str, body: object = None, token: str | None = None
    ) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def sign_in(self, email: str, password: str) -> tuple[int, Any]:
        return self.call("POST", "/api/v1/auths/signin", {"email": email, "password": password})


@contextmanager
def running_openwebui(
    version: str, openwebui_url: str, tmp_path: Path, **extra: str
) -> Iterator[OpenWebUI]:
    """Open WebUI ``version`` serving ``openwebui_url`` (which it migrates itself at start)."""
    open_webui = CACHE / f"owui-{version}" / "bin" / "open-webui"
    if not open_webui.exists():
        pytest.skip(
            f"Open WebUI {version} is not installed at {open_webui.parent.parent}; "
            f"run scripts/install-openwebui.sh {version} (make test does)"
        )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = (
        os.environ
        | {
            "DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": openwebui_url,
            "OFFLINE_MODE": "true",
            "HF_HUB_OFFLINE": "1",
            "WEBUI_SECRET_KEY": "e2e-secret",
            "ENABLE_OLLAMA_API": "false",
            "ENABLE_OPENAI_API": "false",
        }
        | extra
    )
    log_path = tmp_path / f"openwebui-{port}.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [str(open_webui), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    server = OpenWebUI(port)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if server.call("GET", "/health")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("Open WebUI did not start:\n" + log_path.read_text()[-3000:])
            time.sleep(1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
