"""`make demo`: the bridge's main job, end to end, on this machine.

1. creates two databases: LiteLLM's (its real migrations) and Open WebUI's (the 0.12.4 schema
   made by Open WebUI's own migrations);
2. fills LiteLLM with the integration guide's company and keys, as its management API would;
3. starts the real LiteLLM proxy with the plugin on port 8313 and waits for its first sync;
   shows who sees which model in Open WebUI and the proxy allowing and refusing calls made
   with Open WebUI's service key for a named person;
4. installs the change-capture triggers, changes LiteLLM by SQL behind the proxy's back and
   shows Open WebUI follow within a second; prints status and the audit trail.

The databases are left in place afterwards so you can look around (their URLs are printed).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

from devtools import dbs
from devtools import litellm_seed as seed
from devtools.proxy import proxy_env, start_proxy

PORT = int(os.environ.get("DEMO_PROXY_PORT", "8313"))
MASTER_KEY = "sk-demo-master-key"


def say(text: str) -> None:
    print(f"\n\033[1m== {text}\033[0m", flush=True)


def show_openwebui(url: str) -> None:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        users = conn.execute(
            'SELECT u.id, u.email, u.name, u.role, a.active FROM "user" u '
            "JOIN auth a ON a.id = u.id ORDER BY u.email"
        ).fetchall()
        groups = conn.execute('SELECT id, name FROM "group" ORDER BY name').fetchall()
        members = conn.execute(
            'SELECT m.group_id, u.email FROM group_member m JOIN "user" u ON u.id = m.user_id '
            "ORDER BY u.email"
        ).fetchall()
    print(f"{'email':<30} {'name':<14} {'role':<6} active")
    for u in users:
        print(f"{u['email']:<30} {u['name']:<14} {u['role']:<6} {u['active']}")
    print()
    for g in groups:
        emails = [m["email"] for m in members if m["group_id"] == g["id"]]
        print(f"group {g['name']!r}: {', '.join(emails) or '(no members)'}")


def show_models(url: str) -> None:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        rows = conn.execute(
            "SELECT g.resource_id AS model, u.email FROM access_grant g "
            'JOIN "user" u ON u.id = g.principal_id '
            "WHERE g.resource_type = 'model' AND g.principal_type = 'user' ORDER BY 1, 2"
        ).fetchall()
        models = [r["id"] for r in conn.execute("SELECT id FROM model ORDER BY id")]
    for model in models:
        readers = [r["email"] for r in rows if r["model"] == model]
        print(f"{model:<18} {', '.join(readers) or '(nobody)'}")


def service_call(email: str, model: str) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}/v1/chat/completions",
        data=json.dumps({"model": model, "messages": [{"role": "user", "content": "hi"}]}).encode(),
        headers={
            "Authorization": f"Bearer {MASTER_KEY}",
            "Content-Type": "application/json",
            "X-OpenWebUI-User-Email": email,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.loads(response.read())
            return f"{response.status} {body['choices'][0]['message']['content']!r}"
    except urllib.error.HTTPError as exc:
        return f"{exc.code} {json.loads(exc.read())['error']['message']}"


def wait_for_proxy(proxy: subprocess.Popen[Any], log_path: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proxy.poll() is not None:
            sys.exit(f"the proxy stopped:\n{log_path.read_text()[-3000:]}")
        try:
            url = f"http://127.0.0.1:{PORT}/health/liveliness"
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"the proxy did not answer within 120 s:\n{log_path.read_text()[-3000:]}")


def wait_for_models(url: str) -> None:
    """The router exists once the proxy answers; the bridge's next round writes the models."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT count(*) FROM model").fetchone()
        if row and row[0] >= 3:
            return
        time.sleep(0.2)
    sys.exit("no model rows in Open WebUI within 30 s of the proxy answering")


def cli(env: dict[str, str], *args: str) -> None:
    print(f"$ litellm-bridge {' '.join(args)}", flush=True)
    command = [str(Path(sys.executable).with_name("litellm-bridge")), *args]
    subprocess.run(command, env=env, check=False)


