"""Hostile requests through the real LiteLLM proxy: none reaches a model its person may not use.

The proxy runs without a database (Prisma cannot run here), so the master key plays Open WebUI's
service key. Gina holds a key for gpt-3.5-turbo only, Hank one for gpt-3.5-turbo and gpt-4;
both are LiteLLM users in LiteLLM's real tables. A second callback records every call that
reached a model (tests/fixtures/spend_recorder.py), so "refused" is checked twice: by the status the
caller gets and by no model having answered.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import jwt
import psycopg
import pytest
from litellm.proxy._types import hash_token

from devtools import litellm_seed as seed
from devtools.proxy import CONFIG
from litellm_bridge_plugin.proxy.enforcement import FALLBACK_FIELDS, OVERRIDE
from litellm_bridge_plugin.releases import fallback_walker
from tests.fixtures.proxies import (
    MASTER_KEY,
    Proxy,
    env_for,
    free_port,
    only_newest,
    recorder_config,
)
from tests.fixtures.support import Databases

GINA = {"X-OpenWebUI-User-Email": "gina@corp.test"}
HANK = {"X-OpenWebUI-User-Email": "hank@corp.test"}
SECRET = "a-jwt-secret-of-at-least-32-bytes!"


def _seed(conn: Any) -> None:
    seed.add_user(conn, "root", "root@corp.test", role="proxy_admin")  # owns the model rows
    seed.add_user(conn, "gina", "gina@corp.test")
    seed.add_user(conn, "hank", "hank@corp.test")
    seed.add_user(conn, "ivy", "ivy@corp.test")
    seed.add_user(conn, "ivy2", "IVY@corp.test ")  # one email, two LiteLLM users
    seed.add_key(conn, "hashed-gina", "gina-35", "gina", ["gpt-3.5-turbo"])
    seed.add_key(conn, "hashed-hank", "hank-both", "hank", ["gpt-3.5-turbo", "gpt-4", "recorded"])
    seed.add_key(conn, "hashed-ivy", "ivy-all", "ivy", [])


def _config(tmp_path: Path, general: str = "", models: str = "", litellm: str = "") -> Path:
    """The example config, a recording second callback, and fallbacks forced by the request
    (``mock_testing_fallbacks``) so the router really takes them; ``general`` and ``models``
    are more lines for ``general_settings`` and ``model_list``."""
    text = CONFIG.read_text().replace("model_list:\n", "model_list:\n" + models, 1)
    text = text.replace("litellm_settings:\n", "litellm_settings:\n" + litellm, 1)
    text += "  dangerously_allow_mock_testing_request_params: true\n" + general
    return recorder_config(tmp_path, text)


def _start(
    databases: Databases,
    proxy_factory: Callable[..., Proxy],
    tmp_path: Path,
    *,
    general: str = "",
    models: str = "",
    litellm: str = "",
    openwebui_url: str | None = None,
    ready_as: dict[str, str] = HANK,
    prepare: Callable[[Any], object] | None = None,
    **env: str,
) -> tuple[Proxy, Path]:
    _seed(databases.litellm())
    if prepare is not None:
        prepare(databases.litellm())
    spend = tmp_path / "spend.jsonl"
    spend.touch()
    proxy = proxy_factory(
        env_for(
            databases.litellm_url,
            openwebui_url or databases.openwebui_url,
            BRIDGE_OPENWEBUI_SERVICE_KEY=MASTER_KEY,
            BRIDGE_TEST_SPEND_FILE=str(spend),
            PYTHONPATH=str(Path(__file__).resolve().parents[2]),
            **env,
        ),
        _config(tmp_path, general, models, litellm),
    )
    proxy.wait_until(proxy.ready, "the proxy to answer")
    proxy.wait_until(lambda: _chat(proxy, ready_as, model="gpt-4")[0] == 200, "grants loaded")
    proxy.wait_until(lambda: bool(_reached(spend)), "the first call recorded")
    return proxy, spend


def _chat(proxy: Proxy, headers: dict[str, str], **body: object) -> tuple[int, str]:
    status, answer = proxy.post(
        "/v1/chat/completions",
        {"messages": [{"role": "user", "content": "hi"}]} | body,
        headers,
    )
    return status, json.dumps(answer)


def _reached(spend: Path) -> list[str]:
    """The models that answered a call, in order (the recorder's lines)."""
    return [json.loads(line)["model"] for line in spend.read_text().splitlines()]


FALLBACK_TO_GPT4 = {"router_settings_override": {"fallbacks": [{"gpt-3.5-turbo": ["gpt-4"]}]}}
HOSTILE: list[tuple[str, dict[str, str], dict[str, object], int, str]] = [
    # (case, headers, body, status, words the caller sees)
    ("plain out-of-grant", GINA, {"model": "gpt-4"}, 403, "does not grant it"),
    ("comma list", GINA, {"model": "gpt-3.5-turbo,gpt-4"}, 403, "model gpt-4"),
    (
        "body fallbacks",
        GINA,
        {"model": "gpt-3.5-turbo", "mock_testing_fallbacks": True, "fallbacks": ["gpt-4"]},
        403,
        "model gpt-4",
    ),
    (
        "fallback nested in a dict target",
        GINA,
        {
            "model": "gpt-3.5-turbo",
            "mock_testing_fallbacks": True,
            "fallbacks": [{"model": "gpt-3.5-turbo", "fallbacks": ["gpt-4"]}],
        },
        403,
        "model gpt-4",
    ),
    (
        "router_settings_override fallbacks",
        GINA,
        {"model": "gpt-3.5-turbo", "mock_testing_fallbacks": True} | FALLBACK_TO_GPT4,
        403,
        "model gpt-4",
    ),
    (
        "context window fallbacks in the override",
        GINA,
        {
            "model": "gpt-3.5-turbo",
            "router_settings_override": {
                "context_window_fallbacks": [{"gpt-3.5-turbo": ["claude-3-sonnet"]}]
            },
        },
        403,
        "model claude-3-sonnet",
    ),
    ("fallbacks as text", GINA, {"model": "gpt-3.5-turbo", "fallbacks": "gpt-4"}, 400, "field"),
    (
        "fallback map to text",
        GINA,
        {"model": "gpt-3.5-turbo", "fallbacks": [{"gpt-3.5-turbo": "gpt-4"}]},
        400,
        "field fallbacks",
    ),
    (
        "override not an object",
        GINA,
        {"model": "gpt-3.5-turbo", "router_settings_override": ["gpt-4"]},
        400,
        "field router_settings_override",
    ),
    # (user_config: LiteLLM's own auth refuses it before any hook runs; the bridge's refusal,
    # for a release that lets it through, is in tests/integration/test_enforcement.py)
    (
        "target_model_names of another type",
        GINA,
        {"model": "gpt-3.5-turbo", "target_model_names": {"gpt-4": 1}},
        400,
        "field target_model_names",
    ),
    ("no model", GINA, {}, 400, "must name a model"),
    (
        "an email and someone else's Open WebUI id",
        GINA | {"X-OpenWebUI-User-Id": "hanks-account"},
        {"model": "gpt-3.5-turbo"},
        403,
        "do not belong together",
    ),
    (
        "one email, two LiteLLM users",
        {"X-OpenWebUI-User-Email": "ivy@corp.test"},
        {"model": "gpt-3.5-turbo"},
        403,
        "cannot be told apart",
    ),
    (
        "stranger",
        {"X-OpenWebUI-User-Email": "eve@evil.test"},
        {"model": "gpt-3.5-turbo"},
        403,
        "not a LiteLLM user",
    ),
    ("nobody named", {}, {"model": "gpt-3.5-turbo"}, 401, "must name the user"),
    (
        "overlong header",
        {"X-OpenWebUI-User-Email": "g@" + "x" * 400},
        {"model": "gpt-3.5-turbo"},
        400,
        "too long",
    ),
]


@only_newest
def test_hostile_requests_reach_no_model_they_may_not(
    databases: Databases, proxy_factory: Callable[..., Proxy], tmp_path: Path
) -> None:
    proxy, spend = _start(databases, proxy_factory, tmp_path)
    before = len(_reached(spend))
    # a release without LiteLLM's fallback walker (1.77.3): well-formed fallback fields are
    # refused as uncheckable (400) instead of checked model by model (403)
    walker = fallback_walker() is not None
    uncheckable = (400, "cannot be checked with the installed LiteLLM release")
    for case, headers, body, status, words in HOSTILE:
        if not walker and status == 403 and set(body) & {*FALLBACK_FIELDS, OVERRIDE}:
            status, words = uncheckable
        got, answer = _chat(proxy, headers, **body)
        assert got == status, (case, answer)
        assert words in answer, (case, answer)
    status, answer = _chat(proxy, GINA, model="gpt-3.5-turbo")
    assert status == 200 and "mock gpt-3.5-turbo" in answer, answer
    proxy.wait_until(lambda: len(_reached(spend)) > before, "Gina's call recorded")
    assert _reached(spend)[before:] == ["gpt-3.5-turbo"]  # no model answered a hostile call
    # the same fallback request is served for a person granted both models, and the router
    # really falls back: the answer comes from gpt-4
    status, answer = _chat(
        proxy, HANK, model="gpt-3.5-turbo", mock_testing_fallbacks=True, **FALLBACK_TO_GPT4
    )
    if walker:
        assert status == 200 and "mock gpt-4" in answer, answer
    else:
        assert status == uncheckable[0] and uncheckable[1] in answer, answer


@only_newest
def test_the_check_does_not_need_open_webui(
    databases: Databases, proxy_factory: Callable[..., Proxy], tmp_path: Path
) -> None:
    """Grants and budgets come from LiteLLM alone: with Open WebUI's database unreachable the
    proxy still allows what LiteLLM grants and refuses the rest."""
    closed = f"postgresql://nobody@127.0.0.1:{free_port()}/openwebui"
    proxy, _ = _start(databases, proxy_factory, tmp_path, openwebui_url=closed)
    assert _chat(proxy, GINA, model="gpt-3.5-turbo")[0] == 200
    assert _chat(proxy, GINA, model="gpt-4")[0] == 403
    # a change in LiteLLM reaches the check while Open WebUI is still down
    databases.litellm().execute(
        "UPDATE \"LiteLLM_VerificationToken\" SET models = '{gpt-4}' WHERE key_alias = 'gina-35'"
    )
    proxy.wait_until(
        lambda: _chat(proxy, GINA, model="gpt-4")[0] == 200, "Gina's new grant", timeout=60
    )
    assert _chat(proxy, GINA, model="gpt-3.5-turbo")[0] == 403
    assert "cannot connect to the Open WebUI database" in proxy.log


class _Recorder(BaseHTTPRequestHandler):
    """A local OpenAI-compatible server that records the headers of each call it gets."""

    seen: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        _Recorder.seen.append({k.lower(): v for k, v in self.headers.items()})
        body = json.dumps(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 1,
                "model": "recorded",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "recorded"},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def provider() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()


@only_newest
def test_the_signed_token_never_reaches_the_provider(
    databases: Databases, proxy_factory: Callable[..., Proxy], tmp_path: Path, provider: int
) -> None:
    """With ``forward_client_headers_to_llm_api`` LiteLLM copies every ``x-`` header into the
    provider call; the identity token must not be among them, nor in the proxy's log."""
    now = datetime.now(UTC)
    claims = {"email": "hank@corp.test", "iss": "open-webui", "iat": now}
    token = jwt.encode(claims | {"exp": now + timedelta(minutes=5)}, SECRET)
    signed = {"X-OpenWebUI-User-Jwt": token, "X-Trace-Id": "trace-1"}
    proxy, _ = _start(
        databases,
        proxy_factory,
        tmp_path,
        general="  forward_client_headers_to_llm_api: true\n",
        models=(
            "  - model_name: recorded\n"
            "    litellm_params:\n"
            "      model: openai/recorded\n"
            f"      api_base: http://127.0.0.1:{provider}/v1\n"
            "      api_key: sk-provider-side\n"
        ),
        ready_as=signed,
        BRIDGE_OPENWEBUI_JWT_SECRET=SECRET,
        LITELLM_LOG="DEBUG",  # LiteLLM logs request headers before any callback runs
    )
    status, answer = _chat(proxy, signed, model="recorded")
    assert status == 200 and "recorded" in answer, answer
    seen = _Recorder.seen[-1]
    assert seen.get("x-trace-id") == "trace-1"  # LiteLLM does forward the caller's x- headers
    assert "x-openwebui-user-jwt" not in seen and token not in json.dumps(_Recorder.seen)
    assert token not in proxy.log
    # a refused call's token goes nowhere either
    gina = jwt.encode(
        claims | {"email": "gina@corp.test", "exp": now + timedelta(minutes=5)}, SECRET
    )
    assert _chat(proxy, {"X-OpenWebUI-User-Jwt": gina}, model="recorded")[0] == 403
    assert gina not in proxy.log and gina not in json.dumps(_Recorder.seen)


ROUTER_FALLBACKS = (
    "router_settings:\n"
    '  fallbacks: [{"gpt-3.5-turbo": ["gpt-4"]}]\n'
    '  context_window_fallbacks: [{"gpt-3.5-turbo": ["claude-3-sonnet"]}]\n'
)


@only_newest
def test_the_operators_fallbacks_take_only_what_the_person_may_use(
    databases: Databases, proxy_factory: Callable[..., Proxy], tmp_path: Path
) -> None:
    """``router_settings`` fallbacks apply to every call; through Open WebUI's one key they are
    narrowed to the person's grant (a long prompt or a provider error must not lift Gina, who
    may use gpt-3.5-turbo only, onto gpt-4 or claude-3-sonnet)."""
    proxy, spend = _start(databases, proxy_factory, tmp_path, general="\n" + ROUTER_FALLBACKS)
    before = len(_reached(spend))
    for flag in ("mock_testing_fallbacks", "mock_testing_context_fallbacks"):
        status, answer = _chat(proxy, GINA, model="gpt-3.5-turbo", **{flag: True})
        assert status != 200 and "mock gpt-4" not in answer and "claude" not in answer, answer
    # Hank may use gpt-4: the operator's fallback works for him as configured
    status, answer = _chat(proxy, HANK, model="gpt-3.5-turbo", mock_testing_fallbacks=True)
    assert status == 200 and "mock gpt-4" in answer, answer
    proxy.wait_until(lambda: len(_reached(spend)) > before, "Hank's call recorded")
    assert _reached(spend)[before:] == ["gpt-4"]


@only_newest
def test_a_team_model_alias_is_not_a_grant(
    databases: Databases, proxy_factory: Callable[..., Proxy], tmp_path: Path
) -> None:
    """A team alias renames a model on the team's own keys; Open WebUI's key has no such alias,
    so the router would serve the real model of that name."""
    conn = databases.litellm()
    seed.add_user(conn, "lena", "lena@corp.test")
    seed.add_team(conn, "t-cheap", "cheap", models=["gpt-3.5-turbo"])
    model_id = conn.execute(
        'INSERT INTO "LiteLLM_ModelTable" (aliases, created_by, updated_by) '
        "VALUES ('{\"gpt-4\": \"gpt-3.5-turbo\"}'::jsonb, 'admin', 'admin') RETURNING id"
    ).fetchone()["id"]
    conn.execute(
        'UPDATE "LiteLLM_TeamTable" SET model_id = %s WHERE team_id = %s', (model_id, "t-cheap")
    )
    seed.add_team_member(conn, "lena", "t-cheap")
    seed.add_key(conn, "hashed-lena", "lena-team", "lena", [], team_id="t-cheap")
    proxy, _ = _start(databases, proxy_factory, tmp_path)
    lena = {"X-OpenWebUI-User-Email": "lena@corp.test"}
    assert _chat(proxy, lena, model="gpt-3.5-turbo")[0] == 200
    status, answer = _chat(proxy, lena, model="gpt-4")
    assert status == 403 and "mock gpt-4" not in answer, answer
    # nor does Open WebUI list it for her
    proxy.wait_until(
        lambda: (
            "lena@corp.test"
            in databases.owui_models().get("gpt-3.5-turbo", {}).get("readers", set())
        ),
        "Lena's grants in Open WebUI",
    )
    assert "lena@corp.test" not in databases.owui_models()["gpt-4"]["readers"]


@only_newest
def test_a_call_is_made_as_the_persons_granting_key(
    databases: Databases, proxy_factory: Callable[..., Proxy], tmp_path: Path
) -> None:
    """Spend and limits follow the key that grants the person the model (issue 11): the logging
    payload and LiteLLM's SpendLogs row carry that key's hash and team, and LiteLLM's own rate
    limiter counts the calls against that key's ``rpm_limit``."""
    conn = databases.litellm()
    seed.add_team(conn, "t-lab", "lab", models=["gpt-4"])
    seed.add_user(conn, "mo", "mo@corp.test")
    seed.add_team_member(conn, "mo", "t-lab")
    # two keys grant Mo gpt-4: the team key is the one calls are made as
    lab = hash_token("sk-mo-lab")  # what LiteLLM stores: the sha256 of the key
    seed.add_key(conn, hash_token("sk-mo-own"), "a-mo-own", "mo", ["gpt-4"])
    seed.add_key(conn, lab, "z-mo-lab", "mo", [], team_id="t-lab")
    limit_gina = 'UPDATE "LiteLLM_VerificationToken" SET rpm_limit = 2 WHERE token = %s'
    proxy, spend = _start(
        databases,
        proxy_factory,
        tmp_path,
        prepare=lambda c: c.execute(limit_gina, ("hashed-gina",)),
    )
    before = len(_reached(spend))
    assert _chat(proxy, MO, model="gpt-4")[0] == 200
    proxy.wait_until(lambda: len(_reached(spend)) > before, "Mo's call recorded")
    line = [json.loads(x) for x in spend.read_text().splitlines()][-1]
    assert line["callback_key_hash"] == lab and line["callback_team_id"] == "t-lab"
    assert line["spend_logs_api_key"] == lab and line["spend_logs_team_id"] == "t-lab"
    assert lab not in proxy.log  # the hash is used, never logged by the bridge
    assert line["spend_logs_user"] == "mo" and line["callback_key_alias"] == "z-mo-lab"
    # Gina's key allows 2 requests a minute: LiteLLM's limiter lets two through, then 429
    # (the service key itself has no limit, and Hank's calls are not counted against hers)
    codes = [_chat(proxy, GINA, model="gpt-3.5-turbo") for _ in range(3)]
    assert [c for c, _ in codes] == [200, 200, 429], codes
    assert "rate limit" in codes[-1][1].lower(), codes[-1]
    assert _chat(proxy, HANK, model="gpt-3.5-turbo")[0] == 200


MO = {"X-OpenWebUI-User-Email": "mo@corp.test"}


@only_newest
def test_the_granting_keys_model_budget_applies(
    databases: Databases, proxy_factory: Callable[..., Proxy], tmp_path: Path
) -> None:
    """``model_max_budget`` of the person's key, checked by LiteLLM's own limiter: the first
    call spends it, the next is refused with a budget message (the spend lives in the proxy)."""
    tiny = '{"gpt-3.5-turbo": {"budget_limit": 0.0000001, "time_period": "1d"}}'
    limit_gina = (
        'UPDATE "LiteLLM_VerificationToken" SET model_max_budget = %s::jsonb WHERE token = %s'
    )
    proxy, spend = _start(
        databases,
        proxy_factory,
        tmp_path,
        prepare=lambda c: c.execute(limit_gina, (tiny, "hashed-gina")),
    )
    before = len(_reached(spend))
    assert _chat(proxy, GINA, model="gpt-3.5-turbo")[0] == 200
    proxy.wait_until(lambda: len(_reached(spend)) > before, "Gina's call recorded")
    status, answer = proxy.post(
        "/v1/chat/completions",
        {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": "hi"}]},
        GINA,
    )
    assert status == 400 and "is used up" in json.dumps(answer), answer
    assert "hashed-gina" not in json.dumps(answer) and "hashed-gina" not in proxy.log
    assert _chat(proxy, HANK, model="gpt-3.5-turbo")[0] == 200  # his key has no such budget


@only_newest
def test_a_persons_model_budget_in_their_team_applies_where_litellm_has_it(
    databases: Databases, proxy_factory: Callable[..., Proxy], tmp_path: Path
) -> None:
    """LiteLLM 1.108 added per-model budgets of a person within a team (the membership's
    budget row, else the team's default member budget): checked by LiteLLM's own limiter on
    the person's key object, spent by the first call, refused after. Releases without the
    feature have no such budget, and the calls go on (as they would with Mo's own key)."""
    from litellm.proxy._types import UserAPIKeyAuth

    def mo_in_the_lab(conn: Any) -> None:
        seed.add_team(conn, "t-lab", "lab", models=["gpt-4"])
        seed.add_user(conn, "mo", "mo@corp.test")
        seed.add_team_member(conn, "mo", "t-lab")
        conn.execute(
            'INSERT INTO "LiteLLM_BudgetTable" (budget_id, model_max_budget, created_by, '
            "updated_by) VALUES ('mo-in-lab', %s::jsonb, 'admin', 'admin')",
            ('{"gpt-4": {"budget_limit": 0.0000001, "time_period": "1d"}}',),
        )
        conn.execute(
            'UPDATE "LiteLLM_TeamMembership" SET budget_id = %s WHERE user_id = %s',
            ("mo-in-lab", "mo"),
        )
        seed.add_key(conn, "hashed-mo-lab", "mo-lab", "mo", [], team_id="t-lab")

    proxy, spend = _start(databases, proxy_factory, tmp_path, prepare=mo_in_the_lab)
    before = len(_reached(spend))
    assert _chat(proxy, MO, model="gpt-4")[0] == 200
    proxy.wait_until(lambda: len(_reached(spend)) > before, "Mo's call recorded")
    status, answer = _chat(proxy, MO, model="gpt-4")
    if "team_member_model_max_budget" in UserAPIKeyAuth.model_fields:
        assert status == 400, answer
        assert "your LiteLLM budget in team lab for this model is used up" in answer
    else:
        assert status == 200, answer


@only_newest
def test_a_budget_just_spent_is_refused_within_seconds(
    databases: Databases, proxy_factory: Callable[..., Proxy], tmp_path: Path
) -> None:
    """LiteLLM records spend with plain UPDATEs that fire no trigger; with a sweep only every
    300 s, the spend read (BRIDGE_SPEND_INTERVAL, 5 s) still refuses within 15 s."""
    proxy, _ = _start(databases, proxy_factory, tmp_path, BRIDGE_SWEEP_INTERVAL="300")
    assert _chat(proxy, GINA, model="gpt-3.5-turbo")[0] == 200
    conn = databases.litellm()
    conn.execute(
        'UPDATE "LiteLLM_VerificationToken" SET spend = 10, max_budget = 10 WHERE token = %s',
        ("hashed-gina",),
    )
    # the bound is functional, not a timing figure: no sweep can come within 15 s here
    proxy.wait_until(
        lambda: _chat(proxy, GINA, model="gpt-3.5-turbo")[0] == 400, "the refusal", timeout=15
    )
    assert "is used up" in _chat(proxy, GINA, model="gpt-3.5-turbo")[1]
    # a budget reset (LiteLLM sets spend back to 0) lets her through again as fast
    conn.execute(
        'UPDATE "LiteLLM_VerificationToken" SET spend = 0 WHERE token = %s', ("hashed-gina",)
    )
    proxy.wait_until(
        lambda: _chat(proxy, GINA, model="gpt-3.5-turbo")[0] == 200, "the reset", timeout=15
    )
    conn.execute(
        'UPDATE "LiteLLM_UserTable" SET spend = 5, max_budget = 5 WHERE user_id = %s', ("hank",)
    )
    proxy.wait_until(
        lambda: _chat(proxy, HANK, model="gpt-4")[0] == 400, "Hank's user budget", timeout=15
    )


def _gina_gets_gpt4(conn: Any) -> None:
    """A change made behind the proxies' back: Gina's key now grants gpt-4 instead."""
    conn.execute(
        "UPDATE \"LiteLLM_VerificationToken\" SET models = '{gpt-4}' WHERE token = 'hashed-gina'"
    )


def _both_see(proxies: list[Proxy], what: str) -> float:
    """Seconds until every proxy answers Gina as the change says (the sweep is 300 s, the
    spend read does not read grants: only the broadcast can bring it)."""
    started = time.monotonic()
    for proxy in proxies:
        proxy.wait_until(
            lambda proxy=proxy: (
                _chat(proxy, GINA, model="gpt-4")[0] == 200
                and _chat(proxy, GINA, model="gpt-3.5-turbo")[0] == 403
            ),
            what,
            timeout=10,
        )
    return time.monotonic() - started


@only_newest
@pytest.mark.parametrize("source", ["cli", "sql", "signal"])
def test_an_access_change_reaches_every_proxy_at_once(
    databases: Databases, proxy_factory: Callable[..., Proxy], tmp_path: Path, source: str
) -> None:
    """Two proxy processes on one LiteLLM database: a change made by the CLI, by SQL (with the
    triggers) or signalled by a management call in one process reaches both checks within
    seconds, with a 300 s sweep. The management API cannot run here (no Prisma), so the signal
    comes from a bridge worker in this process, the seam the proxy's route tap calls."""
    from litellm_bridge_plugin.capture import triggers
    from litellm_bridge_plugin.engine.sync import reconcile
    from litellm_bridge_plugin.engine.worker import BridgeWorker
    from litellm_bridge_plugin.settings import load_settings

    first, _ = _start(databases, proxy_factory, tmp_path, BRIDGE_SWEEP_INTERVAL="300")
    env = env_for(
        databases.litellm_url,
        databases.openwebui_url,
        BRIDGE_OPENWEBUI_SERVICE_KEY=MASTER_KEY,
        BRIDGE_SWEEP_INTERVAL="300",
    )
    second = proxy_factory(env)
    second.wait_until(second.ready, "the second proxy")
    second.wait_until(lambda: _chat(second, GINA, model="gpt-3.5-turbo")[0] == 200, "grants")
    settings = load_settings(
        litellm_database_url=databases.litellm_url, openwebui_database_url=databases.openwebui_url
    )
    conn = databases.litellm()
    if source == "cli":
        _gina_gets_gpt4(conn)
        reconcile(settings, trigger="cli")
    elif source == "sql":
        with psycopg.connect(databases.litellm_url, autocommit=True) as bridge:
            triggers.install(bridge)
        _gina_gets_gpt4(conn)
    else:
        _gina_gets_gpt4(conn)
        worker = BridgeWorker(
            settings, sweeps=False, on_access=lambda *_: None, on_spend=lambda _: None
        )
        worker.start()
        try:
            worker.submit([("user", "gina")])
            took = _both_see([first, second], "the signalled change")
        finally:
            worker.stop()
        print(f"signal -> both proxies: {took:.2f} s")
        return
    print(f"{source} -> both proxies: {_both_see([first, second], 'the change'):.2f} s")


@only_newest
def test_the_persons_rate_limit_holds_across_proxy_processes(
    databases: Databases, proxy_factory: Callable[..., Proxy], tmp_path: Path
) -> None:
    """With LiteLLM's coordination Redis (REDIS_HOST/REDIS_PORT; the local Redis), LiteLLM's own
    limiter counts the person's calls across processes: Gina's key allows 2 a minute, one call
    through each proxy passes, the third (through either) gets 429."""
    token = f"hashed-gina-{uuid.uuid4().hex}"  # a fresh window in the shared Redis
    limit = 'UPDATE "LiteLLM_VerificationToken" SET rpm_limit = 2, token = %s WHERE token = %s'
    redis = {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379"}
    # releases before LiteLLM's REDIS_* fallback (1.77.3) share counters only through a Redis
    # cache in the config (README "Compatibility"); responses are cached only when asked
    from litellm.proxy.proxy_server import ProxyConfig

    cache = (
        ""
        if hasattr(ProxyConfig, "_init_coordination_redis_env_fallback")
        else "  cache: true\n  cache_params: {type: redis, host: 127.0.0.1, port: 6379, "
        "mode: default_off}\n"
    )
    first, _ = _start(
        databases,
        proxy_factory,
        tmp_path,
        prepare=lambda c: c.execute(limit, (token, "hashed-gina")),
        litellm=cache,
        **redis,
    )
    (tmp_path / "second").mkdir()
    env = env_for(
        databases.litellm_url,
        databases.openwebui_url,
        BRIDGE_OPENWEBUI_SERVICE_KEY=MASTER_KEY,
        BRIDGE_TEST_SPEND_FILE=str(tmp_path / "second" / "spend.jsonl"),
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
        **redis,
    )
    second = proxy_factory(env, _config(tmp_path / "second", litellm=cache))
    second.wait_until(second.ready, "the second proxy")
    second.wait_until(lambda: _chat(second, HANK, model="gpt-4")[0] == 200, "grants")
    assert _chat(first, GINA, model="gpt-3.5-turbo")[0] == 200
    time.sleep(3)  # LiteLLM syncs its counters with Redis every second
    assert _chat(second, GINA, model="gpt-3.5-turbo")[0] == 200
    time.sleep(3)
    codes = [_chat(proxy, GINA, model="gpt-3.5-turbo")[0] for proxy in (first, second)]
    assert codes == [429, 429], codes


@only_newest
def test_with_access_source_user_the_users_own_limits_apply(
    databases: Databases, proxy_factory: Callable[..., Proxy], tmp_path: Path
) -> None:
    """``BRIDGE_ACCESS_SOURCE=user``: no key grants the model, so the call is made as the user
    alone: LiteLLM's limiter counts Gina's own ``rpm_limit``, and LiteLLM charges her user and
    no key (not the service key)."""
    user_limits = (
        "UPDATE \"LiteLLM_UserTable\" SET models = '{gpt-3.5-turbo}', rpm_limit = 2 "
        "WHERE user_id = 'gina'"
    )
    proxy, spend = _start(
        databases,
        proxy_factory,
        tmp_path,
        prepare=lambda c: c.execute(user_limits),
        BRIDGE_ACCESS_SOURCE="user",
    )
    before = len(_reached(spend))
    codes = [_chat(proxy, GINA, model="gpt-3.5-turbo") for _ in range(3)]
    assert [c for c, _ in codes] == [200, 200, 429], codes
    assert _chat(proxy, GINA, model="gpt-4")[0] == 403  # her user's models say gpt-3.5 only
    proxy.wait_until(lambda: len(_reached(spend)) >= before + 2, "Gina's calls recorded")
    line = [json.loads(x) for x in spend.read_text().splitlines()][-1]
    assert line["spend_logs_user"] == "gina" and line["callback_user_id"] == "gina"
    assert not line["callback_key_hash"] and not line["spend_logs_api_key"], line


@only_newest
def test_a_request_cannot_name_the_key_or_user_it_is_charged_to(
    databases: Databases, proxy_factory: Callable[..., Proxy], tmp_path: Path
) -> None:
    """Hostile metadata in the body (another person's key hash, user and team, in both
    metadata fields) changes nothing: the call is charged to the key that grants Gina the
    model, as LiteLLM's spend writer and callbacks see it."""
    proxy, spend = _start(databases, proxy_factory, tmp_path)
    forged = {
        "user_api_key_hash": "hashed-hank",
        "user_api_key_user_id": "hank",
        "user_api_key_team_id": "t-forged",
        "user_api_key_alias": "hank-both",
    }
    before = len(_reached(spend))
    status, answer = _chat(
        proxy, GINA, model="gpt-3.5-turbo", metadata=dict(forged), litellm_metadata=dict(forged)
    )
    assert status == 200, answer
    proxy.wait_until(lambda: len(_reached(spend)) > before, "Gina's call recorded")
    line = [json.loads(x) for x in spend.read_text().splitlines()][-1]
    # the test's stored "hash" is no sha256, so LiteLLM's spend log hashes it once more
    # (1.106+; 1.77.3 writes it as it is)
    assert line["callback_key_hash"] == "hashed-gina"
    assert line["spend_logs_api_key"] in {hash_token("hashed-gina"), "hashed-gina"}
    assert line["spend_logs_user"] == "gina" and line["callback_user_id"] == "gina"
    assert line["callback_team_id"] != "t-forged" and line["callback_key_alias"] == "gina-35"
