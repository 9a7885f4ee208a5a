"""Watch the proxy's management calls and signal which entities a successful one changed.

LiteLLM's open-source build has no management-event callback, so the plugin wraps the
proxy's ASGI middleware stack (``app.middleware_stack``). The wrapper only looks at the paths
below; for them it copies the request and response bodies as they stream past, and after the
last byte of a 2xx response has been sent it tells the worker which entities to reconcile.
Requests and responses are never altered, delayed or failed by it. A plaintext password sent
to ``/user/new`` or ``/user/update``, or set by an invited person (``/onboarding/claim_token``)
or by a person from their dashboard session (``/user/password/change``), is handed to the
worker in memory only.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from litellm_bridge_plugin.capture.asgi_wrap import wrap_middleware_stack
from litellm_bridge_plugin.domain import EVERYTHING, Ref

log = logging.getLogger("litellm_bridge")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Submit = Callable[[Iterable[Ref], Mapping[str, str]], None]

MAX_BODY_BYTES = 1 << 20
"""Bodies larger than this are not parsed; the call then signals "reconcile everything"."""


@dataclass(frozen=True)
class Signal:
    refs: frozenset[Ref]
    passwords: Mapping[str, str] = field(default_factory=dict)


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _ids(value: Any) -> list[str]:
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v]
    return []


def _first_id(*values: Any) -> str | None:
    for value in values:
        if isinstance(value, str) and value:
            return value
    return None


def _members(request: dict[str, Any]) -> list[Ref]:
    members = request.get("member")
    entries = members if isinstance(members, list) else [members]
    found = [
        ("user", e["user_id"])
        for e in entries
        if isinstance(e, dict) and isinstance(e.get("user_id"), str) and e["user_id"]
    ]
    found += [("user", i) for i in _ids(request.get("user_id"))]
    return found


def _user_new(request: dict[str, Any], response: dict[str, Any]) -> Signal:
    user_id = _first_id(response.get("user_id"), request.get("user_id"))
    if user_id is None:
        return Signal(frozenset({EVERYTHING}))
    refs = {("user", user_id)} | {("team", t) for t in _ids(request.get("teams"))}
    orgs = _ids(request.get("organizations")) + _ids(request.get("organization_id"))
    refs |= {("organization", o) for o in orgs}
    return Signal(frozenset(refs), _password(user_id, request.get("password")))


def _user_update(request: dict[str, Any], response: dict[str, Any]) -> Signal:
    data = _obj(response.get("data"))
    user_id = _first_id(request.get("user_id"), response.get("user_id"), data.get("user_id"))
    if user_id is None:
        return Signal(frozenset({EVERYTHING}))
    return Signal(frozenset({("user", user_id)}), _password(user_id, request.get("password")))


def _password(user_id: str, password: Any) -> dict[str, str]:
    return {user_id: password} if isinstance(password, str) and password else {}


def _claim_invitation(request: dict[str, Any], response: dict[str, Any]) -> Signal:
    """``/onboarding/claim_token``: a person invited from the Admin UI sets their password.
    LiteLLM answers 200 only for the invitation's own user id (it compares them)."""
    user_id = _first_id(request.get("user_id"), response.get("user_id"))
    if user_id is None:
        return Signal(frozenset({EVERYTHING}))
    return Signal(frozenset({("user", user_id)}), _password(user_id, request.get("password")))


def _change_password(request: dict[str, Any], response: dict[str, Any]) -> Signal:
    """``/user/password/change``: a person changes their own password from a dashboard
    session; the user id is the session's, which only LiteLLM's answer names."""
    user_id = _first_id(response.get("user_id"))
    if user_id is None:
        return Signal(frozenset({EVERYTHING}))
    return Signal(frozenset({("user", user_id)}), _password(user_id, request.get("new_password")))


def _user_delete(request: dict[str, Any], response: dict[str, Any]) -> Signal:
    return Signal(frozenset(("user", u) for u in _ids(request.get("user_ids"))))


def _key(request: dict[str, Any], response: dict[str, Any]) -> Signal:
    refs = {("user", u) for u in _ids(response.get("user_id")) + _ids(request.get("user_id"))}
    refs |= {("team", t) for t in _ids(response.get("team_id")) + _ids(request.get("team_id"))}
    return Signal(frozenset(refs or {EVERYTHING}))