def wait_for_users(url: str, proxy: subprocess.Popen[Any], log_path: Path, count: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proxy.poll() is not None:
            sys.exit(f"the proxy stopped:\n{log_path.read_text()[-3000:]}")
        with psycopg.connect(url) as conn:
            row = conn.execute('SELECT count(*) FROM "user"').fetchone()
        if row and row[0] >= count:
            return
        time.sleep(0.5)
    sys.exit(f"no sync within 120 s; proxy log:\n{log_path.read_text()[-3000:]}")


def wait_for_group(url: str, name: str, since: float) -> float:
    """Seconds from ``since`` until Open WebUI has a group called ``name``."""
    while time.monotonic() - since < 30:
        with psycopg.connect(url) as conn:
            if conn.execute('SELECT 1 FROM "group" WHERE name = %s', (name,)).fetchone():
                return time.monotonic() - since
        time.sleep(0.02)
    sys.exit("the change did not reach Open WebUI within 30 s")


def main() -> int:
    dbs.ensure_local_server()
    server = dbs.server_url()
    say("Creating databases (LiteLLM migrations + Open WebUI 0.12.4 schema)")
    litellm_url = dbs.create_database(server, "bridge_demo_litellm")
    openwebui_url = dbs.create_database(server, "bridge_demo_openwebui")
    dbs.apply_litellm_schema(litellm_url)
    dbs.apply_openwebui_schema(openwebui_url, "0.12.4")
    print(f"LiteLLM database:    {litellm_url}\nOpen WebUI database: {openwebui_url}")

    say(
        "Filling LiteLLM with the guide's company (as /organization/new, /team/new, "
        "/user/new would)"
    )
    with psycopg.connect(litellm_url, autocommit=True) as conn:
        seed.seed_company(conn)
        seed.add_user(
            conn,
            "dave",
            "Dave.Miller@TechCompany.COM",
            None,
            "proxy_admin_viewer",
            organization_id=seed.COMPANY_ORG,
        )
        seed.add_user(conn, "service-bot", None, "CI bot")
        conn.execute(
            "UPDATE \"LiteLLM_UserTable\" SET models = '{gpt-3.5-turbo}' WHERE user_id = 'bob'"
        )
        seed.add_scenario_keys(conn, users=["alice", "bob", "carol"])
    print(
        "organisation 'Tech Company Inc'; teams 'AI Research Team' (Alice) and "
        "'Product Team' (Bob); Carol proxy_admin; Dave proxy_admin_viewer with a mixed-case "
        "email and no key; a user without email. Keys: Alice a team key of AI Research, Bob a "
        "gpt-3.5-turbo key and a 7-day premium gpt-4 key, Carol all-proxy-models"
    )

    # the master key plays Open WebUI's service key (this proxy has no key database)
    env = proxy_env(litellm_url, openwebui_url, MASTER_KEY, BRIDGE_OPENWEBUI_SERVICE_KEY=MASTER_KEY)
    say("Installing the change-capture triggers (plain PL/pgSQL, no extensions)")
    cli(env, "install-triggers")
    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(tmp) / "proxy.log"
        say(f"Starting the LiteLLM proxy with the plugin on port {PORT}")
        proxy = start_proxy(env, PORT, log_path)
        try:
            wait_for_users(openwebui_url, proxy, log_path, 4)
            wait_for_proxy(proxy, log_path)
            wait_for_models(openwebui_url)
            for line in log_path.read_text().splitlines():
                if "litellm-bridge" in line:
                    print(line)
            say("Open WebUI after the plugin's start-up sync")
            show_openwebui(openwebui_url)
            say("Who sees which model in Open WebUI (read grants the bridge wrote)")
            show_models(openwebui_url)
            say("Open WebUI calls the proxy with its one service key, naming the person")
            for email, model in (
                ("alice@techcompany.com", "gpt-4"),
                ("alice@techcompany.com", "gpt-3.5-turbo"),
                ("dave.miller@techcompany.com", "gpt-4"),
            ):
                print(f"{email} -> {model}: {service_call(email, model)}")

            say(
                "Changes made by SQL behind the proxy's back: Bob moves to AI Research, "
                "Carol is deleted, 'Product Team' is renamed"
            )
            with psycopg.connect(litellm_url, autocommit=True) as conn:
                changed_at = time.monotonic()
                with conn.transaction():
                    seed.remove_team_member(conn, "bob", "team-product")
                    seed.add_team_member(conn, "bob", "team-ai-research")
                    seed.delete_user(conn, "carol")
                    conn.execute(
                        'UPDATE "LiteLLM_TeamTable" SET team_alias = %s WHERE team_id = %s',
                        ("Product & Design", "team-product"),
                    )
            took = wait_for_group(openwebui_url, "Product & Design", changed_at)
            say(
                f"Open WebUI {took * 1000:.0f} ms later, no sync command run (Carol deactivated: "
                "her login is refused, her chats are kept)"
            )
            show_openwebui(openwebui_url)
        finally:
            proxy.send_signal(signal.SIGINT)
            proxy.wait(30)

    say("An operator's sync finds nothing left to do")
    cli(env, "sync")
    say("Status and audit trail")
    cli(env, "status")
    cli(env, "audit", "--limit", "12")
    print(
        f"\nExplore: BRIDGE_LITELLM_DATABASE_URL={litellm_url} "
        f"BRIDGE_OPENWEBUI_DATABASE_URL={openwebui_url} .venv/bin/litellm-bridge status"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
