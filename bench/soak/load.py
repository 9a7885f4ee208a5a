"""The soak's load, all at once at fixed rates: management calls through LiteLLM's API, changes
by SQL behind the proxy's back, Open WebUI calls through both proxies (a share hostile), and
sign-ins to Open WebUI. Each generator is a thread that records what it did and saw (clock
time). Where each change went is read from the databases at the end (checks.py): people
``m-*`` made by the API, ``s-*`` by SQL, ``gone-*`` made and deleted by the API."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import psycopg

from devtools import litellm_seed as seed

from .stack import SERVICE_KEY, Stack

MODELS = ("gpt-4", "gpt-3.5-turbo", "claude-3-sonnet")
STEADY = {"api people": 150, "sql people": 150, "teams": 60, "blocked keys": 30}
"""Once this many are live, each one made deletes the oldest: the population stays steady
after the first minutes (memory that grows then is a leak, not more data)."""


@dataclass
class Team:
    team_id: str
    alias: str
    member: str
    """The member's LiteLLM user id."""
    state: str = "member"
    """``member``, ``removed`` (the member taken out) or ``deleted`` (the team)."""


@dataclass
class Record:
    """What the load did and saw (appended from several threads; list appends are atomic)."""

    management: list[tuple[float, str, int]] = field(default_factory=list)
    """(time, path, status)."""
    teams: list[Team] = field(default_factory=list)
    """Each team made with its member, and what became of it."""
    calls: list[tuple[float, str, int, str]] = field(default_factory=list)
    """(time, kind: allowed | hostile-*, status, proxy)."""
    sign_ins: list[tuple[float, int]] = field(default_factory=list)
    """(time the sign-in began, status)."""
    sql_changes: int = 0


@dataclass
class Person:
    email: str
    user_id: str
    key: str
    password: str


