"""Benchmark: what the check on Open WebUI calls adds to a proxy request. Prints percentiles.

    python -m bench.enforcement [--users 10000] [--calls 20000]

Builds the grants of a large organisation in memory (users with two or three keys each,
500 teams, 50 organisations, a 20-model catalogue, some keys expiring, blocked, over budget),
then calls the plugin's ``async_pre_call_hook`` the way the proxy does: LiteLLM's own
``UserAPIKeyAuth`` of the service key, the forwarded user headers, the metadata LiteLLM
filled. "cold" calls are the first for a (user, model) pair, "warm" ones repeat a pair.
Also times what a sweep spends computing every user's grants for Open WebUI.
Allowed calls also run LiteLLM's own key and team budget checks (limits.py; keys here have
budgets, so they read LiteLLM's in-process spend counters); LiteLLM's rate limiter is not among
the callbacks outside the proxy, so its cost (the same as for any key) is not in these figures.
Target (issue #4): added p99 under 1 ms. The max of a run is a garbage-collector pause (with
`gc.disable()` it falls below 1 ms), not the check.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import logging
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import HTTPException
from litellm.proxy._types import UserAPIKeyAuth, hash_token

from litellm_bridge_plugin.litellm.access_reads import AccessState, AccessUser
from litellm_bridge_plugin.plan.access_rules import Budget, Holder, KeyGrant, ModelCheck
from litellm_bridge_plugin.proxy.plugin import BridgePlugin
from litellm_bridge_plugin.settings import load_settings

SERVICE_KEY = "sk-openwebui-bench"
CATALOG = [f"model-{i}" for i in range(20)]


def build_state(users: int, rng: random.Random) -> AccessState:
    now = datetime.now(UTC)
    orgs = {f"org-{o}": Holder(f"org-{o}", tuple(CATALOG[: 10 + o % 10])) for o in range(50)}
    teams = {
        f"team-{t}": Holder(
            f"team-{t}",
            tuple(rng.sample(CATALOG, 6)),
            blocked=t % 97 == 0,
            organization_id=f"org-{t % 50}",
            budget=Budget(5.0, 100.0 if t % 13 else 1.0),
        )
        for t in range(500)
    }
    people: dict[str, AccessUser] = {}
    keys: dict[str, tuple[KeyGrant, ...]] = {}
    for u in range(users):
        user_id = f"user-{u}"
        user_teams = tuple(f"team-{t}" for t in rng.sample(range(500), 2))
        people[user_id] = AccessUser(
            Holder(
                user_id,
                tuple(rng.sample(CATALOG, 8)) if u % 3 == 0 else (),
                organization_id=f"org-{u % 50}",
                budget=Budget(1.0, 50.0 if u % 17 else 0.5),
            ),
            f"user-{u}@example.test",
            user_teams,
        )
        keys[user_id] = tuple(
            KeyGrant(
                key_alias=f"{user_id}-k{k}",
                models=tuple(rng.sample(CATALOG, 3)) if k else (),
                user_id=user_id,
                team_id=user_teams[0] if k == 0 else None,
                expires=now + timedelta(days=7) if k == 2 else None,
                blocked=u % 41 == 0 and k == 1,
                auth={  # as the access read gives it: LiteLLM's key view, hash included
                    "token": hashlib.sha256(f"{user_id}-k{k}".encode()).hexdigest(),
                    "key_alias": f"{user_id}-k{k}",
                    "user_id": user_id,
                    "team_id": user_teams[0] if k == 0 else None,
                    "team_alias": user_teams[0] if k == 0 else None,
                    "user_email": f"user-{u}@example.test",
                    "spend": 0.0,
                    "max_budget": 100.0,  # LiteLLM's own budget checks read its counters
                    "team_spend": 1.0 if k == 0 else None,
                    "team_max_budget": 1000.0 if k == 0 else None,
                    "rpm_limit": 1000,
                },
            )
            for k in range(2 + u % 2)
        )
    return AccessState(people, teams, orgs, keys)


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return (
        f"p50 {statistics.median(ordered):7.1f} us  p99 {pick(0.99):7.1f} us  "
        f"max {ordered[-1]:8.1f} us  (n={len(ordered)})"
    )


ALLOWED: list[float] = []
"""Times of the calls the hook let through (made as the person's key, LiteLLM's checks run)."""


async def call(plugin: BridgePlugin, auth: UserAPIKeyAuth, email: str, model: str) -> float:
    data: dict[str, Any] = {
        "model": model,
        "messages": [{"role": "user", "content": "hi"}],
        "proxy_server_request": {
            "headers": {
                "content-type": "application/json",
                "x-openwebui-user-name": "Someone",
                "x-openwebui-user-email": email,
                "x-openwebui-user-role": "user",
            }
        },
        "metadata": {"user_api_key_user_id": "svc", "user_api_key_user_email": None},
    }
    started = time.perf_counter()
    try:
        await plugin.async_pre_call_hook(auth, None, data, "acompletion")
    except HTTPException:
        return (time.perf_counter() - started) * 1e6
    took = (time.perf_counter() - started) * 1e6
    ALLOWED.append(took)
    return took


async def main_async(users: int, calls: int) -> None:
    rng = random.Random(7)
    started = time.perf_counter()
    state = build_state(users, rng)
    print(f"grants of {users} users built in memory in {time.perf_counter() - started:.2f} s")
    settings = load_settings(
        litellm_database_url="postgresql://bench@127.0.0.1/none",
        openwebui_database_url="postgresql://bench@127.0.0.1/none",
        openwebui_service_key=SERVICE_KEY,
    )
    plugin = BridgePlugin(settings, start=False)
    # refusals are logged as in production, but to nowhere, so the figures stay readable
    bridge_log = logging.getLogger("litellm_bridge")
    for handler in bridge_log.handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 (for the whole run)
    plugin.enforcer.load(state)
    auth = UserAPIKeyAuth(api_key=hash_token(SERVICE_KEY), user_id="svc")
    other = UserAPIKeyAuth(api_key=hash_token("sk-someone-else"), key_alias="other")

    await call(plugin, auth, "user-0@example.test", CATALOG[0])  # first-call imports
    import litellm.proxy.proxy_server  # noqa: F401  (loaded already in the proxy)

    pairs = [
        (f"user-{rng.randrange(users)}@example.test", rng.choice(CATALOG)) for _ in range(calls)
    ]
    cold = [await call(plugin, auth, email, model) for email, model in pairs]
    warm = [await call(plugin, auth, email, model) for email, model in pairs]
    allowed_calls = list(ALLOWED)
    others = [await call(plugin, other, email, model) for email, model in pairs[:5000]]
    allowed = sum(
        1
        for email, model in pairs[:2000]
        if plugin.enforcer.check({"x-openwebui-user-email": email}, [model]).allowed
    )
    print(f"service-key calls, cold (first per user+model): {percentiles(cold)}")
    print(f"service-key calls, warm (repeated pairs):       {percentiles(warm)}")
    print(f"calls with any other key (passed through):     {percentiles(others)}")
    print(f"of the service-key calls, the allowed ones:     {percentiles(allowed_calls)}")
    print(f"allowed share of sampled calls: {allowed / 2000:.0%}")

    started = time.perf_counter()
    check = ModelCheck()  # one per run, as engine/planning.py keeps it
    now = datetime.now(UTC)
    granted = sum(
        sum(
            1
            for d in state.granted(u, CATALOG, now=now, source="keys", router=check).values()
            if d.allowed
        )
        for u in state.users
    )
    print(
        f"a sweep's grant computation for Open WebUI: {users} users x {len(CATALOG)} models "
        f"in {time.perf_counter() - started:.2f} s ({granted} grants)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()
    asyncio.run(main_async(args.users, args.calls))


if __name__ == "__main__":
    main()
