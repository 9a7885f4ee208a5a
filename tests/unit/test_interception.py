"""The management-route tap: bookkeeping with LiteLLM's own request/response models, and the
wrapper on the real proxy app (which has no database here, so its management calls fail)."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from litellm_bridge_plugin.capture.tap import (
    MAX_BODY_BYTES,
    ROUTES,
    ManagementTap,
    install,
    signal_for,
)
from litellm_bridge_plugin.domain import EVERYTHING

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
types = pytest.importorskip("litellm.proxy._types")


def _json(model: Any) -> bytes:
    return model.model_dump_json(exclude_none=True).encode()


CASES = [
    (
        "/user/new",
        types.NewUserRequest(user_email="a@x.com", teams=["t1"]),
        types.NewUserResponse(user_id="u1", key="sk-new"),
        {("user", "u1"), ("team", "t1")},
    ),
    (
        "/user/update",
        types.UpdateUserRequest(user_id="u1", user_alias="A"),
        {"user_id": "u1"},
        {("user", "u1")},
    ),
    (
        "/user/delete",
        types.DeleteUserRequest(user_ids=["u1", "u2"]),
        {"deleted_users": 2},
        {("user", "u1"), ("user", "u2")},
    ),
    (
        "/key/generate",
        types.GenerateKeyRequest(user_id="u1", team_id="t1", models=["gpt-4"]),
        types.GenerateKeyResponse(key="sk-x", user_id="u1", team_id="t1"),
        {("user", "u1"), ("team", "t1")},
    ),
    ("/key/delete", {"keys": ["sk-x"]}, {"deleted_keys": ["sk-x"]}, {EVERYTHING}),
    (
        "/team/new",
        types.NewTeamRequest(team_alias="T", organization_id="o1"),
        types.LiteLLM_TeamTable(team_id="t9"),
        {("team", "t9")},
    ),
    ("/team/update", types.UpdateTeamRequest(team_id="t1", team_alias="X"), {}, {("team", "t1")}),
    (
        "/team/delete",
        types.DeleteTeamRequest(team_ids=["t1", "t2"]),
        {},
        {("team", "t1"), ("team", "t2")},
    ),
    (
        "/team/member_add",
        types.TeamMemberAddRequest(
            team_id="t1",
            member=[{"role": "user", "user_id": "u1"}, {"role": "user", "user_email": "b@x.com"}],
        ),
        {},
        {("team", "t1"), ("user", "u1")},
    ),
    (
        "/team/member_delete",
        types.TeamMemberDeleteRequest(team_id="t1", user_id="u2"),
        {},
        {("team", "t1"), ("user", "u2")},
    ),
    (
        "/organization/new",
        types.NewOrganizationRequest(organization_alias="O"),
        {"organization_id": "o7", "organization_alias": "O"},
        {("organization", "o7")},
    ),
    (
        "/organization/member_add",
        types.OrganizationMemberAddRequest(
            organization_id="o1", member={"role": "internal_user", "user_id": "u1"}
        ),
        {},
        {("organization", "o1"), ("user", "u1")},
    ),
    (
        "/organization/delete",
        types.DeleteOrganizationRequest(organization_ids=["o1"]),
        {},
        {("organization", "o1")},
    ),
    ("/model/new", {"model_name": "m"}, {"model_id": "x"}, {EVERYTHING}),
    ("/model/m-1/update", {"model_name": "m"}, {}, {EVERYTHING}),
    ("/team/block", {"team_id": "t1"}, {}, {("team", "t1")}),
    ("/team/unblock", {"team_id": "t1"}, {}, {("team", "t1")}),
    ("/team/model/add", {"team_id": "t1", "models": ["gpt-4"]}, {}, {("team", "t1")}),
    ("/team/model/delete", {"team_id": "t1", "models": ["gpt-4"]}, {}, {("team", "t1")}),
    (
        "/user/new",  # NewUserRequest.organizations, and the older single organization_id
        {"user_email": "a@x.com", "organizations": ["o1", "o2"], "organization_id": "o3"},
        {"user_id": "u1"},
        {("user", "u1"), ("organization", "o1"), ("organization", "o2"), ("organization", "o3")},
    ),
    (
        "/key/sk-abc/regenerate",
        {},
        types.GenerateKeyResponse(key="sk-y", user_id="u3"),
        {("user", "u3")},
    ),
]


@pytest.mark.parametrize(
    ("path", "request_body", "response_body", "refs"), CASES, ids=[c[0] for c in CASES]
)
def test_successful_calls_name_what_they_changed(
    path: str, request_body: Any, response_body: Any, refs: set[tuple[str, str]]
) -> None:
    def raw(body: Any) -> bytes:
        return json.dumps(body).encode() if isinstance(body, dict) else _json(body)

    found = signal_for(path, raw(request_body), raw(response_body))
    assert set(found.refs) == refs
    assert dict(found.passwords) == {}


def test_a_password_travels_only_in_memory() -> None:
    request = _json(types.UpdateUserRequest(user_id="u1", password="S3cret-pw"))
    found = signal_for("/user/update", request, b'{"user_id": "u1"}')
    assert found.passwords == {"u1": "S3cret-pw"}
    assert "S3cret" not in repr(found.refs)


def test_a_password_an_invited_person_sets_travels_with_their_user_id() -> None:
    """``/onboarding/claim_token`` (LiteLLM answers 200 only for the invitation's own user)
    and ``/user/password/change`` (the session's user, named by LiteLLM's answer only)."""
    claim = _json(types.InvitationClaim(invitation_link="inv-1", user_id="u2", password="Pw-2"))
    found = signal_for("/onboarding/claim_token", claim, b'{"user_id": "u2"}')
    assert (found.refs, found.passwords) == ({("user", "u2")}, {"u2": "Pw-2"})
    change = json.dumps({"current_password": "Pw-2", "new_password": "Pw-3"}).encode()
    # a user id in the request is not the session's: only the answer's counts
    hostile = json.dumps({"new_password": "Pw-3", "user_id": "victim"}).encode()
    for request in (change, hostile):
        found = signal_for("/user/password/change", request, b'{"user_id": "u2", "message": ""}')
        assert (found.refs, found.passwords) == ({("user", "u2")}, {"u2": "Pw-3"})
    assert signal_for("/user/password/change", change, b"{}").passwords == {}


def test_bulk_user_update_carries_the_passwords_of_updates_that_succeeded() -> None:
    request = {
        "users": [
            {"user_id": "u1", "password": "Pw-one-1"},
            {"user_id": "u2", "password": "Pw-two-2"},  # LiteLLM says this one failed
            {"user_email": "u3@x.example", "password": "Pw-three-3"},  # no user id: none
            {"user_id": "u4", "user_role": "proxy_admin"},
        ]
    }
    response = {
        "results": [
            {"user_id": "u1", "success": True},
            {"user_id": "u2", "success": False, "error": "no such user"},
            {"user_id": "u3", "user_email": "u3@x.example", "success": True},
            {"user_id": "u4", "success": True},
        ]
    }
    found = signal_for(
        "/user/bulk_update", json.dumps(request).encode(), json.dumps(response).encode()
    )
    assert found.refs == {EVERYTHING}
    assert found.passwords == {"u1": "Pw-one-1"}


@pytest.mark.parametrize(
    ("request_body", "response_body"),
    [(b"not json", b"{}"), (b"{}", b"\xff\xfe"), (b"[1, 2]", b'"a string"'), (None, b"{}")],
)
def test_unreadable_bodies_of_a_successful_call_mean_everything(
    request_body: bytes | None, response_body: bytes
) -> None:
    assert signal_for("/team/update", request_body, response_body).refs == {EVERYTHING}


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[set[Any], dict[str, str]]] = []

    def __call__(self, refs: Iterable[Any], passwords: Mapping[str, str]) -> None:
        self.calls.append((set(refs), dict(passwords)))


def _app(status: int, chunks: list[bytes]) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        while (await receive()).get("more_body"):
            pass
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        for i, chunk in enumerate(chunks):
            await send(
                {"type": "http.response.body", "body": chunk, "more_body": i < len(chunks) - 1}
            )

    return app


def _call(app: Any, path: str, body: bytes) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    parts = [body[i : i + 7] for i in range(0, len(body), 7)] or [b""]
    incoming = [
        {"type": "http.request", "body": p, "more_body": i < len(parts) - 1}
        for i, p in enumerate(parts)
    ]

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app({"type": "http", "path": path, "method": "POST"}, receive, send))
    return sent


def test_tap_signals_after_a_2xx_and_leaves_the_response_alone() -> None:
    recorder = Recorder()
    chunks = [b'{"user_id": ', b'"u1", "key": "sk-1"}']
    inner = _app(200, chunks)
    assert _call(
        ManagementTap(inner, recorder), "/user/new", b'{"user_email": "a@x.com"}'
    ) == _call(inner, "/user/new", b'{"user_email": "a@x.com"}')
    assert recorder.calls == [({("user", "u1")}, {})]


@pytest.mark.parametrize("status", [400, 401, 403, 422, 500])
def test_failed_calls_signal_nothing(status: int) -> None:
    recorder = Recorder()
    _call(ManagementTap(_app(status, [b'{"error": "no"}']), recorder), "/user/new", b"{}")
    assert recorder.calls == []


def test_other_paths_pass_straight_through() -> None:
    recorder = Recorder()
    _call(ManagementTap(_app(200, [b"{}"]), recorder), "/v1/chat/completions", b"{}")
    assert recorder.calls == []


def test_oversized_bodies_are_not_buffered_but_still_signal() -> None:
    recorder = Recorder()
    big = b'{"pad": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}'
    _call(ManagementTap(_app(200, [b"{}"]), recorder), "/team/update", big)
    assert recorder.calls == [({EVERYTHING}, {})]


def test_a_broken_submit_never_reaches_the_caller() -> None:
    def explode(refs: Iterable[Any], passwords: Mapping[str, str]) -> None:
        raise RuntimeError("worker gone")

    sent = _call(ManagementTap(_app(200, [b'{"team_id": "t"}']), explode), "/team/new", b"{}")
    assert sent[-1]["body"] == b'{"team_id": "t"}'


@pytest.fixture(scope="module")
def proxy_app() -> Any:
    """The real proxy app of the installed LiteLLM (imported, not started: no database)."""
    from litellm.proxy import proxy_server

    return proxy_server.app


def test_tap_sits_on_the_real_proxy_routes(proxy_app: Any) -> None:
    import httpx

    assert {"/user/new", "/team/member_add", "/organization/delete"} <= set(ROUTES)
    original = proxy_app.middleware_stack

    async def post(path: str, body: dict[str, Any]) -> httpx.Response:
        transport = httpx.ASGITransport(app=proxy_app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://proxy") as client:
            return await client.post(path, json=body, headers={"Authorization": "Bearer sk-wrong"})

    body = {"user_email": "a@x.com", "user_id": "u1"}
    try:
        without = asyncio.run(post("/user/new", body))
        recorder = Recorder()
        tap = install(proxy_app, recorder)
        assert proxy_app.middleware_stack is tap
        assert install(proxy_app, recorder) is tap  # idempotent
        with_tap = asyncio.run(post("/user/new", body))
        update = asyncio.run(post("/user/update", {"user_id": "u1", "password": "pw-1"}))
    finally:
        proxy_app.middleware_stack = original
    assert without.status_code >= 400
    assert (with_tap.status_code, with_tap.content) == (without.status_code, without.content)
    assert update.status_code >= 400
    assert recorder.calls == []


def test_routes_this_litellm_lacks_are_named_once(caplog: pytest.LogCaptureFixture) -> None:
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def user_new(request: Any) -> JSONResponse:
        return JSONResponse({"user_id": "u1"})

    app = Starlette(routes=[Route("/user/new", user_new, methods=["POST"])])
    with caplog.at_level("INFO", logger="litellm_bridge"):
        install(app, Recorder())
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert "/team/member_add" in warnings[0] and "/user/new," not in warnings[0]
    assert "next sweep" in warnings[0]
    # routes later releases added are missing from an older one by design: said, not warned
    assert "/key/bulk_update" not in warnings[0]
    infos = [r.getMessage() for r in caplog.records if "added in later releases" in r.getMessage()]
    assert len(infos) == 1 and "/key/bulk_update" in infos[0]
    assert all(r.levelname == "INFO" for r in caplog.records if r.getMessage() in infos)
