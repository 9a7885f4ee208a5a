"""`make demo`: the whole stack on this machine, until Ctrl-C.

1. creates two databases: LiteLLM's own (its real migrations) and an empty one for Open WebUI,
   and installs the change-capture triggers in LiteLLM's;
2. starts the real Open WebUI (0.12.4) on port 8333, which migrates its database, and the real
   LiteLLM proxy with its database and the plugin on port 8313 (Open WebUI's connection: the
   proxy, Open WebUI's own key, user-info headers forwarded);
3. builds the integration guide's company, people and keys through LiteLLM's management API
   with the master key (devtools/demo_company.py), and Open WebUI's key as docker-compose makes
   it; sets passwords by ``/user/update``;
4. signs each person in to Open WebUI and prints who sees which model there, chats as Alice,
   and shows the proxy refusing calls outside a grant;
5. gives Dave a key by SQL behind the proxy's back and shows his Open WebUI model list follow;
6. prints the addresses and logins (Open WebUI, LiteLLM's Admin UI at /ui), and keeps
   everything running until Ctrl-C, which ends it with status 0 (``--no-wait``: stop at once,
   for scripts and the tests).

LiteLLM's database here goes through devtools/prisma_engine (devtools/litellm_db.py says why).
A second run reuses what the first installed. Ports and database names can be changed with
DEMO_PROXY_PORT, DEMO_OPENWEBUI_PORT and DEMO_DB_PREFIX.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import psycopg

from devtools import dbs, litellm_db, openwebui_server, terminal
from devtools import demo_company as company
from devtools import litellm_seed as seed
from devtools.management import Management
from devtools.openwebui_server import OpenWebUI
from devtools.proxy import proxy_env, start_proxy
from devtools.stack import (
    LITELLM_VERSION,
    OPENWEBUI_PORT,
    OPENWEBUI_VERSION,
    PROXY_PORT,
    openwebui_connection_env,
)

PROXY = int(os.environ.get("DEMO_PROXY_PORT", str(PROXY_PORT)))
OPENWEBUI = int(os.environ.get("DEMO_OPENWEBUI_PORT", str(OPENWEBUI_PORT)))
PREFIX = os.environ.get("DEMO_DB_PREFIX", "bridge_demo")
MASTER_KEY = "sk-demo-master-key"
SERVICE_KEY = "sk-demo-openwebui-key"
"""Open WebUI's own LiteLLM key (made through the API by the master key, as in Docker)."""
PASSWORDS = {
    "alice@techcompany.com": "Alice-Demo-2026",
    "bob@techcompany.com": "Bob-Demo-2026",
    "carol@techcompany.com": "Carol-Demo-2026",
    "dave@techcompany.com": "Dave-Demo-2026",
}


def say(text: str) -> None:
    print(f"\n\033[1m== {text}\033[0m", flush=True)


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    print(f"$ litellm-bridge {' '.join(args)}", flush=True)
    command = [str(Path(sys.executable).with_name("litellm-bridge")), *args]
    subprocess.run(command, env=env, check=False, input=stdin, text=True)