class Load:
    """Starts the generators; :meth:`stop` ends them."""

    def __init__(self, stack: Stack, rates: dict[str, float], seed_value: int = 7) -> None:
        self.stack = stack
        self.rates = rates
        self.record = Record()
        self.stable: list[Person] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._random = random.Random(seed_value)
        self._known: deque[tuple[str, str]] = deque()
        """(email, user id) of the live people the API made, oldest first."""
        self._sql_people: deque[str] = deque()
        self._blocked: deque[str] = deque()

    # -- the people every call is made as: made once, never changed -------------------------

    def prepare(self, people: int = 20) -> None:
        port = self.stack.proxy_ports[0]
        for n in range(people):
            email = f"stable-{n}@soak.example"
            status, user = self.stack.call(
                port,
                "/user/new",
                {"user_email": email, "models": ["gpt-4"], "auto_create_key": False},
            )
            assert status == 200, user
            status, key = self.stack.call(
                port, "/key/generate", {"user_id": user["user_id"], "models": ["gpt-4"]}
            )
            assert status == 200, key
            password = f"Stable-{n}-{uuid.uuid4().hex[:8]}"
            self.stack.call(
                port, "/user/update", {"user_id": user["user_id"], "password": password}
            )
            self.stable.append(Person(email, user["user_id"], key["key"], password))
        self._wait_for_passwords()

    def _wait_for_passwords(self, timeout: float = 120) -> None:
        """The load begins once every stable person can sign in to Open WebUI (a password
        reaches Open WebUI about 0.7 s after LiteLLM has it: bcrypt)."""
        deadline = time.time() + timeout
        waiting = list(self.stable)
        while waiting:
            person = waiting[0]
            status, _ = self.stack.call(
                self.stack.openwebui_port,
                "/api/v1/auths/signin",
                {"email": person.email, "password": person.password},
                key="",
            )
            if status == 200:
                waiting.pop(0)
            elif time.time() > deadline:
                raise SystemExit(f"soak: {person.email} cannot sign in to Open WebUI: {status}")
            else:
                time.sleep(0.5)

    # -- generators ---------------------------------------------------------------------------

    def start(self) -> None:
        for name, target in (
            ("management", self._management),
            ("sql", self._sql),
            ("calls", self._calls),
            ("sign_ins", self._sign_ins),
        ):
            thread = threading.Thread(target=self._every, args=(name, target), daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def _every(self, name: str, target: Any) -> None:
        period = 1.0 / self.rates[name]
        while not self._stop.is_set():
            began = time.time()
            try:
                target()
            except Exception as exc:  # a fault window: recorded by the generator itself
                print(f"  soak: {name}: {type(exc).__name__}: {exc}", flush=True)
            self._stop.wait(max(0.0, period - (time.time() - began)))

    def _port(self) -> int:
        return self._random.choice(self.stack.proxy_ports)

    def _management(self) -> None:
        """One change through LiteLLM's API: people made, budgets set, people deleted; teams
        made with a member, changed, the member removed, teams deleted; keys made for people,
        changed, blocked, deleted."""
        actions = ("user", "user", "team", "team", "key", "budget", "delete")
        getattr(self, f"_api_{self._random.choice(actions)}")(self._port())

    def _api(self, port: int, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        status, answer = self.stack.call(port, path, body)
        self.record.management.append((time.time(), path, status))
        return status, answer

    def _recent(self) -> tuple[str, str] | None:
        """One of the 50 people the API made last (far from the oldest, which are deleted)."""
        recent = list(self._known)[-50:]
        return self._random.choice(recent) if recent else None

    def _api_user(self, port: int) -> None:
        email = f"m-{uuid.uuid4().hex[:10]}@soak.example"
        status, user = self._api(port, "/user/new", {"user_email": email, "models": ["gpt-4"]})
        if status == 200:
            self._known.append((email, user["user_id"]))
        if len(self._known) > STEADY["api people"]:
            _, oldest = self._known.popleft()
            self._api(port, "/user/delete", {"user_ids": [oldest]})

    def _api_budget(self, port: int) -> None:
        if (person := self._recent()) is not None:
            self._api(port, "/user/update", {"user_email": person[0], "max_budget": 5})

    def _api_delete(self, port: int) -> None:
        email = f"gone-{uuid.uuid4().hex[:8]}@soak.example"
        status, user = self._api(port, "/user/new", {"user_email": email})
        if status == 200:
            self._api(port, "/user/delete", {"user_ids": [user["user_id"]]})

    def _api_team(self, port: int) -> None:
        live = [t for t in self.record.teams if t.state != "deleted"]
        if len(live) > STEADY["teams"]:
            if self._api(port, "/team/delete", {"team_ids": [live[0].team_id]})[0] == 200:
                live[0].state = "deleted"
            return
        standing = [t for t in live if t.state == "member"]
        if len(standing) < 10 or self._random.random() < 0.5:
            alias = f"team-{uuid.uuid4().hex[:6]}"
            status, team = self._api(port, "/team/new", {"team_alias": alias, "models": ["gpt-4"]})
            if status != 200:
                return
            member = self._random.choice(self.stable)
            body = {
                "team_id": team["team_id"],
                "member": {"role": "user", "user_id": member.user_id},
            }
            if self._api(port, "/team/member_add", body)[0] == 200:
                self.record.teams.append(Team(team["team_id"], alias, member.user_id))
            return
        team = self._random.choice(standing)
        change = self._random.choice(("update", "member_delete", "delete"))
        if change == "update":
            self._api(port, "/team/update", {"team_id": team.team_id, "models": MODELS[:2]})
        elif change == "member_delete":
            body = {"team_id": team.team_id, "user_id": team.member}
            if self._api(port, "/team/member_delete", body)[0] == 200:
                team.state = "removed"
        elif self._api(port, "/team/delete", {"team_ids": [team.team_id]})[0] == 200:
            team.state = "deleted"

    def _api_key(self, port: int) -> None:
        if (person := self._recent()) is None:
            return
        body = {"user_id": person[1], "models": ["gpt-3.5-turbo"]}
        status, key = self._api(port, "/key/generate", body)
        if status != 200:
            return
        self._api(port, "/key/update", {"key": key["key"], "models": ["claude-3-sonnet"]})
        if self._random.random() < 0.5:
            if self._api(port, "/key/block", {"key": key["key"]})[0] == 200:
                self._blocked.append(key["key"])
        else:
            self._api(port, "/key/delete", {"keys": [key["key"]]})
        if len(self._blocked) > STEADY["blocked keys"]:
            self._api(port, "/key/delete", {"keys": [self._blocked.popleft()]})

    def _sql(self) -> None:
        """A change behind the proxy's back, as an operator's script makes it."""
        with psycopg.connect(self.stack.litellm_url, autocommit=True) as conn:
            email, user_id = f"s-{uuid.uuid4().hex[:10]}@soak.example", str(uuid.uuid4())
            seed.add_user(conn, user_id, email, models=["gpt-4"])
            self._sql_people.append(user_id)
            self.record.sql_changes += 1
            if len(self._sql_people) > STEADY["sql people"]:
                seed.delete_user(conn, self._sql_people.popleft())
                self.record.sql_changes += 1

    def _calls(self) -> None:
        person = self._random.choice(self.stable)
        port = self._port()
        kind = self._random.choices(
            ("allowed", "hostile-model", "hostile-id", "hostile-key", "hostile-fallback"),
            weights=(6, 1, 1, 1, 1),
        )[0]
        body: dict[str, Any] = {"model": "gpt-4", "messages": [{"role": "user", "content": "hi"}]}
        headers = {"X-OpenWebUI-User-Email": person.email}
        key = SERVICE_KEY
        if kind == "hostile-model":
            body["model"] = "claude-3-sonnet"
        elif kind == "hostile-id":
            other = self._random.choice([p for p in self.stable if p is not person])
            headers["X-OpenWebUI-User-Id"] = f"forged-{other.user_id}"
            headers["X-OpenWebUI-User-Email"] = other.email + ".evil"
        elif kind == "hostile-key":
            key = f"sk-forged-{uuid.uuid4().hex}"
        elif kind == "hostile-fallback":
            body["model"] = "claude-3-sonnet"
            body["fallbacks"] = ["gpt-4"]
        status, _ = self.stack.call(port, "/v1/chat/completions", body, key, headers)
        self.record.calls.append((time.time(), kind, status, str(port)))

    def _sign_ins(self) -> None:
        person = self._random.choice(self.stable)
        began = time.time()
        status, answer = self.stack.call(
            self.stack.openwebui_port,
            "/api/v1/auths/signin",
            {"email": person.email, "password": person.password},
            key="",
        )
        self.record.sign_ins.append((began, status))
        if status != 200:
            print(f"  soak: sign-in of {person.email} refused: {status} {answer}", flush=True)
