"""`make demo`'s program, run as a newcomer runs it: real Open WebUI, real proxy, Ctrl-C.

Ports and database names are moved out of the way of a demo someone may be running.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg

from devtools import dbs
from tests.fixtures.proxies import free_port

ROOT = Path(__file__).resolve().parents[2]


def _answers(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_the_demo_shows_the_stack_and_stops_on_ctrl_c(pg_server: str, tmp_path: Path) -> None:
    prefix = f"t_{uuid.uuid4().hex[:8]}_demo"
    proxy_port, openwebui_port = free_port(), free_port()
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(Path.home()),
        "DEMO_PROXY_PORT": str(proxy_port),
        "DEMO_OPENWEBUI_PORT": str(openwebui_port),
        "DEMO_DB_PREFIX": prefix,
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp_path / "demo.log"
    with log_path.open("w") as log:
        demo = subprocess.Popen(
            [sys.executable, "-m", "devtools.demo"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so a failure below can stop its proxy and Open WebUI too
            # SIGINT ignored, as a non-interactive shell starts a background job (CI may run
            # so): Ctrl-C must stop the demo all the same
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        )
    try:
        deadline = time.monotonic() + 400
        while "Press Ctrl-C to stop." not in log_path.read_text():
            assert demo.poll() is None, log_path.read_text()[-4000:]
            assert time.monotonic() < deadline, log_path.read_text()[-4000:]
            time.sleep(1)
        out = log_path.read_text()
        assert _answers(openwebui_port) and _answers(proxy_port)
        table = [
            line.split()
            for line in out.splitlines()
            if line.startswith(("alice@", "bob@", "carol@", "dave@"))
        ]
        assert table == [
            ["alice@techcompany.com", "yes", "-", "yes"],
            ["bob@techcompany.com", "yes", "yes", "-"],
            ["carol@techcompany.com", "yes", "yes", "yes"],
            ["dave@techcompany.com", "-", "-", "-"],
        ]
        assert "Open WebUI database: sqlite:////" in out  # Open WebUI's default
        assert f"LiteLLM Admin UI: http://127.0.0.1:{proxy_port}/ui" in out
        assert "sign in as admin" in out
        # the company was made by LiteLLM's API: the keys carry what only LiteLLM writes
        litellm_url = dbs.database_url(pg_server, f"{prefix}_litellm")
        with psycopg.connect(litellm_url) as conn:
            keys = conn.execute(
                'SELECT key_alias, created_by, key_name FROM "LiteLLM_VerificationToken" '
                "ORDER BY key_alias"
            ).fetchall()
        made = {alias for alias, by, name in keys if by == "default_user_id" and name}
        assert {"alice-research", "erin-blocked", "openwebui_global_key"} <= made, keys
        assert "Alice, gpt-4 through Open WebUI: 200 'Hello from the mock gpt-4.'" in out
        assert (
            "alice@techcompany.com -> gpt-3.5-turbo: 403 model gpt-3.5-turbo: LiteLLM does not"
            in out
        )
        assert "frank@techcompany.com -> gpt-3.5-turbo: 400" in out  # his budget is spent
        assert "Dave's Open WebUI lists ['gpt-3.5-turbo']" in out
        assert "Demo-2026" not in out.split("== Running")[0]  # passwords only in the logins
        demo.send_signal(signal.SIGINT)
        assert demo.wait(90) == 0, log_path.read_text()[-3000:]
        assert "stopped the proxy and Open WebUI" in log_path.read_text()
        assert not _answers(openwebui_port) and not _answers(proxy_port)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(demo.pid, signal.SIGKILL)  # whatever of the demo is left
        for name in (f"{prefix}_litellm", f"{prefix}_openwebui"):
            dbs.drop_database(pg_server, name)
        shutil.rmtree(Path.home() / ".cache" / "litellm-bridge" / prefix, ignore_errors=True)