def wait(check: Any, what: str, timeout: float, *procs: tuple[subprocess.Popen[Any], Path]) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        for process, log_path in procs:
            if process.poll() is not None:
                sys.exit(f"{what}: a process stopped:\n{log_path.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            sys.exit(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.3)


def proxy_ready() -> bool:
    try:
        url = f"http://127.0.0.1:{PROXY}/health/liveliness"
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


def count(url: str, table: str) -> int:
    if url.startswith("sqlite:"):
        import sqlite3

        from litellm_bridge_plugin.sqlite import sqlite_path

        with contextlib.closing(sqlite3.connect(sqlite_path(url))) as lite:
            found = lite.execute(f'SELECT count(*) FROM "{table}"').fetchone()  # fixed names
        return int(found[0]) if found else 0
    with psycopg.connect(url) as conn:
        row = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()  # fixed names only
    return int(row[0]) if row else 0


SQLITE_FILE = Path.home() / ".cache" / "litellm-bridge" / PREFIX / "webui.db"
"""Open WebUI's database in the demo (its default, SQLite); made anew at every run."""


def openwebui_database(server_url: str, kind: str) -> str:
    """An empty database for Open WebUI: its default SQLite file, or a PostgreSQL one."""
    if kind == "postgresql":
        return dbs.create_database(server_url, f"{PREFIX}_openwebui")
    SQLITE_FILE.parent.mkdir(parents=True, exist_ok=True)
    for leftover in SQLITE_FILE.parent.glob("webui.db*"):
        leftover.unlink()
    return f"sqlite:///{SQLITE_FILE}"


def service_call(email: str, model: str) -> str:
    """A call as Open WebUI makes it: its own key, the person in a header."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{PROXY}/v1/chat/completions",
        data=json.dumps({"model": model, "messages": [{"role": "user", "content": "hi"}]}).encode(),
        headers={
            "Authorization": f"Bearer {SERVICE_KEY}",
            "Content-Type": "application/json",
            "X-OpenWebUI-User-Email": email,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())["choices"][0]["message"]["content"]
            return f"{response.status} {answer!r}"
    except urllib.error.HTTPError as exc:
        return f"{exc.code} {json.loads(exc.read())['error']['message']}"


def model_table(server: OpenWebUI, tokens: dict[str, str]) -> None:
    print(f"{'person':<24}" + "".join(f"{m:<17}" for m in company.CATALOG))
    for email, token in tokens.items():
        seen = server.model_ids(token)
        print(
            f"{email:<24}" + "".join(f"{'yes' if m in seen else '-':<17}" for m in company.CATALOG)
        )


def run(no_wait: bool, workdir: Path, openwebui_db: str = "sqlite") -> int:
    dbs.ensure_local_server()
    litellm_db.ensure_client()
    server_url = dbs.server_url()
    say(
        "Creating databases: LiteLLM's own (PostgreSQL, its migrations) and an empty one for "
        f"Open WebUI ({'its default, SQLite' if openwebui_db == 'sqlite' else 'PostgreSQL'})"
    )
    litellm_url = dbs.create_database(server_url, f"{PREFIX}_litellm")
    openwebui_url = openwebui_database(server_url, openwebui_db)
    dbs.apply_litellm_schema(litellm_url)
    print(f"LiteLLM database:    {litellm_url}\nOpen WebUI database: {openwebui_url}")
    env = proxy_env(
        litellm_url, openwebui_url, MASTER_KEY, BRIDGE_OPENWEBUI_SERVICE_KEY=SERVICE_KEY
    ) | litellm_db.proxy_db_env(litellm_url)
    cli(env, "install-triggers")

    say(f"Starting Open WebUI {OPENWEBUI_VERSION} on port {OPENWEBUI} (it migrates its database)")
    owui_process, owui_log = openwebui_server.start(
        OPENWEBUI_VERSION,
        openwebui_url,
        OPENWEBUI,
        workdir,
        **openwebui_connection_env(f"http://127.0.0.1:{PROXY}", SERVICE_KEY),
    )
    server = OpenWebUI(OPENWEBUI)
    proxy_log = workdir / "proxy.log"
    proxy: subprocess.Popen[Any] | None = None
    try:
        wait(server.healthy, "Open WebUI", 240, (owui_process, owui_log))
        say(f"Starting LiteLLM {LITELLM_VERSION} with its database and the plugin, port {PROXY}")
        proxy = start_proxy(env, PROXY, proxy_log, litellm_db.db_config(workdir))
        both = ((owui_process, owui_log), (proxy, proxy_log))
        wait(proxy_ready, "the proxy", 240, *both)
        for line in proxy_log.read_text().splitlines():
            if "litellm-bridge: started" in line or "litellm-bridge: watching" in line:
                print(line)  # (the service key is made below: `status` shows it then)

        say("Building the company through LiteLLM's management API (the master key)")
        api = Management(f"http://127.0.0.1:{PROXY}", MASTER_KEY)
        company.create_service_key(api, SERVICE_KEY)
        print("  /key/generate            Open WebUI's own key (alias openwebui_global_key)")
        company.build(api)
        wait(lambda: count(openwebui_url, "model") >= 3, "the models in Open WebUI", 60, *both)

        say("Passwords, set by /user/update (the bridge gives them to Open WebUI)")
        company.set_passwords(api, PASSWORDS)
        print("set for " + ", ".join(PASSWORDS))

        say("Each person signs in to Open WebUI; what /api/models lists for them")
        tokens = {}
        for email, password in PASSWORDS.items():
            wait(lambda e=email, p=password: server.sign_in(e, p)[0] == 200, email, 30, *both)
            tokens[email] = server.sign_in(email, password)[1]["token"]
        model_table(server, tokens)

        say("Chat through Open WebUI as Alice; calls outside a grant are refused by LiteLLM")
        status, body = server.chat(tokens["alice@techcompany.com"], "gpt-4")
        answer = body["choices"][0]["message"]["content"] if status == 200 else body
        print(f"Alice, gpt-4 through Open WebUI: {status} {answer!r}")
        for email, model in (
            ("alice@techcompany.com", "gpt-3.5-turbo"),
            ("frank@techcompany.com", "gpt-3.5-turbo"),
            ("mallory@elsewhere.test", "gpt-4"),
        ):
            print(f"Open WebUI's key as {email} -> {model}: {service_call(email, model)}")

        say("Dave gets a gpt-3.5-turbo key by SQL, behind the proxy's back (the triggers)")
        dave = tokens["dave@techcompany.com"]
        with psycopg.connect(litellm_url, autocommit=True) as conn:
            changed = time.monotonic()
            seed.add_key(conn, "hashed-dave-demo", "dave-basic", "dave", ["gpt-3.5-turbo"])
        wait(lambda: "gpt-3.5-turbo" in server.model_ids(dave), "Dave's new model", 30, *both)
        print(
            f"{(time.monotonic() - changed) * 1000:.0f} ms later Dave's Open WebUI lists "
            f"{sorted(server.model_ids(dave))} (no sync command run)"
        )

        say("Status and audit trail")
        cli(env, "status")
        cli(env, "audit", "--limit", "8")

        say("Running")
        print(f"Open WebUI:       http://127.0.0.1:{OPENWEBUI}")
        for email, password in PASSWORDS.items():
            print(f"  sign in as {email:<24} password {password}")
        print(f"LiteLLM Admin UI: http://127.0.0.1:{PROXY}/ui")
        print(f"  sign in as admin                     password {MASTER_KEY} (the master key)")
        print(f"LiteLLM API:      http://127.0.0.1:{PROXY} (master key {MASTER_KEY})")
        print(
            f"Explore: BRIDGE_LITELLM_DATABASE_URL={litellm_url} "
            f"BRIDGE_OPENWEBUI_DATABASE_URL={openwebui_url} .venv/bin/litellm-bridge status"
        )
        if not no_wait:
            return keep_running(workdir, owui_process, proxy)
    finally:
        say("Stopping")
        if proxy is not None and proxy.poll() is None:
            proxy.send_signal(signal.SIGINT)
            try:
                proxy.wait(30)
            except subprocess.TimeoutExpired:
                proxy.kill()
        openwebui_server.stop(owui_process)
        print("stopped the proxy and Open WebUI; the databases are kept")
    return 0


def keep_running(
    workdir: Path, owui_process: subprocess.Popen[Any], proxy: subprocess.Popen[Any]
) -> int:
    """Until Ctrl-C (or SIGTERM): 0; 1 if Open WebUI or the proxy stopped by itself."""
    print("Press Ctrl-C to stop.", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        while not stopped.wait(1):
            if owui_process.poll() is not None or proxy.poll() is not None:
                if stopped.is_set():
                    break
                print("a process stopped; see the logs in", workdir)
                return 1
    except KeyboardInterrupt:
        pass
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="the litellm-bridge demo")
    parser.add_argument("--no-wait", action="store_true", help="stop once everything is shown")
    parser.add_argument(
        "--openwebui-db",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="Open WebUI's database: its default SQLite file (default) or PostgreSQL",
    )
    args = parser.parse_args()
    # Ctrl-C stops the demo even when it was started with SIGINT ignored (a job started in the
    # background by a non-interactive shell inherits that, and Python then never raises
    # KeyboardInterrupt): Python's own handler, explicitly.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with terminal.foreground(), tempfile.TemporaryDirectory(prefix="bridge-demo-") as tmp:
        try:
            return run(args.no_wait, Path(tmp), args.openwebui_db)
        except KeyboardInterrupt:  # Ctrl-C before everything was up: stopped, as asked
            return 0


if __name__ == "__main__":
    sys.exit(main())