def _bulk_user_update(request: dict[str, Any], response: dict[str, Any]) -> Signal:
    """``/user/bulk_update`` (admins only): everything, and the password of each listed user
    whose update LiteLLM's answer says succeeded (items named by email only carry none)."""
    results = response.get("results")
    done = {
        r["user_id"]
        for r in (results if isinstance(results, list) else [])
        if isinstance(r, dict) and r.get("success") is True and isinstance(r.get("user_id"), str)
    }
    users = request.get("users")
    passwords: dict[str, str] = {}
    for item in users if isinstance(users, list) else []:
        if isinstance(item, dict) and item.get("user_id") in done:
            passwords |= _password(item["user_id"], item.get("password"))
    return Signal(frozenset({EVERYTHING}), passwords)


def _everything(request: dict[str, Any], response: dict[str, Any]) -> Signal:
    return Signal(frozenset({EVERYTHING}))


def _entity(
    kind: str, key: str, *, plural: bool = False, members: bool = False, from_response: bool = False
) -> Callable[[dict[str, Any], dict[str, Any]], Signal]:
    def signal(request: dict[str, Any], response: dict[str, Any]) -> Signal:
        found = _ids(request.get(key + "s" if plural else key))
        if from_response:
            found += _ids(response.get(key))
        refs: set[Ref] = {(kind, i) for i in found}
        if members:
            refs |= set(_members(request))
        return Signal(frozenset(refs or {EVERYTHING}))

    return signal


ROUTES: dict[str, Callable[[dict[str, Any], dict[str, Any]], Signal]] = {
    "/user/new": _user_new,
    "/user/update": _user_update,
    "/user/delete": _user_delete,
    "/onboarding/claim_token": _claim_invitation,
    "/user/password/change": _change_password,
    "/key/generate": _key,
    "/key/update": _key,
    "/key/regenerate": _key,
    "/key/delete": _everything,
    "/key/block": _everything,
    "/key/unblock": _everything,
    "/team/new": _entity("team", "team_id", from_response=True),
    "/team/update": _entity("team", "team_id"),
    "/team/delete": _entity("team", "team_id", plural=True),
    "/team/member_add": _entity("team", "team_id", members=True),
    "/team/member_delete": _entity("team", "team_id", members=True),
    "/team/member_update": _entity("team", "team_id", members=True),
    "/team/block": _entity("team", "team_id"),
    "/team/unblock": _entity("team", "team_id"),
    "/team/model/add": _entity("team", "team_id"),
    "/team/model/delete": _entity("team", "team_id"),
    "/organization/new": _entity("organization", "organization_id", from_response=True),
    "/organization/update": _entity("organization", "organization_id"),
    "/organization/delete": _entity("organization", "organization_id", plural=True),
    "/organization/member_add": _entity("organization", "organization_id", members=True),
    "/organization/member_delete": _entity("organization", "organization_id", members=True),
    "/organization/member_update": _entity("organization", "organization_id", members=True),
    "/model/new": _everything,
    "/model/update": _everything,
    "/model/delete": _everything,
    "/user/bulk_update": _bulk_user_update,
    "/key/bulk_update": _everything,
    "/team/bulk_member_add": _everything,
    "/team/key/bulk_update": _everything,
    "/management/v1/users/bulk": _everything,
    "/management/v1/users/bulk_delete": _everything,
}
NEWER_ROUTES = frozenset(
    {
        "/key/bulk_update",
        "/team/key/bulk_update",
        "/management/v1/users/bulk",
        "/management/v1/users/bulk_delete",
        "/user/password/change",
    }
)
"""Routes later LiteLLM releases added (1.77.3 has none of them): their absence is expected of
an older release, not a sign that a change could pass unseen."""
PATTERNS: list[tuple[re.Pattern[str], Callable[[dict[str, Any], dict[str, Any]], Signal]]] = [
    (re.compile(r"^/key/.+/regenerate$"), _key),
    (re.compile(r"^/model/[^/]+/update$"), _everything),
    (re.compile(r"^/management/v1/teams/[^/]+/members/bulk_(?:delete|update)$"), _everything),
]


def route_for(path: str) -> Callable[[dict[str, Any], dict[str, Any]], Signal] | None:
    """The signal builder for a management path, or None for every other path."""
    handler = ROUTES.get(path)
    if handler is not None:
        return handler
    if path.startswith(("/key/", "/model/", "/management/")):
        for pattern, found in PATTERNS:
            if pattern.match(path):
                return found
    return None


