"""Benchmark: a burst of Open WebUI sign-ups enrolled into LiteLLM (BRIDGE_ENROL=sso), and the
latency of Open WebUI's calls before and during the burst.

    python -m bench.enrolment [--people 10000] [--calls 200]

The real proxy with its own database and the plugin (enrolment on, LiteLLM defaults giving
gpt-4). ``--people`` SSO accounts are written into Open WebUI's database at once, as its OAuth
callback writes them; the bench then counts LiteLLM users every second until all are enrolled,
while one client keeps calling gpt-4 through Open WebUI's key as a person LiteLLM already
knows. Prints the enrolment rate and the call latency (p50/p99) before and during the burst.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg

from bench.management import percentiles, proxy
from devtools import dbs, litellm_db

SERVICE = "sk-bench-enrol-openwebui"
DEFAULTS = "  default_internal_user_params: {user_role: internal_user, models: [gpt-4]}\n"


def _chat(port: int, email: str) -> float:
    """Seconds one gpt-4 call through Open WebUI's key as ``email`` took (it must pass)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/chat/completions",
        data=json.dumps(
            {"model": "gpt-4", "messages": [{"role": "user", "content": "hi"}]}
        ).encode(),
        headers={
            "Authorization": f"Bearer {SERVICE}",
            "Content-Type": "application/json",
            "X-OpenWebUI-User-Email": email,
        },
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
    return time.perf_counter() - started


def _sign_ups(openwebui_url: str, people: int) -> None:
    """``people`` SSO accounts in one transaction, as Open WebUI's OAuth callback writes each."""
    now = int(time.time())
    users, auths = [], []
    for n in range(people):
        account = str(uuid.uuid4())
        email = f"burst-{n}@corp.example"
        oauth = json.dumps({"oidc": {"sub": account}})
        users.append((account, f"burst {n}", email, now, now, now, oauth))
        auths.append((account, email))
    with psycopg.connect(openwebui_url) as conn, conn.cursor() as cur:
        cur.executemany(
            'INSERT INTO "user" (id, name, email, role, profile_image_url, last_active_at, '
            "created_at, updated_at, settings, oauth) "
            "VALUES (%s, %s, %s, 'user', '/user.png', %s, %s, %s, '{}', %s::json)",
            users,
        )
        cur.executemany(
            "INSERT INTO auth (id, email, password, active) VALUES (%s, %s, 'x', true)", auths
        )


def main() -> None:
    parser = argparse.ArgumentParser(description="a burst of sign-ups enrolled into LiteLLM")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=200, help="calls measured before the burst")
    args = parser.parse_args()
    dbs.ensure_local_server()
    litellm_db.ensure_client()
    with (
        tempfile.TemporaryDirectory() as tmp,
        proxy(8393, True, Path(tmp), DEFAULTS, BRIDGE_ENROL="sso", BRIDGE_ENROL_KEY="true") as p,
    ):
        p.call("/user/new", {"user_email": "admin@corp.example", "user_role": "proxy_admin"})
        p.call("/key/generate", {"key": SERVICE, "key_alias": "openwebui_global_key"})
        p.call("/user/new", {"user_email": "known@corp.example", "models": ["gpt-4"]})
        deadline = time.monotonic() + 60
        while True:  # until the bridge knows the key and the person
            try:
                _chat(p.port, "known@corp.example")
                break
            except urllib.error.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        before = [_chat(p.port, "known@corp.example") for _ in range(args.calls)]
        during: list[float] = []
        done = threading.Event()

        def keep_calling() -> None:
            while not done.is_set():
                during.append(_chat(p.port, "known@corp.example"))

        caller = threading.Thread(target=keep_calling)
        with psycopg.connect(p.litellm_url, autocommit=True) as litellm:
            count = 'SELECT count(*) FROM "LiteLLM_UserTable" WHERE user_email LIKE %s'
            started = time.monotonic()
            _sign_ups(p.openwebui_url, args.people)
            written = time.monotonic() - started
            caller.start()
            enrolled = 0
            while enrolled < args.people:
                time.sleep(1)
                row = litellm.execute(count, ("burst-%",)).fetchone()
                enrolled = int(row[0]) if row else 0
                took = time.monotonic() - started
                print(f"  {took:6.0f} s: {enrolled} of {args.people} enrolled", flush=True)
                if took > 3600:
                    raise SystemExit("not all enrolled within an hour")
            total = time.monotonic() - started
        done.set()
        caller.join()
    print(f"{args.people} SSO sign-ups written in {written:.1f} s; all enrolled in {total:.0f} s")
    print(f"enrolment rate: {args.people / total:.1f} people/s (LiteLLM's /user/new code + key)")
    print(percentiles("Open WebUI call before the burst", before))
    print(percentiles("Open WebUI call during the burst", during))


if __name__ == "__main__":
    main()
