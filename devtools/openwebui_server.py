"""The real Open WebUI server, for the demo and the end-to-end tests.

Installed by scripts/install-openwebui.sh into ``~/.cache/litellm-bridge/owui-<version>``
(outside the repository); started on a PostgreSQL database, which it migrates itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

CACHE = Path(os.environ.get("BRIDGE_OPENWEBUI_CACHE", Path.home() / ".cache/litellm-bridge"))


class OpenWebUI:
    """A client of Open WebUI's own HTTP API."""

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
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def sign_in(self, email: str, password: str) -> tuple[int, Any]:
        return self.call("POST", "/api/v1/auths/signin", {"email": email, "password": password})

    def model_ids(self, token: str) -> set[str]:
        """What ``/api/models`` lists for the signed-in person (Open WebUI's arena aside)."""
        status, body = self.call("GET", "/api/models", token=token)
        if status != 200:
            raise RuntimeError(f"/api/models answered {status}: {body}")
        return {m["id"] for m in body["data"] if not m.get("arena")}

    def chat(self, token: str, model: str, text: str = "hi") -> tuple[int, Any]:
        return self.call(
            "POST",
            "/api/chat/completions",
            {"model": model, "messages": [{"role": "user", "content": text}], "stream": False},
            token=token,
        )

    def healthy(self) -> bool:
        try:
            return self.call("GET", "/health")[0] == 200
        except OSError:
            return False


def executable(version: str) -> Path:
    return CACHE / f"owui-{version}" / "bin" / "open-webui"


def start(
    version: str, openwebui_url: str, port: int, workdir: Path, **extra: str
) -> tuple[subprocess.Popen[Any], Path]:
    """Start Open WebUI ``version`` on 127.0.0.1:``port``; returns the process and its log."""
    program = executable(version)
    if not program.exists():
        raise FileNotFoundError(
            f"Open WebUI {version} is not installed at {program.parent.parent}; run "
            f"scripts/install-openwebui.sh {version} (make test and make demo do)"
        )
    env = (
        dict(os.environ)
        | {
            "DATA_DIR": str(workdir / f"openwebui-data-{port}"),
            "DATABASE_URL": openwebui_url,
            "OFFLINE_MODE": "true",
            "HF_HUB_OFFLINE": "1",
            "WEBUI_SECRET_KEY": "litellm-bridge-local-secret",
            "ENABLE_OLLAMA_API": "false",
            "ENABLE_OPENAI_API": "false",
        }
        | extra
    )
    log_path = workdir / f"openwebui-{port}.log"
    process = subprocess.Popen(
        [str(program), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        cwd=workdir,
    )
    return process, log_path


def wait_healthy(
    server: OpenWebUI, process: subprocess.Popen[Any], log_path: Path, timeout: float = 180
) -> None:
    deadline = time.monotonic() + timeout
    while not server.healthy():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("Open WebUI did not start:\n" + log_path.read_text()[-3000:])
        time.sleep(1)


def stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
