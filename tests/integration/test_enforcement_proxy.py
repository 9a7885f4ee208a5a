"""LiteLLM refuses Open WebUI calls outside a person's grant: the real proxy, the plugin loaded.

The proxy runs without a database (Prisma cannot run here), so the one key it accepts is the
master key; it plays Open WebUI's service key (BRIDGE_OPENWEBUI_SERVICE_KEY). The people,
their keys and budgets are the guide's scenario, written to LiteLLM's real tables. A second
callback (tests/fixtures/spend_recorder.py) records who LiteLLM would charge for each call.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt

from devtools import litellm_seed as seed
from tests.fixtures.proxies import MASTER_KEY, Proxy, env_for, only_newest, recorder_config
from tests.fixtures.support import Databases

SECRET = "jwt-secret-for-tests-at-least-32-bytes"


def _as(email: str | None = None, **extra: str) -> dict[str, str]:
    headers = {"X-OpenWebUI-User-Email": email} if email else {}
    return headers | extra


def _chat(proxy: Proxy, model: str, headers: dict[str, str]) -> tuple[int, str]:
    status, body = proxy.post(
        "/v1/chat/completions",
        {"model": model, "messages": [{"role": "user", "content": "hi"}]},
        headers,
    )
    return status, json.dumps(body)


def _token(claims: dict[str, object], secret: str = SECRET) -> str:
    now = datetime.now(UTC)
    issued = {"iss": "open-webui", "iat": now, "exp": now + timedelta(minutes=5)}
    return jwt.encode(issued | claims, secret)


@only_newest
def test_the_guides_people_are_allowed_and_refused(
    databases: Databases, proxy_factory: Callable[..., Proxy], tmp_path: Path
) -> None:
    conn = databases.litellm()
    seed.seed_scenario(conn)
    # Bob's premium key runs out while the proxy is up
    conn.execute(
        "UPDATE \"LiteLLM_VerificationToken\" SET expires = (now() AT TIME ZONE 'UTC') "
        "+ interval '40 seconds' WHERE key_alias = 'bob-premium-7d'"
    )
    expires_at = time.monotonic() + 40
    spend_file = tmp_path / "spend.jsonl"
    env = env_for(
        databases.litellm_url,
        databases.openwebui_url,
        BRIDGE_OPENWEBUI_SERVICE_KEY=MASTER_KEY,
        BRIDGE_TEST_SPEND_FILE=str(spend_file),
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
    )
    proxy = proxy_factory(env, recorder_config(tmp_path))
    proxy.wait_until(proxy.ready, "the proxy to answer")
    # the in-proxy catalogue (the router) reaches Open WebUI as rows with per-user grants
    proxy.wait_until(lambda: len(databases.owui_models()) == 3, "model rows in Open WebUI")
    readers = {i: m["readers"] for i, m in databases.owui_models().items()}
    assert readers["gpt-4"] == {
        "alice@techcompany.com",
        "bob@techcompany.com",
        "carol@techcompany.com",
    }

    allowed = [
        ("alice@techcompany.com", "gpt-4"),
        ("ALICE@TechCompany.com", "claude-3-sonnet"),  # emails match case-insensitively
        ("bob@techcompany.com", "gpt-3.5-turbo"),
        ("bob@techcompany.com", "gpt-4"),  # the premium team key, while it lasts
        ("carol@techcompany.com", "claude-3-sonnet"),  # all-proxy-models
    ]
    for email, model in allowed:
        status, body = _chat(proxy, model, _as(email))
        assert status == 200, (email, model, body)
        assert f"mock {model}" in body
    # the caller learns the model and the kind of reason; the proxy log gets the whole story
    not_granted = "LiteLLM does not grant it to you"
    refused = [
        ("alice@techcompany.com", "gpt-3.5-turbo", 403, not_granted, "team-ai-research is limited"),
        ("bob@techcompany.com", "claude-3-sonnet", 403, not_granted, "key bob-basic is limited"),
        ("dave@techcompany.com", "gpt-4", 403, not_granted, "user dave has no keys"),
        ("erin@techcompany.com", "gpt-4", 403, not_granted, "key erin-blocked is blocked"),
        ("frank@techcompany.com", "gpt-3.5-turbo", 400, "is used up", "over budget"),
        ("mallory@elsewhere.test", "gpt-4", 403, "not a LiteLLM user", "is not a LiteLLM user"),
        (None, "gpt-4", 401, "must name the user", "must name the user"),
    ]
    for email, model, code, said, logged in refused:
        status, body = _chat(proxy, model, _as(email))
        assert status == code, (email, model, body)
        assert said in body, body
        for internal in ("team-ai-research", "bob-basic", "erin-blocked", "max_budget", "spend"):
            assert internal not in body, body
        proxy.wait_until(lambda logged=logged: logged in proxy.log, f"{logged!r} in the log")
        if code == 403 and email and "not a LiteLLM" not in said:
            assert f"model {model}" in body
    status, body = _chat(
        proxy, "gpt-4", _as("alice@techcompany.com", **{"X-OpenWebUI-User-Id": "x" * 400})
    )
    assert status == 400 and "too long" in body

    # allowed calls are charged to the person, not to the service key
    charged = [json.loads(line) for line in spend_file.read_text().splitlines()]
    assert [(c["spend_logs_user"], c["callback_user_id"]) for c in charged][:2] == [
        ("alice", "alice"),
        ("alice", "alice"),
    ]
    assert {c["callback_user_email"] for c in charged} >= {"alice@techcompany.com"}
    assert {c["spend_logs_user"] for c in charged} == {"alice", "bob", "carol"}

    # the premium key expires: the proxy refuses at once, Open WebUI drops it by the next sweep
    time.sleep(max(0.0, expires_at - time.monotonic()) + 1)
    status, body = _chat(proxy, "gpt-4", _as("bob@techcompany.com"))
    assert status == 403 and "expired" in body, body
    proxy.wait_until(
        lambda: "bob@techcompany.com" not in databases.owui_models()["gpt-4"]["readers"],
        "Bob's gpt-4 grant to go",
        timeout=30,
    )
    assert "litellm_bridge_plugin/" not in proxy.log  # no traceback through the bridge


@only_newest
def test_only_a_signed_identity_is_believed_when_a_secret_is_set(
    databases: Databases, proxy_factory: Callable[..., Proxy]
) -> None:
    seed.seed_scenario(databases.litellm())
    proxy = proxy_factory(
        env_for(
            databases.litellm_url,
            databases.openwebui_url,
            BRIDGE_OPENWEBUI_SERVICE_KEY=MASTER_KEY,
            BRIDGE_OPENWEBUI_JWT_SECRET=SECRET,
        )
    )
    proxy.wait_until(proxy.ready, "the proxy to answer")
    proxy.wait_until(lambda: len(databases.owui_models()) == 3, "the first sync")
    bob_id = databases.owui_users()["bob@techcompany.com"]["id"]
    signed = {"X-OpenWebUI-User-Jwt": _token({"email": "bob@techcompany.com", "sub": bob_id})}
    status, body = _chat(proxy, "gpt-3.5-turbo", signed)
    assert status == 200, body
    cases = [
        (_as("carol@techcompany.com"), 401, "a signed x-openwebui-user-jwt is required"),
        (
            {"X-OpenWebUI-User-Jwt": _token({"email": "carol@techcompany.com"}, "wrong")},
            401,
            "not signed with BRIDGE_OPENWEBUI_JWT_SECRET",
        ),
        (
            {
                "X-OpenWebUI-User-Jwt": jwt.encode(
                    {"email": "carol@techcompany.com", "exp": 1_000_000_000, "iss": "open-webui"},
                    SECRET,
                )
            },
            401,
            "has expired",
        ),
        (
            signed | _as("carol@techcompany.com"),
            403,
            "contradicts the signed",
        ),
        ({"X-OpenWebUI-User-Jwt": "not-a-token"}, 401, "is not valid"),
    ]
    for headers, code, why in cases:
        status, body = _chat(proxy, "gpt-4", headers)
        assert status == code, (headers, body)
        assert why.lower() in body.lower(), body
    assert "hunter2" not in proxy.log and SECRET not in proxy.log