def signal_for(path: str, request_body: bytes | None, response_body: bytes | None) -> Signal:
    """What a successful call to ``path`` changed. Bodies that cannot be read (too large,
    not JSON) yield "reconcile everything": the call succeeded, so something changed."""
    handler = route_for(path)
    if handler is None:
        return Signal(frozenset())
    if request_body is None or response_body is None:
        return Signal(frozenset({EVERYTHING}))
    try:
        request = _obj(json.loads(request_body)) if request_body.strip() else {}
        response = _obj(json.loads(response_body)) if response_body.strip() else {}
    except (ValueError, UnicodeDecodeError):
        return Signal(frozenset({EVERYTHING}))
    return handler(request, response)


def _path(scope: Scope) -> str:
    path = str(scope.get("path", ""))
    root = str(scope.get("root_path", "") or "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path.rstrip("/") or "/"


class ManagementTap:
    """ASGI wrapper: passes everything through, copies the bodies of management calls."""

    def __init__(self, app: ASGIApp, submit: Submit) -> None:
        self.app = app
        self.submit = submit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http" or route_for(_path(scope)) is None:
            await self.app(scope, receive, send)
            return
        path = _path(scope)
        request_body: bytearray | None = bytearray()
        response_body: bytearray | None = bytearray()
        status = 0

        async def tee_receive() -> Message:
            nonlocal request_body
            message = await receive()
            if message.get("type") == "http.request" and request_body is not None:
                request_body += message.get("body", b"")
                if len(request_body) > MAX_BODY_BYTES:
                    request_body = None
            return message

        async def tee_send(message: Message) -> None:
            nonlocal status, response_body
            kind = message.get("type")
            if kind == "http.response.start":
                status = int(message.get("status", 0))
            elif kind == "http.response.body" and response_body is not None:
                response_body += message.get("body", b"")
                if len(response_body) > MAX_BODY_BYTES:
                    response_body = None
            await send(message)
            if (
                kind == "http.response.body"
                and not message.get("more_body", False)
                and 200 <= status < 300
            ):
                self._signal(path, request_body, response_body)

        await self.app(scope, tee_receive, tee_send)

    def _signal(
        self, path: str, request_body: bytearray | None, response_body: bytearray | None
    ) -> None:
        try:
            found = signal_for(
                path,
                bytes(request_body) if request_body is not None else None,
                bytes(response_body) if response_body is not None else None,
            )
            if found.refs or found.passwords:
                self.submit(found.refs, found.passwords)
        except Exception:  # never let bookkeeping reach the caller's response
            log.exception("litellm-bridge: could not record the change made by %s", path)


def _proxy_paths(app: Any) -> set[str] | None:
    """Paths the proxy serves, through FastAPI's nested routers; None if unreadable."""
    found: set[str] = set()

    def walk(routes: Iterable[Any], prefix: str) -> None:
        for route in routes:
            nested = getattr(route, "original_router", None)
            if nested is not None:
                context = getattr(route, "include_context", None)
                walk(nested.routes, prefix + (getattr(context, "prefix", "") or ""))
            elif isinstance(getattr(route, "path", None), str):
                found.add(prefix + route.path)

    try:
        walk(app.router.routes, "")
    except Exception:
        return None
    return found


def install(app: Any, submit: Submit) -> ManagementTap:
    """Wrap the proxy app's middleware stack (idempotent) and warn about missing routes."""
    tap = wrap_middleware_stack(app, ManagementTap, lambda stack: ManagementTap(stack, submit))
    paths = _proxy_paths(app)
    if paths is None:
        log.warning("litellm-bridge: could not list the proxy's routes; watching by path only")
    else:
        missing = sorted(p for p in ROUTES if p not in paths and p not in NEWER_ROUTES)
        if missing:
            log.warning(
                "litellm-bridge: this LiteLLM has no %s; if it moved, changes made there reach "
                "Open WebUI only at the next sweep",
                ", ".join(missing),
            )
        older = sorted(p for p in NEWER_ROUTES if p not in paths)
        if older:
            log.info(
                "litellm-bridge: this LiteLLM release has no %s (added in later releases); "
                "nothing to watch there",
                ", ".join(older),
            )
    log.info("litellm-bridge: watching %d management routes for changes", len(ROUTES))
    return tap
