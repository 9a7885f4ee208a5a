"""The soak's stack, real parts only: LiteLLM's database on the machine's PostgreSQL, Open
WebUI's on a PostgreSQL server the soak starts itself (servers.py), a Redis the soak starts,
two proxies with the plugin and LiteLLM's database sharing that Redis, ``litellm-bridge
worker``, the triggers, and the real Open WebUI server. Every process can be killed and
started again (faults.py)."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import psycopg

from devtools import dbs, litellm_db, openwebui_server
from devtools.proxy import proxy_env, start_proxy
from devtools.stack import openwebui_connection_env

from .servers import Postgres, Redis

MASTER_KEY = "sk-soak-master"
SERVICE_KEY = "sk-soak-openwebui"
ALIAS = "openwebui_global_key"
OPENWEBUI_VERSION = "0.12.4"
ROUTES = ["/v1/chat/completions", "/v1/models", "/v1/embeddings"]
SQL = Path(__file__).with_name("sql")
SWEEP_SECONDS = 30
WORKERS = ("worker1", "worker2")
"""Two ``litellm-bridge worker`` replicas sharing the outbox: worker2 is killed in turn,
worker1 (like proxy1) lives the whole soak, a witness for growth over time."""
WITNESSES = ("proxy1", "worker1")


class Process:
    """One process of the stack, restartable: ``start`` runs ``launch`` again."""

    def __init__(self, name: str, launch: Any, ready: Any) -> None:
        self.name = name
        self._launch = launch
        self._ready = ready
        self.popen: subprocess.Popen[Any] | None = None
        self.starts = 0
        self.started_at = 0.0

    def start(self, timeout: float = 240) -> None:
        self.starts += 1
        self.started_at = time.time()
        self.popen = self._launch()
        deadline = time.monotonic() + timeout
        while not self._ready():
            if self.popen.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"soak: {self.name} did not start")
            time.sleep(0.5)

    def kill(self) -> None:
        """kill -9."""
        if self.popen is not None and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait()

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    @property
    def pid(self) -> int | None:
        return None if self.popen is None else self.popen.pid


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.HTTPError):
        return False


class Stack:
    """``openwebui`` is Open WebUI's database: ``postgresql`` (a server of the soak's own) or
    ``sqlite`` (its default, a file)."""

    def __init__(self, directory: Path, base_port: int, openwebui: str = "postgresql") -> None:
        self.directory = directory
        self.tag = f"soak_{uuid.uuid4().hex[:6]}"
        self.postgres = (
            Postgres(directory / "owui-pg", base_port) if openwebui == "postgresql" else None
        )
        self.sqlite_file = directory / "webui.db" if openwebui == "sqlite" else None
        self.redis = Redis(directory / "redis", base_port + 1)
        self.proxy_ports = (base_port + 2, base_port + 3)
        self.openwebui_port = base_port + 4
        self.litellm_url = ""
        self.openwebui_url = ""
        self.processes: dict[str, Process] = {}

    # -- set-up -------------------------------------------------------------------------

    def up(self) -> None:
        dbs.ensure_local_server()
        litellm_db.ensure_client()
        self.litellm_url = dbs.create_database(dbs.server_url(), f"{self.tag}_litellm")
        dbs.apply_litellm_schema(self.litellm_url)
        with psycopg.connect(self.litellm_url, autocommit=True) as conn:
            conn.execute((SQL / "litellm_witness.sql").read_text())
        if self.postgres is not None:
            self.postgres.init()
            self.postgres.start()
            self.openwebui_url = self.postgres.create_database("openwebui")
            dbs.apply_openwebui_schema(self.openwebui_url, OPENWEBUI_VERSION)
            with psycopg.connect(self.openwebui_url, autocommit=True) as conn:
                conn.execute((SQL / "openwebui_witness.pg.sql").read_text())
        else:
            assert self.sqlite_file is not None
            self.openwebui_url = dbs.make_openwebui_sqlite(self.sqlite_file, OPENWEBUI_VERSION)
            with contextlib.closing(sqlite3.connect(self.sqlite_file)) as lite:
                lite.executescript((SQL / "openwebui_witness.sqlite.sql").read_text())
        self.redis.start()
        for n, port in enumerate(self.proxy_ports):
            self.processes[f"proxy{n + 1}"] = self._proxy(port)
        for name in WORKERS:
            self.processes[name] = self._worker(name)
        self.processes["openwebui"] = Process(
            "openwebui", self._launch_openwebui, self._openwebui_ready
        )
        self.processes["proxy1"].start()
        self.cli("install-triggers")
        self.processes["proxy2"].start()
        for name in WORKERS:
            self.processes[name].start()
        status, answer = self.call(
            self.proxy_ports[0],
            "/key/generate",
            {"key": SERVICE_KEY, "key_alias": ALIAS, "allowed_routes": ROUTES},
        )
        if status != 200:
            raise SystemExit(f"soak: Open WebUI's key was refused: {answer}")
        admin = {"user_email": "admin@soak.example", "user_role": "proxy_admin"}
        status, answer = self.call(self.proxy_ports[0], "/user/new", admin)
        if status != 200:  # Open WebUI's admin, who owns the model rows
            raise SystemExit(f"soak: the admin was refused: {answer}")
        self.processes["openwebui"].start()

    def down(self) -> None:
        """Everything stopped and dropped, whatever state the soak left it in."""
        for process in self.processes.values():
            process.stop()
        self.redis.kill()
        if self.postgres is not None:
            self.postgres.stop("immediate")
        if self.litellm_url:
            with contextlib.suppress(psycopg.Error):
                dbs.drop_database(dbs.server_url(), f"{self.tag}_litellm")

    # -- the parts ----------------------------------------------------------------------

    def env(self, **extra: str) -> dict[str, str]:
        return proxy_env(
            self.litellm_url,
            self.openwebui_url,
            MASTER_KEY,
            BRIDGE_SWEEP_INTERVAL=str(SWEEP_SECONDS),
            # people deleted in LiteLLM leave Open WebUI, so that the load, which deletes as
            # many as it makes once it has made enough, keeps the population steady: memory
            # then grows only if something leaks, not with the data
            BRIDGE_ON_USER_DELETE="delete",
            BRIDGE_OPENWEBUI_SERVICE_KEY=SERVICE_KEY,
            REDIS_HOST="127.0.0.1",
            REDIS_PORT=str(self.redis.port),
            **extra,
        ) | litellm_db.proxy_db_env(self.litellm_url)

    def _proxy(self, port: int) -> Process:
        directory = self.directory / f"proxy-{port}"
        directory.mkdir(parents=True, exist_ok=True)
        config = litellm_db.db_config(directory)

        def launch() -> subprocess.Popen[Any]:  # a log per start: a killed one's is kept
            log = directory / f"proxy-{port}-{process.starts}.log"
            return start_proxy(self.env(), port, log, config)

        process = Process(
            f"proxy on {port}",
            launch,
            lambda: _http_ok(f"http://127.0.0.1:{port}/health/readiness"),
        )
        return process

    def _worker(self, name: str) -> Process:
        def log() -> Path:  # a log per start: a killed one's is kept
            return self.directory / f"{name}-{self.processes[name].starts}.log"

        def launch() -> subprocess.Popen[Any]:
            program = Path(sys.executable).with_name("litellm-bridge")
            return subprocess.Popen(
                [str(program), "worker"],
                env=self.env(),
                stdout=log().open("w"),
                stderr=subprocess.STDOUT,
            )

        return Process(
            name, launch, lambda: "litellm-bridge: started" in log().read_text(errors="replace")
        )

    def _launch_openwebui(self) -> subprocess.Popen[Any]:
        process, _ = openwebui_server.start(
            OPENWEBUI_VERSION,
            self.openwebui_url,
            self.openwebui_port,
            self.directory,
            **openwebui_connection_env(f"http://127.0.0.1:{self.proxy_ports[0]}", SERVICE_KEY),
        )
        return process

    def _openwebui_ready(self) -> bool:
        return _http_ok(f"http://127.0.0.1:{self.openwebui_port}/health")

    # -- Open WebUI's database, either kind ---------------------------------------------------

    @property
    def arrived_table(self) -> str:
        return "soak.arrived" if self.postgres is not None else "soak_arrived"

    def openwebui_rows(self, query: str) -> list[tuple[Any, ...]]:
        """``query`` (no parameters, SQL both databases read alike) on Open WebUI's database."""
        if self.sqlite_file is not None:
            with contextlib.closing(sqlite3.connect(self.sqlite_file, timeout=30)) as lite:
                return list(lite.execute(query).fetchall())
        with psycopg.connect(self.openwebui_url, autocommit=True) as conn:
            return list(conn.execute(query).fetchall())

    # -- calls ----------------------------------------------------------------------------

    def call(
        self,
        port: int,
        path: str,
        body: dict[str, Any] | None = None,
        key: str = MASTER_KEY,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}",
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json"}
            | ({"Authorization": f"Bearer {key}"} if key else {})
            | (headers or {}),
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            try:
                return exc.code, json.loads(exc.read() or b"null")
            except ValueError:
                return exc.code, None
        except OSError as exc:
            return 0, str(exc)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        program = Path(sys.executable).with_name("litellm-bridge")
        return subprocess.run(
            [str(program), *args], env=self.env(), capture_output=True, text=True, check=False
        )
